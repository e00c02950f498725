"""The demo's own sample directory (data/, written by the demo helper) must ingest cleanly."""

import collections
import dataclasses
import datetime as dt

import sqlalchemy as sa

from assetmap.config import PROJECT_ROOT
from assetmap.ingest import run_ingest
from assetmap.models import Activity

# The demo's check dates were counted back from this day (data/README.md); a clock before it would call them future dates.
DEMO_DAY = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


def ingest_demo(session, settings, postcodes, area_index, name, source):
    demo_settings = dataclasses.replace(settings, clock=lambda: DEMO_DAY)
    return run_ingest(PROJECT_ROOT / "data" / name, session, demo_settings, source=source, postcodes=postcodes, area_index=area_index)


def test_demo_spreadsheet_ingests_cleanly(session, settings, postcodes, area_index):
    report = ingest_demo(session, settings, postcodes, area_index, "demo_activities.csv", "demo-spreadsheet")
    assert report.counts == {"read": 288, "accepted": 288, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 0,
                             "duplicate": 0, "blank": 0, "closed": 0}
    assert report.organisations == {"added from activity rows": 80}
    rows = session.execute(sa.select(Activity.status, Activity.precision, Activity.lad_code, Activity.delivery, Activity.schedule)
                           .where(Activity.source == "demo-spreadsheet")).all()
    assert set(collections.Counter(r.status for r in rows)) == {"active", "paused", "closed"}
    placed = [r for r in rows if r.precision != "none"]
    assert {r.lad_code for r in placed} == {"E08000009"} and len(placed) >= 0.8 * len(rows)
    assert sum(bool(r.schedule) for r in rows) >= 0.9 * len(rows)


def test_demo_oruk_feed_ingests_cleanly(session, settings, postcodes, area_index):
    report = ingest_demo(session, settings, postcodes, area_index, "demo_oruk.json", "demo-oruk")
    assert report.counts == {"read": 60, "accepted": 60, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 0,
                             "duplicate": 0, "blank": 0, "closed": 0}
    assert report.profile == "oruk-3.0" and report.organisations == {"added from activity rows": 15}
    descriptions = session.scalars(sa.select(Activity.description).where(Activity.source == "demo-oruk")).all()
    assert not any("<" in d or "&nbsp;" in d for d in descriptions)
