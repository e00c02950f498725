"""PostgreSQL search: where each record can be reached from, in the word index (``place``).

On PostgreSQL, where the search tables exist (``assetmap index`` made them; SpatiaLite has none):
adds the generated column ``place`` to ``activity_search`` (the record's grid cell at five sizes, its
service areas' codes for an online or phone service, "everywhere" for one with neither), one GIN
index over the document and the place, so a near search's words and place are intersected in the
index, and drops the first version's separate indexes. Rewrites ``activity_search``: about a minute
per 1,000,000 records. The statements are a copy of ``search/pg_backend.py``'s ``PLACE`` at this
revision, so later changes there do not change this step; ``assetmap index`` runs the current ones.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PLACE = [
    """CREATE OR REPLACE FUNCTION assetmap_cell(v double precision, size double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT (floor(least(greatest(v, -1000.0), 1000.0) / size)::int + 100000)::text $$""",
    """CREATE OR REPLACE FUNCTION assetmap_place(lat double precision, lon double precision, remote boolean, serves text[])
    RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
        SELECT array_to_tsvector(ARRAY(SELECT DISTINCT x FROM unnest(
            CASE WHEN lat > '-Infinity' AND lat < 'Infinity' AND lon > '-Infinity' AND lon < 'Infinity' THEN ARRAY[
                'g0y' || assetmap_cell(lat, 0.05) || 'x' || assetmap_cell(lon, 0.05),
                'g1y' || assetmap_cell(lat, 0.1) || 'x' || assetmap_cell(lon, 0.1),
                'g2y' || assetmap_cell(lat, 0.2) || 'x' || assetmap_cell(lon, 0.2),
                'g3y' || assetmap_cell(lat, 0.4) || 'x' || assetmap_cell(lon, 0.4),
                'g4y' || assetmap_cell(lat, 0.8) || 'x' || assetmap_cell(lon, 0.8)]
            ELSE '{}'::text[] END
            || CASE WHEN remote THEN ARRAY(SELECT 's' || md5(c) FROM unnest(serves) AS c) ELSE '{}'::text[] END
            || CASE WHEN remote AND lat IS NULL AND serves = '{}' THEN ARRAY['everywhere'] ELSE '{}'::text[] END) AS x)) $$""",
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS place tsvector GENERATED ALWAYS AS (assetmap_place(lat, lon, remote, serves)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_words_place ON activity_search USING gin (document, place)",
    "ALTER INDEX ix_activity_search_words_place SET (gin_pending_list_limit = 256)",
    "DROP INDEX IF EXISTS ix_activity_search_document",
    "DROP INDEX IF EXISTS ix_activity_search_lat_lon",
    "DROP INDEX IF EXISTS ix_activity_search_serves",
    "DROP INDEX IF EXISTS ix_activity_search_everywhere",
]
FIRST_VERSION = [
    "DROP INDEX IF EXISTS ix_activity_search_words_place",
    "ALTER TABLE activity_search DROP COLUMN IF EXISTS place",
    "DROP FUNCTION IF EXISTS assetmap_place(double precision, double precision, boolean, text[])",
    "DROP FUNCTION IF EXISTS assetmap_cell(double precision, double precision)",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_document ON activity_search USING gin (document)",
    "ALTER INDEX ix_activity_search_document SET (gin_pending_list_limit = 256)",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_lat_lon ON activity_search (lat, lon)",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_serves ON activity_search USING gin (serves) WHERE remote",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_everywhere ON activity_search (activity_id) WHERE remote AND lat IS NULL AND serves = '{}'",
]


def _has_search_tables() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bind.scalar(sa.text("SELECT to_regclass('activity_search') IS NOT NULL"))


def upgrade():
    if _has_search_tables():
        for statement in PLACE:
            op.execute(sa.text(statement))


def downgrade():
    if _has_search_tables():
        for statement in FIRST_VERSION:
            op.execute(sa.text(statement))
