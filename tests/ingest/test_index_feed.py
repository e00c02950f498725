"""A big ingest indexed by a second process during its transaction (assetmap.search.background)."""

import pytest
import sqlalchemy as sa

from assetmap.ingest import ingest_file, load
from assetmap.models import Activity
from assetmap.search import SearchParams, background, build_index, check_index, search_activities
from assetmap.search import index as search_index
from assetmap.search.whoosh_backend import current_snapshot

from .scenarios import GOOD_ROW, OTHER_ROW, sheet
from .test_run_ingest import THIRD_ROW, write

ROWS = sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW)


@pytest.fixture
def indexed(fresh_db, monkeypatch):
    """A database with an empty search index, where three changed records count as a big change."""
    settings, _, sessions = fresh_db
    with sessions() as session:
        build_index(settings, session)
    monkeypatch.setattr(background, "FEED_FROM", 2)
    return settings, sessions


def indexed_names(settings):
    return sorted(current_snapshot(settings.index_dir).table.ids)


def test_a_big_change_is_indexed_alongside_and_matches_the_database(indexed, postcodes, monkeypatch, tmp_path):
    settings, sessions = indexed
    monkeypatch.setattr(search_index, "reindex", lambda *a, **k: pytest.fail("the index writer should have done it"))
    report = ingest_file(settings, sessions, write(tmp_path, ROWS), postcodes=postcodes)
    with sessions() as session:
        assert check_index(settings, session) == []
        hits = search_activities(session, settings, SearchParams(text="yoga")).hits
    assert report.counts["accepted"] == 3 and not report.notes
    assert [h.activity.name for h in hits] == ["Chair Yoga"]


def test_a_second_big_change_replaces_the_records_it_changes(indexed, postcodes, tmp_path):
    settings, sessions = indexed
    ingest_file(settings, sessions, write(tmp_path, ROWS), postcodes=postcodes)
    changed = sheet(GOOD_ROW | {"When": "Fridays"}, OTHER_ROW | {"When": "Sundays"}, THIRD_ROW | {"When": "Saturdays"})
    ingest_file(settings, sessions, write(tmp_path, changed), postcodes=postcodes)
    with sessions() as session:
        assert check_index(settings, session) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 3
    assert len(indexed_names(settings)) == 6 and current_snapshot(settings.index_dir).live_count == 3


def test_a_failed_transaction_leaves_the_index_as_it_was(indexed, postcodes, monkeypatch, tmp_path):
    settings, sessions = indexed

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")  # after the activities were written and sent to the index writer

    monkeypatch.setattr(load, "save_rejections", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_file(settings, sessions, write(tmp_path, ROWS), postcodes=postcodes)
    assert indexed_names(settings) == []
    with sessions() as session:
        assert build_index(settings, session) == 0  # the index writer let go of its lock


def test_when_the_index_writer_fails_the_index_is_updated_after_the_load(indexed, postcodes, monkeypatch, tmp_path):
    settings, sessions = indexed

    def broken(row):
        raise ValueError("cannot index this")

    monkeypatch.setattr(background, "whoosh_document", broken)  # the forked writer inherits it
    report = ingest_file(settings, sessions, write(tmp_path, ROWS), postcodes=postcodes)
    with sessions() as session:
        assert check_index(settings, session) == []
    assert report.notes == ["search index updated after loading instead "
                            "(the index writer failed: ValueError('cannot index this'))"]


def test_a_small_change_starts_no_second_process(fresh_db, postcodes, tmp_path):
    settings, _, sessions = fresh_db
    with sessions() as session:
        build_index(settings, session)
        feed = background.IndexFeed(settings)
        assert not feed.start(session, background.FEED_FROM - 1) and not feed.active
        assert feed.commit() == ""
