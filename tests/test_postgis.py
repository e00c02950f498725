"""The same spatial layer on PostgreSQL + PostGIS: schema, boundaries, bbox query, area index.

These run against a real cluster the suite starts (tests/pg_cluster.py); with --require-postgis
(CI) a cluster that cannot start fails the run instead of skipping.
"""

import pytest
import sqlalchemy as sa

from assetmap import db
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.areas.queries import load_area_index
from assetmap.models import Area
from assetmap.queries import activities_in_bbox

from .factories import make_activity


@pytest.mark.postgis
def test_postgis_schema_is_managed_by_alembic(pg_engine):
    with pg_engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == _head(pg_engine)
        assert conn.scalar(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_activity_geom'")) == 1


def _head(engine) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()


def test_boundaries_and_lookup_load_the_same_on_both_backends(any_session, shared_data):
    result = load_boundaries(any_session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
    load_lookup(any_session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    assert result.count == 1037
    index = load_area_index(any_session)
    assert index.areas_at(53.4252, -2.3255) == {"ward": "E05000833", "lad": "E08000009", "stp": "E54000007", "icb": "E54000057"}
    area = any_session.scalar(sa.select(Area).where(Area.code == "E05000833"))
    assert area.geom is not None and area.parent_codes["icb"] == "E54000057"


def test_bbox_query_uses_the_spatial_column_on_both_backends(any_session):
    inside = make_activity(lat=53.4252, lon=-2.3255)
    outside = make_activity(lat=51.5072, lon=-0.1276)
    closed = make_activity(lat=53.4260, lon=-2.3260, status="closed")
    any_session.add_all([inside, outside, closed])
    any_session.flush()
    found = activities_in_bbox(any_session, -2.4, 53.4, -2.3, 53.5)
    assert [a.id for a in found] == [inside.id]


@pytest.mark.postgis
def test_missing_database_server_is_one_clear_error():
    with pytest.raises(db.DatabaseError, match="cannot connect to postgresql"):
        db.make_engine("postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
