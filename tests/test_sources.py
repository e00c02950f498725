"""Source health's bookkeeping: an import refused because another ingest of the source held the lock never
ran, so it is kept as refused and never counts towards a source failing; a real failure still does. Both backends."""

import dataclasses
import uuid

import pytest

from assetmap import db, sources
from assetmap.ingest import ingest_file
from assetmap.ingest.running import IngestBusy, one_ingest_per_source
from assetmap.models import IngestFailure

SHEET = "Activity,Post Code,When\nRefusal test walk,M33 7XW,Tuesdays 10am\n"


def _health(sessions, settings, source: str) -> sources.SourceHealth:
    with sessions() as session:
        return {h.source: h for h in sources.source_health(session, settings)}[source]


def test_imports_refused_while_another_runs_are_refused_not_failures(any_engine, settings, tmp_path):
    sessions = db.make_sessionmaker(any_engine)
    source = f"refused-{uuid.uuid4().hex[:8]}"       # the backends' databases are shared by the run: a source of its own
    impatient = dataclasses.replace(settings, ingest_wait_s=0)
    sheet = tmp_path / "walks.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    with one_ingest_per_source(any_engine, source, 0):    # someone else's import of the source is running
        for _ in range(sources.FAILING_AFTER + 1):        # more presses of the button than it takes to fail
            with pytest.raises(IngestBusy), sources.recording_failures(impatient, sessions, source, "walks.csv"):
                ingest_file(impatient, sessions, sheet, source=source)
    health = _health(sessions, settings, source)
    assert not health.is_failing and health.failures == []
    assert len(health.refused) == sources.FAILING_AFTER + 1 and all(sources.is_refusal(r) for r in health.refused)
    assert "another ingest" in health.refused[0].message and health.refused[0].path == "walks.csv"
    with pytest.raises(ValueError), sources.recording_failures(settings, sessions, source, "walks.csv"):
        raise ValueError("the feed sent HTML")
    health = _health(sessions, settings, source)
    assert [f.message for f in health.failures] == ["ValueError: the feed sent HTML"] and len(health.refused) == sources.FAILING_AFTER + 1


def test_a_refusal_kept_before_refusals_were_told_apart_reads_as_one(any_engine, settings):
    sessions = db.make_sessionmaker(any_engine)
    source = f"old-refusal-{uuid.uuid4().hex[:8]}"
    for _ in range(sources.FAILING_AFTER):
        sources.record_failure(settings, sessions, source, "feed.csv", "IngestBusy: another ingest of source 'x' is running")
    health = _health(sessions, settings, source)
    assert not health.is_failing and len(health.refused) == sources.FAILING_AFTER


def test_a_refusal_is_told_by_the_lock_error_s_own_name_and_a_failure_is_not_one():
    assert sources.REFUSED == f"{IngestBusy.__name__}: "     # renaming the error would turn refusals back into failures
    assert not sources.is_refusal(IngestFailure(message="ReadError: walks.csv line 3: not a spreadsheet"))
    assert sources.is_refusal(IngestFailure(message=f"{sources.REFUSED}another ingest of source 'walks' is running"))
