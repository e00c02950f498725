"""Each process's copy of the filter columns on PostgreSQL (``pg_table``) answers as the rows themselves do.

On a database of its own with committed data (the copy holds only committed rows): the same
searches answered through the copy and from the rows give the same pages, totals and facets; and
the copy follows every kind of change — an edit, a deletion, a duplicate link, a transaction that
began before the last look and committed after it, a rebuild, a change too big to read inline —
while a search inside a transaction that has written sees its own writes and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid

import numpy as np
import psycopg
import pytest
import sqlalchemy as sa

from assetmap import db
from assetmap.config import Settings
from assetmap.models import Activity, DuplicateGroup
from assetmap.search import SearchParams, build_index, pg_backend, pg_table, search_activities, search_all_ids
from tests.factories import app_over, make_activity
from tests.search.conftest import add_catalogue

pytestmark = pytest.mark.postgis


@contextlib.contextmanager
def committed_database(postgis_url, fill):
    """A database of its own, filled by ``fill(session)`` in a committed transaction, indexed; dropped afterwards."""
    name = f"pgtable_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = postgis_url.rsplit("/", 1)[0] + f"/{name}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    settings = Settings(database_url=url)
    with sessions.begin() as session:
        fill(session)
    with sessions.begin() as session:
        build_index(settings, session)
    try:
        yield engine, sessions, settings
    finally:
        pg_table.forget(engine)
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(scope="module")
def own_database(postgis_url, shared_data):
    """A database of this module's own holding the Trafford catalogue, committed and indexed."""
    with committed_database(postgis_url, lambda session: add_catalogue(session, shared_data)) as found:
        yield found


QUESTIONS = [
    SearchParams(text="walking"),
    SearchParams(text="singing near Sale", radius_km=5),
    SearchParams(text="lonely", near="M33 7XW", radius_km=3),
    SearchParams(text="", near="M33 7XW", radius_km=2),
    SearchParams(text="", categories=("exercise",), days=("tue",)),
    SearchParams(text="coffee morning", free_only=True),
    SearchParams(text="dementia carers", near="M41 0NA", radius_km=10, status="all"),
    SearchParams(text="menshed"),
    SearchParams(text="", per_page=100),
]


def _answer(sessions, settings, params):
    with sessions() as session:
        results = search_activities(session, settings, params)
        return [hit.activity.id for hit in results.hits], results.total, results.facets


@pytest.mark.parametrize("params", QUESTIONS, ids=lambda p: f"{p.text or 'browse'} {p.near or ''}".strip())
def test_the_copy_answers_as_the_rows_do(own_database, params, monkeypatch):
    _, sessions, settings = own_database
    through_copy = _answer(sessions, settings, params)
    monkeypatch.setattr(pg_table.Directory, "current", lambda self, session: None)
    assert through_copy == _answer(sessions, settings, params)
    assert through_copy[1] > 0 or params.text == "lonely"


def test_a_map_box_is_answered_from_the_copy_as_from_the_rows(own_database, monkeypatch):
    _, sessions, settings = own_database
    box = (-2.35, 53.40, -2.28, 53.45)
    with sessions() as session:
        through_copy = search_all_ids(session, settings, SearchParams(), box=box)
    monkeypatch.setattr(pg_table.Directory, "current", lambda self, session: None)
    with sessions() as session:
        assert through_copy == search_all_ids(session, settings, SearchParams(), box=box)
    assert through_copy


@pytest.fixture
def small_database(postgis_url):
    """A fresh database with three committed, indexed activities."""
    def fill(session):
        session.add_all([make_activity(id=f"a{i}", name=f"Walking group {i}", categories=["walking"], is_free=False) for i in range(3)])

    with committed_database(postgis_url, fill) as found:
        yield found


def _ids(sessions, settings, **params) -> list[str]:
    with sessions() as session:
        return sorted(hit.activity.id for hit in search_activities(session, settings, SearchParams(per_page=50, **params)).hits)


def _held(sessions):
    with sessions() as session:
        return pg_table.directory(session).held


def test_the_copy_follows_edits_deletions_and_duplicate_links(small_database):
    _, sessions, settings = small_database
    assert _ids(sessions, settings, categories=("walking",)) == ["a0", "a1", "a2"]
    with sessions.begin() as session:
        session.get(Activity, "a1").categories = ["singing"]
    assert _ids(sessions, settings, categories=("walking",)) == ["a0", "a2"]
    assert _ids(sessions, settings, categories=("singing",)) == ["a1"]
    with sessions.begin() as session:
        session.delete(session.get(Activity, "a2"))
    assert _ids(sessions, settings) == ["a0", "a1"]
    with sessions.begin() as session:
        session.add(make_activity(id="a3", name="Ramblers group 3", categories=["walking"]))
    assert _ids(sessions, settings, text="ramblers") == ["a3"]   # a new search key, past the end of those read at first
    with sessions.begin() as session:
        session.add_all([DuplicateGroup(activity_id="a0", group_id="a0"), DuplicateGroup(activity_id="a3", group_id="a0")])
    assert len(_ids(sessions, settings, categories=("walking",))) == 1   # one group of linked duplicates, shown once
    with sessions.begin() as session:
        session.add(make_activity(id="a4", name="Walking group 4"))
    with sessions.begin() as session:   # written then deleted, both seen in one look
        session.delete(session.get(Activity, "a4"))
    assert "a4" not in _ids(sessions, settings)
    assert _held(sessions) is not None


def test_a_transaction_that_began_before_a_look_and_committed_after_is_not_missed(small_database):
    engine, sessions, settings = small_database
    assert _ids(sessions, settings, free_only=True) == []
    with engine.connect() as early:
        transaction = early.begin()
        early.execute(sa.update(Activity).where(Activity.id == "a0").values(is_free=True))   # its transaction id is the older
        with sessions.begin() as session:
            session.get(Activity, "a1").is_free = True
        assert _ids(sessions, settings, free_only=True) == ["a1"]   # looked while the older one still ran
        transaction.commit()
    assert _ids(sessions, settings, free_only=True) == ["a0", "a1"]


def test_a_writing_transaction_sees_its_own_writes_and_leaves_nothing_behind(small_database):
    _, sessions, settings = small_database
    assert _ids(sessions, settings, categories=("singing",)) == []
    with sessions() as session:
        session.get(Activity, "a0").categories = ["singing"]
        session.flush()
        assert [h.activity.id for h in search_activities(session, settings, SearchParams(categories=("singing",))).hits] == ["a0"]
        session.rollback()
    assert _ids(sessions, settings, categories=("singing",)) == []


def test_a_rebuild_makes_every_process_read_its_copy_again(small_database):
    _, sessions, settings = small_database
    _ids(sessions, settings)
    before = _held(sessions)
    with sessions.begin() as session:
        build_index(settings, session)
    _ids(sessions, settings)
    after = _held(sessions)
    assert after is not None and after.token != before.token


def test_a_big_change_is_read_aside_while_searches_answer_from_the_copy_held(small_database, monkeypatch):
    _, sessions, settings = small_database
    _ids(sessions, settings)
    monkeypatch.setattr(pg_table, "INLINE_CHANGES", 2)
    with sessions.begin() as session:
        session.add_all([make_activity(id=f"b{i}", name=f"Choir {i}", categories=["singing"]) for i in range(5)])
    assert _ids(sessions, settings, categories=("singing",)) == []   # the copy held meanwhile
    with sessions() as session:
        directory = pg_table.directory(session)
    directory.reading.join(timeout=30)
    assert _ids(sessions, settings, categories=("singing",)) == [f"b{i}" for i in range(5)]


def test_filter_columns_held_match_the_rows_for_every_field(own_database):
    _, sessions, _ = own_database
    held = _held(sessions)
    with sessions() as session:
        fresh = pg_table.table_of(session.execute(sa.text(f"SELECT {pg_table.select_columns()} FROM {pg_table.FROM_ACTIVITY}")).all())
    rows = [held.row_of[i] for i in fresh.ids]
    held_table = held.table.take(rows)
    for field in fresh.multi:
        mine, theirs = held_table.multi[field], fresh.multi[field]
        assert [(r, mine.values[c]) for r, c in zip(mine.rows, mine.codes)] == [(r, theirs.values[c]) for r, c in zip(theirs.rows, theirs.codes)]
    for column in ("lat", "lon", "verified"):
        np.testing.assert_array_equal(getattr(held_table, column), getattr(fresh, column))


def test_known_words_are_remembered_for_a_while_and_only_for_committed_records(small_database):
    _, sessions, settings = small_database
    with sessions() as session:
        directory = pg_table.directory(session)
    now = [1000.0]
    directory.clock = lambda: now[0]
    directory.known_words, directory.words_until = {}, 0.0
    _ids(sessions, settings, text="walking")
    assert directory.remembered_words() == {"walking": True}
    now[0] += pg_table.KNOWN_WORDS_SECONDS + 1
    assert directory.remembered_words() == {}
    with sessions() as session:   # a writing transaction neither reads nor adds to what is remembered
        session.add(make_activity(id="w1", name="Zumba gold"))
        session.flush()
        assert [h.activity.id for h in search_activities(session, settings, SearchParams(text="zumba")).hits] == ["w1"]
        session.rollback()
    assert "zumba" not in directory.known_words


def test_a_remembered_question_follows_every_change_of_its_records(small_database, monkeypatch):
    """Word matches are remembered per question (``match_cache``) and brought up to date from the changed records only."""
    engine, sessions, settings = small_database
    assert _ids(sessions, settings, text="ramblers") == []
    asked = []
    original = pg_backend.PostgresBackend._asked
    monkeypatch.setattr(pg_backend.PostgresBackend, "_asked", lambda self, sql, params, *rest: asked.append(params.get("recheck"))
                        or original(self, sql, params, *rest))
    assert _ids(sessions, settings, text="ramblers") == []
    assert asked == []   # remembered: no word query at all
    with sessions.begin() as session:
        session.get(Activity, "a1").name = "Ramblers group 1"
    assert _ids(sessions, settings, text="ramblers") == ["a1"]
    assert asked == [["a1"]]   # only the changed record matched again
    with sessions.begin() as session:
        session.add(make_activity(id="a5", name="Ramblers group 5"))
        session.get(Activity, "a0").name = "Ramblers group 0"
    with engine.connect() as early:
        transaction = early.begin()
        early.execute(sa.update(Activity).where(Activity.id == "a2").values(name="Ramblers group 2"))   # the older transaction
        assert _ids(sessions, settings, text="ramblers") == ["a0", "a1", "a5"]
        transaction.commit()
    assert _ids(sessions, settings, text="ramblers") == ["a0", "a1", "a2", "a5"]
    with sessions.begin() as session:
        session.get(Activity, "a1").name = "Walking group 1"
        session.delete(session.get(Activity, "a5"))
    through_memory = _ids(sessions, settings, text="ramblers")
    assert through_memory == ["a0", "a2"]
    monkeypatch.setattr(pg_table.Directory, "current", lambda self, session: None)
    assert _ids(sessions, settings, text="ramblers") == through_memory


def test_pages_and_the_api_show_records_kept_by_version_and_each_change_at_once(small_database):
    """Result pages reuse records loaded under the same version (``search.records``), shared between requests."""
    engine, sessions, settings = small_database
    with app_over(dataclasses.replace(settings, secret_key="test", ratelimit_search="")) as app:
        _pages_follow_changes(app.test_client(), sessions)


def _pages_follow_changes(client, sessions):
    for _ in range(2):   # the second time from records kept in the process
        assert client.get("/?q=walking").status_code == 200
        items = client.get("/api/activities?q=walking").get_json()["items"]
        assert sorted(item["name"] for item in items) == ["Walking group 0", "Walking group 1", "Walking group 2"]
    with sessions.begin() as session:
        session.get(Activity, "a1").name = "Walking club 1"
        session.get(Activity, "a1").organisation = None
    items = client.get("/api/activities?q=walking").get_json()["items"]
    assert sorted(item["name"] for item in items) == ["Walking club 1", "Walking group 0", "Walking group 2"]
    page = client.get("/?q=walking").get_data(as_text=True)
    assert "Walking club 1" in page and "Walking group 1" not in page


def test_a_search_looks_for_changes_only_once_one_is_announced(small_database):
    """Nothing announced since the last look (``pg_listen``): no look; a change another process commits is seen at once."""
    engine, sessions, settings = small_database
    for _ in range(2):   # the table read, then a look
        assert _ids(sessions, settings, free_only=True) == []
    looks = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: looks.append(1) if "WITH look AS" in args[2] else None)
    assert _ids(sessions, settings, free_only=True) == []
    assert looks == []
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as other:   # as another process: no commit seen by this one
        other.execute("UPDATE activity SET is_free = true WHERE id = 'a0'")
    assert _ids(sessions, settings, free_only=True) == ["a0"]
    assert looks == [1]
    with sessions.begin() as session:   # this process's own commit: looked for before its announcement can arrive
        session.get(Activity, "a1").is_free = True
    assert _ids(sessions, settings, free_only=True) == ["a0", "a1"]


def test_a_deleted_record_leaves_a_remembered_question_at_once(small_database):
    """A deletion alone (no record written) replaces the remembered matches, so no kept result shows it (``search.answers``)."""
    _, sessions, settings = small_database
    for _ in range(2):
        assert _ids(sessions, settings, text="walking") == ["a0", "a1", "a2"]
    with sessions.begin() as session:
        session.delete(session.get(Activity, "a1"))
    assert _ids(sessions, settings, text="walking") == ["a0", "a2"]
    with sessions() as session:
        assert search_activities(session, settings, SearchParams(text="walking")).total == 2


def test_an_older_database_gets_its_announcements_from_the_catch_up_and_searches_look_until_then(small_database):
    from assetmap.search import heal

    engine, sessions, settings = small_database
    with sessions.begin() as session:
        session.execute(sa.text(f"DROP TRIGGER {pg_table.NOTIFY_TRIGGER} ON activity_search"))
    looks = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: looks.append(1) if "WITH look AS" in args[2] else None)
    for _ in range(3):
        assert _ids(sessions, settings, text="walking") == ["a0", "a1", "a2"]
    assert len(looks) == 2   # the first search reads the table; every later one looks
    assert heal.catch_up(settings, sessions).rebuilt is False
    with sessions() as session:
        assert pg_backend.is_announced(session)


def test_an_organisations_new_name_reaches_the_held_table_and_an_older_trigger_is_brought_up_to_date(small_database):
    from assetmap.models import Organisation
    from assetmap.search import heal

    engine, sessions, settings = small_database
    with sessions.begin() as session:
        organisation = Organisation(id="o1", name="Sale Striders")
        session.add(organisation)
        session.flush()
        session.get(Activity, "a1").organisation_id = "o1"
    assert _ids(sessions, settings, text="striders") == ["a1"]
    with sessions.begin() as session:
        session.get(Organisation, "o1").name = "Trafford Ramblers"
    assert _ids(sessions, settings, text="trafford") == ["a1"]   # its row stamped again: the held copy and kept matches follow
    with sessions() as session:
        held = pg_table.directory(session).held
        assert held.changed_since(held.generation - 1)[0] == ("a1",)   # a new version: pages show the new name
    old = next(f for f in [*pg_backend.FUNCTIONS, *pg_backend.TRIGGERS] if "FUNCTION assetmap_refresh_organisation()" in f)
    with sessions.begin() as session:
        session.execute(sa.text(old.replace(", changed_xid = pg_current_xact_id()", "")))   # as an older version made it
        assert not pg_backend.is_announced(session)
    assert heal.catch_up(settings, sessions).rebuilt is False
    with sessions() as session:
        assert pg_backend.is_announced(session)
