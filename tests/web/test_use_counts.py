"""Page views and shortlistings are counted in the web process and written together (web/use_counts.py):
nothing is lost on a clean stop, a busy database keeps them for the next try, on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa

from assetmap import db
from assetmap.models import ActivityUse
from assetmap.web import create_app, use_counts
from tests.factories import new_pg_database

from ..conftest import FIXED_NOW
from ..factories import make_activity, make_organisation


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _database_url(backend: str, request, tmp_path) -> str:
    if backend == "spatialite":
        return f"sqlite:///{tmp_path / 'uses.db'}"
    return new_pg_database(request.getfixturevalue("postgis_url"), "use_counts")


@pytest.fixture(params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def site(request, settings, tmp_path):
    """An app over a database of two activities; its counts kept with a clock the test moves."""
    own = dataclasses.replace(settings, database_url=_database_url(request.param, request, tmp_path), index_dir=str(tmp_path / "index"), tile_url="")
    engine = db.make_engine(own.database_url)
    db.create_schema(engine)
    organisation = make_organisation(name="Sale Striders")
    records = [make_activity(name="Sale walk", organisation_id=organisation.id), make_activity(name="Stretford choir")]
    with db.make_sessionmaker(engine).begin() as session:
        session.add(organisation)
        session.add_all(records)
    engine.dispose()
    app = create_app(own)
    ticks = Ticks()
    counter = app.extensions["assetmap"]["use_counts"] = use_counts.UseCounts(app.extensions["assetmap"]["engine"], clock=ticks)
    yield app, counter, ticks, [r.id for r in records]
    app.extensions["assetmap"]["engine"].dispose()


def _uses(app) -> dict[str, tuple[int, int]]:
    with app.extensions["assetmap"]["sessions"]() as session:
        return {u.activity_id: (u.shown, u.shortlisted) for u in session.scalars(sa.select(ActivityUse).where(ActivityUse.day == FIXED_NOW.date()))}


def test_views_wait_in_memory_and_are_written_together_when_due(site):
    app, _, ticks, (walk, choir) = site
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/activities/{walk}").status_code == 200
    client.get(f"/shortlist?ids={walk}&ids={choir}")
    assert _uses(app) == {}   # no write per view
    ticks.now += use_counts.FLUSH_SECONDS
    client.get(f"/activities/{choir}")
    assert _uses(app) == {walk: (3, 1), choir: (1, 1)}
    client.get(f"/activities/{walk}")
    ticks.now += use_counts.FLUSH_SECONDS
    client.get(f"/activities/{walk}")
    assert _uses(app)[walk] == (5, 1)   # added to the day's counts already written


def test_a_busy_database_keeps_the_counts_for_the_next_try(site):
    app, counter, _, (walk, _choir) = site
    app.test_client().get(f"/activities/{walk}")
    engine = app.extensions["assetmap"]["engine"]
    with engine.connect() as conn:   # another writer holds the activity_use table (SQLite: the whole database)
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("LOCK TABLE activity_use IN EXCLUSIVE MODE")
        assert counter.flush() is False
        conn.rollback()
    assert counter.flush() is True
    assert _uses(app) == {walk: (1, 0)}


def test_counts_are_written_when_the_process_stops(settings, tmp_path):
    """A web process that ends cleanly writes what it counted (atexit; gunicorn's worker_exit calls the same)."""
    own_url = f"sqlite:///{tmp_path / 'stop.db'}"
    engine = db.make_engine(own_url)
    db.create_schema(engine)
    walk = make_activity(name="Sale walk")
    with db.make_sessionmaker(engine).begin() as session:
        session.add(walk)
    script = ("import datetime as dt\n"
              "from assetmap.config import Settings\n"
              "from assetmap.web import create_app\n"
              f"app = create_app(Settings(database_url={own_url!r}, index_dir={str(tmp_path / 'index')!r}, secret_key='x', warm_start=False,"
              f" clock=lambda: dt.datetime.fromisoformat({FIXED_NOW.isoformat()!r})))\n"
              "client = app.test_client()\n"
              f"assert all(client.get('/activities/{walk.id}').status_code == 200 for _ in range(4))\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    with engine.connect() as conn:
        assert conn.execute(sa.select(ActivityUse.shown).where(ActivityUse.activity_id == walk.id,
                                                               ActivityUse.day == FIXED_NOW.date())).scalar() == 4
    engine.dispose()


def test_the_review_queue_counts_views_a_day_at_a_time(site):
    app, counter, _, (walk, _choir) = site
    counter.add([walk, walk], FIXED_NOW.date(), "shown")   # one page asking twice counts once
    counter.add([walk], FIXED_NOW.date() - dt.timedelta(days=1), "shown")
    assert counter.flush() is True
    with app.extensions["assetmap"]["sessions"]() as session:
        days = dict(session.execute(sa.select(ActivityUse.day, ActivityUse.shown).where(ActivityUse.activity_id == walk)).all())
    assert days == {FIXED_NOW.date(): 1, FIXED_NOW.date() - dt.timedelta(days=1): 1}


def test_an_activity_page_asks_the_database_twice_and_writes_nothing(site):
    """The record (with its organisation, and whether it has other listings or open reports) and its fields' origins."""
    app, _, _, (walk, _choir) = site
    client = app.test_client()
    client.get(f"/activities/{walk}")   # the process's area names and templates loaded once
    statements = []
    engine = app.extensions["assetmap"]["engine"]
    listen = lambda conn, cursor, statement, *rest: statements.append(" ".join(statement.split()).upper())  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        html = client.get(f"/activities/{walk}").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert "Sale walk" in html and "Run by Sale Striders" in html
    tables = ("ACTIVITY", "AUDIT_ENTRY", "PROBLEM_REPORT", "DUPLICATE_GROUP", "ORGANISATION")   # not the area names' own check
    assert len([s for s in statements if any(f"FROM {t}" in s for t in tables)]) == 2
    assert not [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
