"""Guarded edges at ingest: no mass closing by accident, and no cell that one backend takes and the other refuses."""

import json
import random
import string

import pytest
import sqlalchemy as sa

from assetmap.config import PROJECT_ROOT
from assetmap.ingest import run_ingest
from assetmap.ingest.guard import ClosingGuard, ClosingRefused
from assetmap.models import Activity, RejectedRow

DEMO = PROJECT_ROOT / "data" / "demo_activities.csv"


def _first_lines(tmp_path, count: int):
    path = tmp_path / "demo_activities.csv"   # the same name, so the same source
    path.write_text("".join(DEMO.read_text(encoding="utf-8-sig").splitlines(keepends=True)[:count]), encoding="utf-8")
    return path


@pytest.mark.parametrize("closing, open_records, allowed", [
    (0, 0, True), (5, 5, True), (6, 100, True), (25, 100, True), (26, 100, False), (6, 6, False), (299, 320, False),
])
def test_the_guard_allows_a_few_or_a_share(closing, open_records, allowed):
    assert ClosingGuard(0.25, 5).allows(closing, open_records) is allowed


def _open_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.status != "closed"))


def test_ten_lines_of_the_demo_sheet_under_its_name_are_refused_then_allowed(cli, tmp_path):
    result, _ = cli(DEMO)
    assert result.exit_code == 0, result.output
    held = _open_count(cli.engine)
    assert held == 308
    result, report = cli(_first_lines(tmp_path, 10))
    assert result.exit_code == 1 and report is None
    assert (f'this full import of source "demo_activities" would close 300 of its {held} open records (97%; '
            "at most 25% may close, ASSETMAP_MAX_CLOSING_SHARE), so nothing was written") in result.output
    assert "--allow-closing" in result.output and _open_count(cli.engine) == held
    result, report = cli(_first_lines(tmp_path, 10), "--partial")
    assert result.exit_code == 0 and report["counts"]["closed"] == 0
    result, report = cli(_first_lines(tmp_path, 10), "--allow-closing")
    assert result.exit_code == 0 and report["counts"]["closed"] == 300 and _open_count(cli.engine) == held - 300


def test_run_ingest_refuses_before_writing_and_allow_closing_lets_it(ingest, session, tmp_path):
    ingest(DEMO)
    before = session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.status == "active"))
    with pytest.raises(ClosingRefused, match="would close 300 of its 308"):
        ingest(_first_lines(tmp_path, 10))
    with pytest.raises(ClosingRefused, match="would close 300 of its 308"):
        ingest(_first_lines(tmp_path, 10), dry_run=True)   # a dry run says the same, not a report of 299 closings
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.status == "active")) == before
    report = ingest(_first_lines(tmp_path, 10), allow_closing=True)
    assert report.counts["closed"] == 300


def test_small_sources_may_lose_a_few_records_but_not_more(ingest, tmp_path):
    first = ingest(_first_lines(tmp_path, 10))
    assert first.counts["accepted"] + first.counts["flagged"] == 8
    with pytest.raises(ClosingRefused, match="would close 6 of its 8 open records"):
        ingest(_first_lines(tmp_path, 3))
    report = ingest(_first_lines(tmp_path, 5))   # closes 4 of 8: over a quarter, but only a few
    assert report.counts["closed"] == 4


# --- hostile cells, the same on SpatiaLite and PostgreSQL -----------------------------------------

LONG_WORD = "".join(random.Random(21).choices(string.ascii_lowercase, k=3_000))   # overflows PostgreSQL's btree on search words
HOSTILE = [
    ("Café\x00 Club", "Tea\x00 and cake", "M33 7ZF"),             # NUL: PostgreSQL refuses it in text
    ("Bell\x07 ringers\x1b[31m", "Bells\x0b rung", "M33 7XW"),    # other control characters
    ("Long word club", f"Say {LONG_WORD} twice", "M33 7ZF"),
    ("Long field club", "words " * 5_000, "M33 7XW"),           # 30,000 characters
    ("Plain club", "Nothing odd here", "M33 7ZF"),
]
EXPECTED_FLAGS = [["control_characters"], ["control_characters"], ["long_word_cut"], ["long_field_cut"], []]


def _hostile_sheet(tmp_path):
    import csv

    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Activity", "Description", "Post Code"])
        writer.writerows(HOSTILE)
    return path


def test_hostile_cells_give_the_same_report_on_both_backends_and_publish_no_garbage(any_session, settings, postcodes, area_index, tmp_path):
    if any_session.get_bind().dialect.name == "postgresql":
        from assetmap.search import pg_backend

        pg_backend.ensure_schema(any_session)   # the search trigger and its btree on words, as in production
    report = run_ingest(_hostile_sheet(tmp_path), any_session, settings, postcodes=postcodes, area_index=area_index, source="hostile")
    assert report.counts["read"] == 5 and report.counts["rejected"] == 0
    assert [row.reasons for row in report.rows] == EXPECTED_FLAGS
    assert [(p.line, p.problem.field) for p in report.problems] == [(2, "Activity"), (2, "Description"), (3, "Activity"),
                                                                      (3, "Description"), (4, "Description"), (5, "Description")]
    assert 'row 2, field "Activity": "Café Club" held control characters (such as NUL), which were removed' == report.problems[0].describe()
    stored = dict(any_session.execute(sa.select(Activity.name, Activity.description).where(Activity.source == "hostile")).all())
    assert sorted(stored) == ["Bell ringers[31m", "Café Club", "Long field club", "Long word club", "Plain club"]
    assert stored["Long word club"] == f"Say {LONG_WORD[:200]} twice" and len(stored["Long field club"]) <= 20_000
    texts = [t for pair in stored.items() for t in pair] + [json.dumps(r) for r in any_session.scalars(sa.select(Activity.raw))]
    assert not any("\x00" in t or "\\u0000" in t or "Ã" in t for t in texts)
    assert any_session.scalar(sa.select(sa.func.count()).select_from(RejectedRow)) == 0


@pytest.mark.parametrize("cell, cleaned, reasons", [
    ("Plain ASCII", "Plain ASCII", []),
    ("Café – £2\nall welcome", "Café – £2\nall welcome", []),        # line breaks and non-ASCII are kept
    ("Tea\x00 time\x7f", "Tea time", ["control_characters"]),
    ("Caf\x85e", "Cafe", ["control_characters"]),                     # C1 control characters too
    ("x" * 250 + " y", "x" * 200 + " y", ["long_word_cut"]),
    ("https://example.org/" + "a/" * 200, "https://example.org/" + "a/" * 200, []),   # a long link is words, not one word
    ("a " * 15_000, ("a " * 15_000)[:20_000], ["long_field_cut"]),
    (42, 42, []),
])
def test_cells_are_cleaned_and_each_change_flagged(cell, cleaned, reasons):
    from assetmap.ingest.cells import clean_cells

    record, found = clean_cells({"Description": cell})
    assert record == {"Description": cleaned}
    assert [(field, reason) for field, reason, _ in found] == [("Description", r) for r in reasons]


def test_headers_and_nested_feed_fields_are_cleaned_too():
    from assetmap.ingest.cells import clean_cells

    record, found = clean_cells({"Name\x00": "n", "location": {"name": ["Hall\x00"]}})
    assert record == {"Name": "n", "location": {"name": ["Hall"]}}
    assert [(field, reason) for field, reason, _ in found] == [("Name", "control_characters"), ("location.name", "control_characters")]
