"""The first schema, created from the models as they were at version 0.1.

Later revisions alter tables with explicit operations, so an existing database is upgraded in
place; this one only runs on an empty database.

Revision ID: 0001
"""

from alembic import op

from assetmap.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    Base.metadata.create_all(bind=op.get_bind())


def downgrade():
    Base.metadata.drop_all(bind=op.get_bind())
