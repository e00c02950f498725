"""Small areas (LSOAs), population estimates and deprivation scores, for coverage gaps.

``small_area`` keeps each LSOA's centre and the ward, council, STP and ICB it lies in;
``population_estimate`` keeps people by area, year and age band; ``deprivation_score`` keeps the
Index of Multiple Deprivation per LSOA and edition; ``lsoa_bridge`` links 2011 LSOAs to 2021 ones.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "small_area",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("vintage", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("centre_method", sa.String(30), nullable=False),
        sa.Column("ward_code", sa.String(20), nullable=True),
        sa.Column("lad_code", sa.String(20), nullable=True),
        sa.Column("stp_code", sa.String(20), nullable=True),
        sa.Column("icb_code", sa.String(20), nullable=True),
        sa.UniqueConstraint("vintage", "code"),
    )
    op.create_index("ix_small_area_code", "small_area", ["code"])
    op.create_index("ix_small_area_ward_code", "small_area", ["ward_code"])
    op.create_index("ix_small_area_lad_code", "small_area", ["lad_code"])
    op.create_table(
        "population_estimate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("area_kind", sa.String(20), nullable=False),
        sa.Column("area_code", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.UniqueConstraint("area_kind", "area_code", "year", "band"),
    )
    op.create_index("ix_population_estimate_area_code", "population_estimate", ["area_code"])
    op.create_index("ix_population_estimate_source", "population_estimate", ["source"])
    op.create_table(
        "deprivation_score",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.String(10), nullable=False),
        sa.Column("lsoa_code", sa.String(20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("decile", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.UniqueConstraint("edition", "lsoa_code"),
    )
    op.create_index("ix_deprivation_score_lsoa_code", "deprivation_score", ["lsoa_code"])
    op.create_table(
        "lsoa_bridge",
        sa.Column("lsoa11_code", sa.String(20), primary_key=True),
        sa.Column("lsoa21_code", sa.String(20), primary_key=True),
        sa.Column("change", sa.String(1), nullable=False),
    )


def downgrade():
    op.drop_table("lsoa_bridge")
    op.drop_index("ix_deprivation_score_lsoa_code", "deprivation_score")
    op.drop_table("deprivation_score")
    op.drop_index("ix_population_estimate_source", "population_estimate")
    op.drop_index("ix_population_estimate_area_code", "population_estimate")
    op.drop_table("population_estimate")
    op.drop_index("ix_small_area_lad_code", "small_area")
    op.drop_index("ix_small_area_ward_code", "small_area")
    op.drop_index("ix_small_area_code", "small_area")
    op.drop_table("small_area")
