"""The hostile corpus through a real ingest on both backends: a report that adds up, or one clear error.

Every case must finish within seconds, write what it accepts on SpatiaLite and PostgreSQL alike
(PostgreSQL refuses NUL and overlong index entries that SpatiaLite takes), and never end in a
traceback. Cases expected to stop name the file and the limit in their message.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from assetmap.errors import AssetmapError
from assetmap.ingest import run_ingest
from assetmap.models import Activity

from .hostile_corpus import CASES, XSS

# Cases that must stop with a clear error, and a word the error must hold.
STOPS = {
    "one_bad_byte": "not valid UTF-8",
    "random_binary": "",
    "png_named_csv": "",
    "gzip_named_csv": "",
    "cell_over_limit": "ASSETMAP_MAX_CELL_BYTES",
    "zip_bomb": "zip bomb",
    "truncated_workbook": "workbook",
    "workbook_without_sheets": "",
    "csv_named_xlsx": "workbook",
    "billion_laughs": "",
    "xxe_external_entity": "",
    "json_nested_100000_deep": "ASSETMAP_MAX_JSON_DEPTH",
    "service_nested_100000_deep": "ASSETMAP_MAX_JSON_DEPTH",
    "service_nested_100_deep": "ASSETMAP_MAX_JSON_DEPTH",
    "truncated_json": "JSON",
    "json_scalar": "",
    "json_giant_integer": "JSON",
}
SECONDS = 30


def test_the_corpus_is_at_least_fifty_distinct_files():
    names = [name for name, _, _ in CASES]
    assert len(names) >= 50
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("name", "fmt", "build"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_read_or_refused_plainly(name, fmt, build, tmp_path, any_session, settings, postcodes, area_index):
    path = build(tmp_path)
    started = time.perf_counter()
    try:
        report = run_ingest(path, any_session, settings, fmt=fmt, source=f"hostile-{name}", postcodes=postcodes, area_index=area_index)
        any_session.flush()  # every row reaches the database: PostgreSQL's refusals happen here
    except AssetmapError as exc:
        assert name in STOPS, f"{name} was refused: {exc.message}"
        assert path.name in exc.message and STOPS[name] in exc.message
        assert "Traceback" not in exc.message and len(exc.message) < 600
    else:
        assert name not in STOPS, f"{name} should have been refused, got {report.counts}"
        counts = report.counts
        parts = sum(v for k, v in counts.items() if k not in ("read", "closed"))
        assert parts == counts["read"], counts
    assert time.perf_counter() - started < SECONDS


def test_markup_and_formulas_are_stored_as_text_and_never_as_links(tmp_path, any_session, settings, postcodes, area_index):
    """Payloads survive as the text they are (escaping is the page's job); unsafe links are refused."""
    build = dict((n, b) for n, _, b in CASES)["xss_and_formulas"]
    run_ingest(build(tmp_path), any_session, settings, fmt="csv", source="xss", postcodes=postcodes, area_index=area_index)
    rows = any_session.execute(sa.select(Activity.name, Activity.website).where(Activity.source == "xss")).all()
    assert {name for name, _ in rows} >= {XSS[0], XSS[6], XSS[7]}
    assert not any((website or "").lower().startswith(("javascript:", "data:")) for _, website in rows)


def test_a_geometry_that_is_no_point_is_flagged_not_dropped(tmp_path, session, settings, postcodes, area_index):
    cases = dict((n, b) for n, _, b in CASES)
    for name in ("geometry_one_coordinate", "geometry_text_coordinates", "geometry_unknown_type", "geometry_as_text"):
        report = run_ingest(cases[name](tmp_path), session, settings, fmt="geojson", source=name, postcodes=postcodes, area_index=area_index)
        reasons = {p.problem.reason for p in report.problems}
        assert "invalid_coordinates" in reasons, (name, reasons)
