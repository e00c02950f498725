"""The first schema, frozen: the tables as the models made them at version 0.1.

Later revisions change the schema with their own operations, so this one must never follow the
models again. Geometry columns go through GeoAlchemy2's Alembic operations, which do the right
thing on each backend: on SpatiaLite ``create_geospatial_table`` registers the column in
``geometry_columns`` (RecoverGeometryColumn), ``create_geospatial_index`` builds the R*Tree table
``idx_<table>_geom`` that ``queries.py`` reads, and ``drop_geospatial_table`` uses SpatiaLite's
DropTable() so no metadata is left behind; on PostGIS they are the plain column, a GiST index and
DROP TABLE.

Revision ID: 0001
"""

import geoalchemy2.alembic_helpers  # noqa: F401  (registers op.create_geospatial_table and friends)
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("area", "ingest_run", "organisation", "search_log", "activity", "rejected_row", "duplicate_link", "verification")


def upgrade():
    _create_area()
    _create_ingest_run()
    _create_organisation()
    _create_search_log()
    _create_activity()
    _create_rejected_row()
    _create_duplicate_link()
    _create_verification()


def downgrade():
    for table in reversed(TABLES):
        if table in ("area", "activity"):
            op.drop_geospatial_table(table)
        else:
            op.drop_table(table)


def _spatial_index(table: str) -> None:
    op.create_geospatial_index(f"idx_{table}_geom", table, ["geom"], postgresql_using="gist")


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def _create_area():
    op.create_geospatial_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vintage", sa.String(length=20), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("parent_codes", sa.JSON(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "code", "vintage"),
    )
    _spatial_index("area")
    _indexes("area", "code")
    op.create_index("ix_area_kind_current", "area", ["kind", "is_current"])


def _create_ingest_run():
    op.create_table(
        "ingest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("full_import", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _create_organisation():
    op.create_table(
        "organisation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("charity_number", sa.String(length=20), nullable=True),
        sa.Column("company_number", sa.String(length=20), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ingested", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("organisation", "charity_number")


def _create_search_log():
    op.create_table(
        "search_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _create_activity():
    op.create_geospatial_table(
        "activity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.Column("schedule_text", sa.Text(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("cost_text", sa.Text(), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=True),
        sa.Column("contact_name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.String(length=40), nullable=True),
        sa.Column("venue", sa.String(length=300), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=20), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
        sa.Column("ward_code", sa.String(length=20), nullable=True),
        sa.Column("lad_code", sa.String(length=20), nullable=True),
        sa.Column("stp_code", sa.String(length=20), nullable=True),
        sa.Column("icb_code", sa.String(length=20), nullable=True),
        sa.Column("service_area", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ingested", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_verified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_how", sa.String(length=100), nullable=True),
        sa.Column("times_shown", sa.Integer(), nullable=False),
        sa.Column("times_shortlisted", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _spatial_index("activity")
    _indexes("activity", "icb_code", "lad_code", "organisation_id", "status", "stp_code", "ward_code")
    op.create_index("ix_activity_source", "activity", ["source", "source_id"])


def _create_rejected_row():
    op.create_table(
        "rejected_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ingest_run_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ingest_run_id"], ["ingest_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("rejected_row", "ingest_run_id")


def _create_duplicate_link():
    op.create_table(
        "duplicate_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("other_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "other_id"),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["activity.id"]),
    )
    _indexes("duplicate_link", "activity_id")


def _create_verification():
    op.create_table(
        "verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("ingest_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["ingest_run_id"], ["ingest_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("verification", "activity_id")
