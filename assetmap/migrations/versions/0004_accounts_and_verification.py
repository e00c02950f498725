"""Accounts for editors and admins, each verification's source, and a per-day count of how each activity is used.

``app_user`` holds editor and admin accounts (argon2 password hashes only); ``verification.source``
names the source whose assertion a verification is; ``activity_use`` counts page views and
shortlistings per activity per day, for the review queue's harm over the last 90 days.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verification") as batch:
        batch.add_column(sa.Column("source", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(300), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "activity_use",
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("shortlisted", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("activity_use")
    op.drop_table("app_user")
    with op.batch_alter_table("verification") as batch:
        batch.drop_column("source")
