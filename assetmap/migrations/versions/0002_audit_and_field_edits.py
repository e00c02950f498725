"""The audit trail and person-edited fields: one write path with field provenance.

``audit_entry`` keeps every change to a record (who or which source and run, when, each field
before and after); ``field_edit`` marks fields a person set, so a re-import does not undo them.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("ingest_run_id", sa.Integer(), sa.ForeignKey("ingest_run.id"), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_entry_record", "audit_entry", ["record_type", "record_id"])
    op.create_index("ix_audit_entry_ingest_run_id", "audit_entry", ["ingest_run_id"])
    op.create_table(
        "field_edit",
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("field", sa.String(40), primary_key=True),
        sa.Column("edited_by", sa.String(300), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_value", sa.JSON(), nullable=True),
        sa.Column("conflict_value", sa.JSON(), nullable=True),
        sa.Column("conflict_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table("field_edit")
    op.drop_index("ix_audit_entry_ingest_run_id", table_name="audit_entry")
    op.drop_index("ix_audit_entry_record", table_name="audit_entry")
    op.drop_table("audit_entry")
