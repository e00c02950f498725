"""Cross-source duplicates: a link can be rejected (and stays rejected), and each linked activity's group.

``duplicate_link.status`` is ``linked`` or ``rejected``; ``duplicate_group`` maps each linked
activity to its group (the smallest activity id of the group), so search shows a group once.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("duplicate_link") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="linked"))
    op.create_index("ix_duplicate_link_other_id", "duplicate_link", ["other_id"])
    op.create_table(
        "duplicate_group",
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("group_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_duplicate_group_group_id", "duplicate_group", ["group_id"])


def downgrade():
    op.drop_index("ix_duplicate_group_group_id", table_name="duplicate_group")
    op.drop_table("duplicate_group")
    op.drop_index("ix_duplicate_link_other_id", table_name="duplicate_link")
    with op.batch_alter_table("duplicate_link") as batch:
        batch.drop_column("status")
