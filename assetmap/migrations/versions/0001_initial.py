"""The first schema, created from the models as they were at version 0.1.

Later revisions alter tables with explicit operations, so an existing database is upgraded in
place; this one only runs on an empty database.

Revision ID: 0001
"""

from alembic import op
from geoalchemy2 import Geometry

from assetmap.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    Base.metadata.create_all(bind=bind)
    if bind.dialect.name == "postgresql":
        _ensure_gist_indexes()


def _ensure_gist_indexes():
    """GeoAlchemy2's SQLite hooks drop spatial indexes from the shared Table objects once a SpatiaLite
    schema has been created in the same process, so PostGIS's GiST indexes are made explicitly."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Geometry) and column.type.spatial_index:
                op.execute(f"CREATE INDEX IF NOT EXISTS idx_{table.name}_{column.name} ON {table.name} USING gist ({column.name})")


def downgrade():
    Base.metadata.drop_all(bind=op.get_bind())
