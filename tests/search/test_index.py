"""Keeping the index in step with the database: build, incremental update, check, crash repair."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from assetmap.models import Activity
from assetmap.search import SearchIndexError, SearchParams, build_index, check_index, search_activities, update_index

from ..factories import make_activity


def found(session, settings, text):
    return {hit.activity.id for hit in search_activities(session, settings, SearchParams(text=text, per_page=200)).hits}


@pytest.fixture
def three(any_session):
    activities = [
        make_activity(name="Knit and Natter", description="Knitting and crochet.", content_hash="a"),
        make_activity(name="Sale Choir", description="Singing for everyone.", content_hash="b"),
        make_activity(name="Memory Cafe", description="For people living with dementia.", content_hash="c"),
    ]
    any_session.add_all(activities)
    any_session.flush()
    return activities


def test_build_indexes_every_activity_and_returns_the_count(any_session, search_settings, three):
    assert build_index(search_settings, any_session) == 3
    assert check_index(search_settings, any_session) == []
    assert found(any_session, search_settings, "knitting") == {three[0].id}


def test_a_rebuild_replaces_the_previous_index(any_session, search_settings, three):
    build_index(search_settings, any_session)
    any_session.delete(three[1])
    any_session.flush()
    assert build_index(search_settings, any_session) == 2
    assert found(any_session, search_settings, "choir") == set()
    assert check_index(search_settings, any_session) == []


def test_update_reindexes_changed_adds_new_and_removes_deleted(any_session, search_settings, three):
    build_index(search_settings, any_session)
    knit, choir, memory = three
    knit.description = "Knitting, crochet and sewing."
    knit.content_hash = "a2"
    new = make_activity(name="Men's Shed", description="Woodwork and repairs.")
    any_session.add(new)
    any_session.delete(choir)
    any_session.flush()
    update_index(search_settings, any_session, [knit.id, new.id, choir.id])
    assert found(any_session, search_settings, "sewing") == {knit.id}
    assert found(any_session, search_settings, "woodwork") == {new.id}
    assert found(any_session, search_settings, "singing") == set()
    assert check_index(search_settings, any_session) == []


def test_update_without_an_index_builds_it_so_a_first_ingest_is_searchable(any_session, search_settings, three):
    if any_session.get_bind().dialect.name == "sqlite":
        with pytest.raises(SearchIndexError, match="assetmap index"):
            search_activities(any_session, search_settings, SearchParams(text="knitting"))
    update_index(search_settings, any_session, [three[0].id])
    assert found(any_session, search_settings, "knitting") == {three[0].id}
    assert check_index(search_settings, any_session) == []


def test_a_crash_between_commit_and_index_update_is_reported_then_repaired(any_session, search_settings, three):
    """The writer commits, then dies before update_index: the index is behind, never ahead."""
    build_index(search_settings, any_session)
    knit, choir, memory = three
    knit.description = "Now also sewing."            # changed in the database ...
    knit.content_hash = "a2"
    memory.last_verified = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # re-checked: freshness is indexed too
    added = make_activity(name="Grow Together", description="Allotment gardening.")
    any_session.add(added)
    any_session.delete(choir)
    any_session.flush()                              # ... committed (a savepoint here), and no update_index: the crash
    problems = check_index(search_settings, any_session)
    if any_session.get_bind().dialect.name == "postgresql":
        assert problems == []                        # the trigger indexed it in the same transaction
        return
    assert sorted(problems) == sorted([
        f"{knit.id} (Knit and Natter): changed in the database since it was indexed",
        f"{memory.id} (Memory Cafe): changed in the database since it was indexed",
        f"{added.id} (Grow Together): in the database but not in the index",
        f"{choir.id}: in the index but no longer in the database",
    ])
    assert found(any_session, search_settings, "choir") == set()   # the deleted record is never shown
    assert build_index(search_settings, any_session) == 3
    assert check_index(search_settings, any_session) == []
    assert found(any_session, search_settings, "sewing") == {knit.id}


def test_check_reports_a_missing_index(session, settings, tmp_path):
    assert check_index(dataclasses.replace(settings, index_dir=str(tmp_path / "none")), session) == [
        f"no search index in {tmp_path / 'none'}: run `assetmap index`"]


@pytest.mark.postgis
def test_postgres_check_reports_a_missing_trigger_and_a_rebuild_repairs_it(pg_engine, settings):
    from sqlalchemy.orm import Session

    search_settings = dataclasses.replace(settings, database_url=pg_engine.url.render_as_string(hide_password=False))
    connection = pg_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection)
    try:
        session.add(make_activity(name="Knit and Natter"))
        session.flush()
        build_index(search_settings, session)
        session.execute(sa.text("DROP TRIGGER activity_search_refresh ON activity"))
        assert "trigger is missing" in check_index(search_settings, session)[0]
        session.execute(sa.text("DELETE FROM activity_search"))
        build_index(search_settings, session)
        assert check_index(search_settings, session) == []
        activities = session.scalar(sa.select(sa.func.count()).select_from(Activity))
        assert activities == session.scalar(sa.text("SELECT count(*) FROM activity_search"))
    finally:
        session.close()
        transaction.rollback()
        connection.close()


def test_an_index_built_from_an_empty_database_answers_with_no_hits(session, search_settings):
    assert build_index(search_settings, session) == 0
    results = search_activities(session, search_settings, SearchParams(text="walking"))
    assert (results.total, results.hits) == (0, [])


def test_a_word_in_every_record_is_still_found_after_an_edit_leaves_a_deleted_document(any_session, search_settings, three):
    """Deleted documents stay in the postings until a merge: counting them made a word in every record ("walk")
    score below zero, so it found nothing."""
    for activity in three:
        activity.description += " A friendly weekly walk."
    any_session.flush()
    build_index(search_settings, any_session)
    three[1].name = "Sale Community Choir"
    three[1].content_hash = "b2"
    any_session.flush()
    update_index(search_settings, any_session, [three[1].id])
    assert found(any_session, search_settings, "walk") == {a.id for a in three}
