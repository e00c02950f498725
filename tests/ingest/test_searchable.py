"""A first ingest into a new database is searchable at once: no `assetmap index` by hand."""

from assetmap.ingest import ingest_file
from assetmap.search import SearchParams, check_index, search_activities

from .scenarios import GOOD_ROW, OTHER_ROW, sheet
from .test_run_ingest import write


def test_the_first_ingest_builds_the_index(fresh_db, postcodes, area_index, tmp_path):
    settings, _, sessions = fresh_db
    ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), postcodes=postcodes, area_index=area_index)
    with sessions() as session:
        hits = search_activities(session, settings, SearchParams(text="walking")).hits
        assert [hit.activity.name for hit in hits] == ["Sale Walking Group"]
        assert check_index(settings, session) == []
