"""`assetmap index` and `assetmap index --check` against a real SpatiaLite file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from assetmap import db
from assetmap.cli import main

from ..factories import make_activity


def _copy_database(engine, path) -> None:
    """A copy of the test database's committed state (the schema only): creating SpatiaLite metadata takes seconds."""
    import sqlean

    source = engine.raw_connection()
    target = sqlean.connect(str(path))
    try:
        source.driver_connection.backup(target)
    finally:
        target.close()
        source.close()


@pytest.fixture
def database(engine, tmp_path):
    """A database file of the test's own, with two committed activities, and the environment pointing at it."""
    _copy_database(engine, tmp_path / "cli.db")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    own = db.make_engine(url)
    sessions = db.make_sessionmaker(own)
    with sessions.begin() as session:
        session.add_all([make_activity(name="Knit and Natter"), make_activity(name="Sale Choir")])
    yield url, sessions, {"DATABASE_URL": url, "ASSETMAP_INDEX_DIR": str(tmp_path / "index")}
    own.dispose()


def test_index_builds_then_check_passes(database):
    _, _, env = database
    runner = CliRunner()
    built = runner.invoke(main, ["index"], env=env)
    assert built.exit_code == 0, built.output
    assert "Indexed 2 activities." in built.output
    checked = runner.invoke(main, ["index", "--check"], env=env)
    assert checked.exit_code == 0 and "matches the database" in checked.output


def test_check_fails_after_an_unindexed_change_and_a_rebuild_repairs_it(database):
    _, sessions, env = database
    runner = CliRunner()
    runner.invoke(main, ["index"], env=env)
    with sessions.begin() as session:     # committed, but the index was never told: a crash
        session.add(make_activity(name="Memory Cafe"))
    checked = runner.invoke(main, ["index", "--check"], env=env)
    assert checked.exit_code == 1
    assert "(Memory Cafe): in the database but not in the index" in checked.output
    assert runner.invoke(main, ["index"], env=env).exit_code == 0
    assert runner.invoke(main, ["index", "--check"], env=env).exit_code == 0


def test_check_without_an_index_builds_it_from_the_database(database):
    _, _, env = database
    checked = CliRunner().invoke(main, ["index", "--check"], env=env)   # a missing index is rebuilt (search/heal.py), then compared
    assert checked.exit_code == 0, checked.output
    assert "Rebuilt the search index from the database." in checked.output and "matches the database" in checked.output


@pytest.fixture
def pg_database(pg_engine):
    """A PostgreSQL database of the test's own (committed data must not leak into other tests)."""
    import sqlalchemy as sa

    name = "assetmap_cli_test"
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = pg_engine.url.set(database=name).render_as_string(hide_password=False)
    own = db.make_engine(url)
    db.create_schema(own)
    yield url, db.make_sessionmaker(own)
    own.dispose()
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))


@pytest.mark.postgis
def test_index_on_postgres_sets_up_full_text_search_that_stays_current(pg_database, tmp_path):
    from assetmap.config import Settings
    from assetmap.search import SearchParams, search_activities

    url, sessions = pg_database
    with sessions.begin() as session:
        session.add(make_activity(name="Knit and Natter"))
    env = {"DATABASE_URL": url, "ASSETMAP_INDEX_DIR": str(tmp_path / "unused")}
    runner = CliRunner()
    checked = runner.invoke(main, ["index", "--check"], env=env)   # the missing search tables are built first (search/heal.py)
    assert checked.exit_code == 0 and "Rebuilt the search index from the database." in checked.output
    built = runner.invoke(main, ["index"], env=env)
    assert built.exit_code == 0 and "Indexed 1 activities." in built.output
    with sessions.begin() as session:   # a later write is searchable at once: the trigger keeps it
        session.add(make_activity(name="Sale Community Choir"))
    assert runner.invoke(main, ["index", "--check"], env=env).exit_code == 0
    with sessions() as session:
        results = search_activities(session, Settings(database_url=url), SearchParams(text="choir"))
    assert [hit.activity.name for hit in results.hits] == ["Sale Community Choir"]
    assert not (tmp_path / "unused").exists()
