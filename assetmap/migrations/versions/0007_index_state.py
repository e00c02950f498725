"""What the search index must have seen: each write transaction's changed activities.

``index_change`` gets one row per committed write that changed activities (in the same
transaction, SpatiaLite only: on PostgreSQL the search tables are kept by a trigger). Each index
folder keeps its own mark, the last change it holds (``search/heal.py``); a process that finds
changes above it re-indexes them, so a crash between the database commit and the index commit heals itself.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "index_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activity_ids", sa.JSON(), nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("index_change")
