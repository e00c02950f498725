"""Problem reports, used confirm links and failed imports.

``problem_report`` holds residents' and organisers' reports until an editor deals with them;
``used_token`` keeps the SHA-256 of each confirm link once used (single use); ``ingest_failure``
records an import that failed and was rolled back, for source health.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "problem_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dealt_by", sa.String(300), nullable=True),
        sa.Column("dealt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_problem_report_activity_id", "problem_report", ["activity_id"])
    op.create_index("ix_problem_report_open", "problem_report", ["status", "activity_id"])
    op.create_table(
        "used_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ingest_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_ingest_failure_source", "ingest_failure", ["source", "failed_at"])


def downgrade():
    op.drop_table("ingest_failure")
    op.drop_table("used_token")
    op.drop_index("ix_problem_report_open", "problem_report")
    op.drop_index("ix_problem_report_activity_id", "problem_report")
    op.drop_table("problem_report")
