"""The demo's own sample directory (data/, written by the demo helper) must ingest cleanly."""

import collections
import csv
import dataclasses
import datetime as dt
import json

import sqlalchemy as sa

from assetmap.config import PROJECT_ROOT
from assetmap.ingest import run_ingest
from assetmap.models import Activity

DATA = PROJECT_ROOT / "data"
# The one deliberate slip in the demo sheet (a misspelt organisation) shows the flag working.
ALLOWED_FLAGS = {"unresolved_organisation"}


def ingest_demo(session, settings, postcodes, area_index, name, source):
    # The demo's check dates are counted back from the day it was generated and age with the real
    # date (data/README.md); the fixed test clock would call the newest of them future dates.
    today = dataclasses.replace(settings, clock=lambda: dt.datetime.now(dt.UTC))
    return run_ingest(DATA / name, session, today, source=source, postcodes=postcodes, area_index=area_index)


def test_demo_spreadsheet_ingests_cleanly(session, settings, postcodes, area_index):
    with open(DATA / "demo_activities.csv", newline="", encoding="utf-8-sig") as handle:
        records = len(list(csv.DictReader(handle)))
    report = ingest_demo(session, settings, postcodes, area_index, "demo_activities.csv", "demo-spreadsheet")
    counts = report.counts
    assert counts["read"] == records and counts["accepted"] + counts["flagged"] == records and counts["flagged"] <= 2
    assert {reason for row in report.rows for reason in row.reasons} <= ALLOWED_FLAGS
    rows = session.execute(sa.select(Activity.status, Activity.precision, Activity.lad_code, Activity.schedule)
                           .where(Activity.source == "demo-spreadsheet")).all()
    assert set(collections.Counter(r.status for r in rows)) == {"active", "paused", "closed"}
    placed = [r for r in rows if r.precision != "none"]
    assert {r.lad_code for r in placed} == {"E08000009"} and len(placed) >= 0.8 * len(rows)
    assert sum(bool(r.schedule) for r in rows) >= 0.9 * len(rows)


def test_demo_oruk_feed_ingests_cleanly(session, settings, postcodes, area_index):
    services = len(json.loads((DATA / "demo_oruk.json").read_text(encoding="utf-8"))["contents"])
    report = ingest_demo(session, settings, postcodes, area_index, "demo_oruk.json", "demo-oruk")
    assert report.counts == {"read": services, "accepted": services, "updated": 0, "unchanged": 0, "flagged": 0,
                             "rejected": 0, "duplicate": 0, "blank": 0, "closed": 0}
    assert report.profile == "oruk-3.0"
    descriptions = session.scalars(sa.select(Activity.description).where(Activity.source == "demo-oruk")).all()
    assert len(descriptions) == services and not any("<" in d or "&nbsp;" in d for d in descriptions)
