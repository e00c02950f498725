"""A feed over the demo directory: real Trafford wards and ONS lookup, the demo's three sources
ingested as ``make demo`` does, and the demo's editors' checks, so every list has several pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assetmap import db
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.demo import DEMO_FILES, add_demo_checks
from assetmap.ingest import ingest_file

from ..conftest import PROJECT_ROOT
from ..factories import app_over

FEED_EMAIL = "directory-team@assetmap.example"
PRIVATE_CONTACT = "Margaret Whitworth"
DEMO_DIR = PROJECT_ROOT / "data"


def build_demo_db(settings, folder: Path, shared_data: Path, files=DEMO_FILES):
    """Settings for a new SpatiaLite directory under ``folder`` holding the demo sources."""
    built = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'feed.db'}", index_dir=str(folder / "index"),
                                tile_url="", feed_contact_email=FEED_EMAIL)
    engine = db.make_engine(built.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        load_boundaries(session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
        load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    for name, source in files:
        ingest_file(built, sessions, DEMO_DIR / name, source=source)
    add_demo_checks(built, sessions)
    engine.dispose()
    return built


def add_unpublished(settings) -> dict[str, str]:
    """Records the feed must leave out (closed, an ended event, the other listing of a duplicate pair) and
    a published one with a private contact name; returns their ids by role."""
    import datetime as dt

    from assetmap.models import DuplicateGroup, DuplicateLink

    from ..factories import make_activity

    old, new = dt.datetime(2025, 1, 5, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    closed = make_activity(name="Closed knit and natter", status="closed", source="feed-test")
    ended = make_activity(name="Summer fair 2025", schedule=["sat any", "until 2025-07-05"], schedule_text="Saturday 5 July 2025",
                          extra={"schedule": {"days": ["sat"], "frequency": "once", "dates": ["2025-07-05"]}}, source="feed-test")
    kept = make_activity(name="Ashton walking netball", last_verified=new, contact_name=PRIVATE_CONTACT, source="feed-test")
    dropped = make_activity(name="Ashton walking netball club", last_verified=old, source="feed-test-2")
    engine = db.make_engine(settings.database_url)
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all([closed, ended, kept, dropped])
        session.flush()
        group = min(kept.id, dropped.id)
        session.add_all([DuplicateLink(activity_id=kept.id, other_id=dropped.id, reason="test"),
                         DuplicateGroup(activity_id=kept.id, group_id=group), DuplicateGroup(activity_id=dropped.id, group_id=group)])
    engine.dispose()
    return {"closed": closed.id, "ended": ended.id, "kept": kept.id, "dropped": dropped.id}


@pytest.fixture(scope="session")
def feed_db(settings, tmp_path_factory, shared_data):
    """``(settings, ids of the special records)`` of the demo directory with the records the feed leaves out."""
    built = build_demo_db(settings, tmp_path_factory.mktemp("feed"), shared_data)
    return built, add_unpublished(built)


@pytest.fixture(scope="session")
def feed_settings(feed_db):
    return feed_db[0]


@pytest.fixture(scope="session")
def special_ids(feed_db):
    return feed_db[1]


@pytest.fixture(scope="session")
def feed_app(feed_settings):
    with app_over(feed_settings) as app:
        yield app


@pytest.fixture
def feed(feed_app):
    return feed_app.test_client()
