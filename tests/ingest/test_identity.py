"""Records from a sheet without ids keep their identity across re-imports by their content."""

import sqlalchemy as sa

from assetmap.models import Activity

from .scenarios import GOOD_ROW, sheet
from .test_run_ingest import write

TUESDAY = GOOD_ROW | {"Activity": "Coffee morning", "When": "Tuesdays 10-12", "Category": "Social"}
THURSDAY = TUESDAY | {"When": "Thursdays 10-12"}


def _records(session) -> dict[str, tuple[str, str]]:
    rows = session.execute(sa.select(Activity.id, Activity.schedule_text, Activity.status).where(Activity.name == "Coffee morning"))
    return {r.id: (r.schedule_text, r.status) for r in rows}


def test_editing_the_second_of_two_same_name_sessions_updates_only_that_one(session, settings, ingest, tmp_path):
    ingest(write(tmp_path, sheet(TUESDAY, THURSDAY)))
    before = _records(session)
    thursday_id = next(i for i, (when, _) in before.items() if when.startswith("Thursdays"))
    report = ingest(write(tmp_path, sheet(TUESDAY, THURSDAY | {"When": "Fridays 10-12"})))
    after = _records(session)
    assert set(after) == set(before), "no record is added and none is closed"
    assert after[thursday_id] == ("Fridays 10-12", "active")
    assert sorted(after.values()) == [("Fridays 10-12", "active"), ("Tuesdays 10-12", "active")]
    assert (report.counts["updated"], report.counts["unchanged"], report.counts["closed"]) == (1, 1, 0)


def test_editing_both_keeps_each_on_its_own_record_by_its_schedule(session, settings, ingest, tmp_path):
    ingest(write(tmp_path, sheet(TUESDAY, THURSDAY)))
    ids = {when: i for i, (when, _) in _records(session).items()}
    ingest(write(tmp_path, sheet(THURSDAY | {"When": "Thursdays 10-12.30"}, TUESDAY | {"When": "Tuesdays 10-12.30"})))
    after = _records(session)
    assert after[ids["Tuesdays 10-12"]][0] == "Tuesdays 10-12.30"
    assert after[ids["Thursdays 10-12"]][0] == "Thursdays 10-12.30"


def test_a_removed_session_is_closed_and_the_other_kept(session, settings, ingest, tmp_path):
    ingest(write(tmp_path, sheet(TUESDAY, THURSDAY)))
    ids = {when: i for i, (when, _) in _records(session).items()}
    report = ingest(write(tmp_path, sheet(THURSDAY)))
    after = _records(session)
    assert after[ids["Thursdays 10-12"]] == ("Thursdays 10-12", "active")
    assert after[ids["Tuesdays 10-12"]] == ("Tuesdays 10-12", "closed")
    assert report.counts["closed"] == 1
