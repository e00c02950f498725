"""The self-healing index (search/heal.py) and snapshots that never stall a search (whoosh_backend).

The database records each write's changed activities in the write's own transaction; any process
that finds the index behind catches it up. The subprocess kills are in tests/ingest/test_faults.py;
here the same situations are made in-process, by keeping a committed change from reaching the index.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
import uuid

import pytest
import sqlalchemy as sa

from assetmap import changes, db
from assetmap.models import Activity, IndexChange
from assetmap.search import SearchParams, build_index, check_index, heal, marks, search_activities, whoosh_backend
from assetmap.search.heal import CatchUp

from ..factories import make_activity


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("heal") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.create_schema(engine)
    engine.dispose()
    return path


@pytest.fixture
def local(template, settings, tmp_path):
    """Settings and sessions for a private database with two activities and a built index."""
    shutil.copyfile(template, tmp_path / "heal.db")
    local = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'heal.db'}", index_dir=str(tmp_path / "index"))
    engine = db.make_engine(local.database_url)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add_all([make_activity(name="Sale health walk"), make_activity(name="Knit and natter", categories=["arts-crafts"])])
    with sessions() as session:
        build_index(local, session)
    yield local, sessions
    engine.dispose()


def add_unindexed(local, monkeypatch, name: str) -> str:
    """Commit a new activity the way an editor does, but keep its catch-up from running (as if killed just after the commit)."""
    settings, sessions = local
    with monkeypatch.context() as patch:
        patch.setattr(heal, "catch_up", lambda *a, **k: CatchUp())
        with changes.writing(settings, sessions, changes.editor_actor("ed@example.org")) as tx:
            activity = tx.add_activity({"name": name, "description": "Songs for lung health", "lat": 53.42, "lon": -2.32})
    return activity.id


def names_found(local, text: str) -> list[str]:
    settings, sessions = local
    with sessions() as session:
        return [h.activity.name for h in search_activities(session, settings, SearchParams(text=text)).hits]


def test_each_write_records_its_changes_in_its_own_transaction(local):
    settings, sessions = local
    with pytest.raises(RuntimeError), changes.writing(settings, sessions, "editor:x") as tx:
        tx.add_activity({"name": "Never saved"})
        raise RuntimeError("the edit failed")
    with changes.writing(settings, sessions, "editor:x") as tx:
        saved = tx.add_activity({"name": "Saved"}).id
    with sessions() as session:
        recorded = [(c.activity_ids) for c in session.scalars(sa.select(IndexChange))]
    assert recorded == [[saved]]


def test_a_change_the_index_missed_is_caught_up_by_the_next_writer(local, monkeypatch):
    settings, sessions = local
    missed = add_unindexed(local, monkeypatch, "Singing for breathing")
    with sessions() as session:
        assert [p.split(" ")[0] for p in check_index(settings, session)] == [missed]
    with changes.writing(settings, sessions, "editor:x") as tx:   # any later write, of anything
        tx.add_activity({"name": "Chair yoga"})
    with sessions() as session:
        assert check_index(settings, session) == []
    assert names_found(local, "singing") == ["Singing for breathing"]


def test_nothing_to_catch_up_does_nothing(local, monkeypatch):
    settings, sessions = local
    monkeypatch.setattr("assetmap.search.index.reindex", lambda *a, **k: pytest.fail("nothing was pending"))
    assert not heal.catch_up(settings, sessions)


def test_the_web_app_catches_the_index_up_in_the_background(local, monkeypatch):
    from assetmap.web import create_app

    settings, _ = local
    add_unindexed(local, monkeypatch, "Singing for breathing")
    app = create_app(dataclasses.replace(settings, warm_start=True))
    client = app.test_client()
    deadline = time.monotonic() + 30
    names: list[str] = []
    while time.monotonic() < deadline and not names:
        started = time.monotonic()
        response = client.get("/api/activities?q=singing")
        assert response.status_code == 200 and time.monotonic() - started < 5   # searches never wait for the catch-up
        names = [item["name"] for item in response.get_json()["items"]]
        time.sleep(0.2)
    app.extensions["assetmap"]["engine"].dispose()
    assert names == ["Singing for breathing"]


def test_changes_pruned_before_the_index_saw_them_mean_a_rebuild(local, monkeypatch):
    settings, sessions = local
    missed = add_unindexed(local, monkeypatch, "Singing for breathing")
    with changes.writing(settings, sessions, "editor:x") as tx:
        tx.add_activity({"name": "Chair yoga"})
    with sessions.begin() as session:   # as if a week had passed: the changes this index missed are no longer listed
        session.execute(sa.delete(IndexChange))
        session.execute(sa.insert(IndexChange).values(changed_at=settings.clock(), activity_ids=[]))
    marks.write_mark(settings.index_dir, marks.database_key(sessions()), 0)
    result = heal.catch_up(settings, sessions)
    assert result.rebuilt and names_found(local, "singing") == ["Singing for breathing"]
    assert missed in whoosh_backend.current_snapshot(settings.index_dir).table.ids


def test_a_mark_written_for_another_database_counts_for_nothing(tmp_path):
    marks.write_mark(str(tmp_path), "/somewhere/else.db", 41)
    assert marks.read_mark(str(tmp_path), "/somewhere/else.db") == 41
    assert marks.read_mark(str(tmp_path), "/here.db") == 0
    (tmp_path / marks.MARK_FILE).write_text("not json")
    assert marks.read_mark(str(tmp_path), "/somewhere/else.db") == 0


def test_a_new_generation_reads_only_its_new_segments(local, monkeypatch):
    settings, sessions = local
    before = whoosh_backend.current_snapshot(settings.index_dir)
    made = []
    original = whoosh_backend._SegmentData
    monkeypatch.setattr(whoosh_backend, "_SegmentData", lambda leaf: made.append(leaf) or original(leaf))
    with changes.writing(settings, sessions, "editor:x") as tx:
        tx.add_activity({"name": "Chair yoga"})
    after = whoosh_backend.current_snapshot(settings.index_dir)
    assert after is not before and len(made) <= 1 and after.live_count == before.live_count + 1
    assert sorted(after.table.ids[after.table.live]) == sorted(before.table.ids[before.table.live].tolist() + [tx.changed_ids.pop()])


def test_a_costly_new_generation_loads_in_the_background_while_searches_use_the_old(local, monkeypatch):
    settings, sessions = local
    old = whoosh_backend.current_snapshot(settings.index_dir)
    monkeypatch.setattr(whoosh_backend, "WAIT_FOR_DOCS", -1)   # every new generation counts as costly
    with sessions.begin() as session:
        session.add(make_activity(id=str(uuid.uuid4()), name="Chair yoga"))
    from whoosh import index as whoosh_index

    from assetmap.search.index import _write_documents, open_writer
    from assetmap.search.schema import INDEX_NAME

    with sessions() as session:   # another process's commit: this one has not refreshed
        ids = list(session.scalars(sa.select(Activity.id).where(Activity.name == "Chair yoga")))
        _write_documents(open_writer(whoosh_index.open_dir(settings.index_dir, indexname=INDEX_NAME)), session, ids)
    assert whoosh_backend.current_snapshot(settings.index_dir) is old   # answered at once from the old generation
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and whoosh_backend.current_snapshot(settings.index_dir) is old:
        time.sleep(0.05)
    assert whoosh_backend.current_snapshot(settings.index_dir).live_count == old.live_count + 1


@pytest.mark.postgis
def test_on_postgresql_missing_search_tables_are_built_and_nothing_is_recorded(postgis_url, settings):
    name = f"heal_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    engine = db.make_engine(sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False))
    try:
        db.create_schema(engine)
        sessions = db.make_sessionmaker(engine)
        with sessions.begin() as session:
            session.add(make_activity(name="Sale health walk"))
        assert heal.catch_up(settings, sessions).rebuilt           # as `assetmap demo` left it: no search tables yet
        assert not heal.catch_up(settings, sessions)               # the trigger keeps them current from now on
        with changes.writing(settings, sessions, "editor:x") as tx:
            tx.add_activity({"name": "Chair yoga"})
        with sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(IndexChange)) == 0
            assert [h.activity.name for h in search_activities(session, settings, SearchParams(text="yoga")).hits] == ["Chair yoga"]
    finally:
        engine.dispose()
