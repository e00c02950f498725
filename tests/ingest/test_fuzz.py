"""Property-based fuzzing of every reader: whatever the bytes, a report that adds up or a clear ReadError.

Hypothesis builds files from the shapes real feeds take (cells with quotes, breaks and control
characters; JSON records whose fields hold the wrong types) and from raw bytes. The properties: no
exception but ``AssetmapError`` escapes, and ``read`` equals accepted + updated + unchanged + flagged
+ rejected + duplicate + blank. Example counts are small so the suite stays fast; CI runs them all.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap.errors import AssetmapError
from assetmap.ingest import run_ingest

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HEADERS = ["name", "description", "postcode", "lat", "lon", "website", "email", "phone", "when", "cost", "category",
           "organisation", "status", "last verified", "Opening times", "", "name"]
FEED_KEYS = ["id", "name", "description", "status", "url", "email", "schedules", "regular_schedules", "service_at_locations",
             "location", "organization", "contacts", "taxonomy_terms", "geometry", "properties", "coordinates", "type",
             "eventSchedule", "superEvent", "startDate", "geo", "latitude", "longitude", "postalCode", "address", "data",
             "state", "kind", "modified", "features", "items", "contents"]

cells = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40) | st.sampled_from(
    ["M33 7XW", "53.4,-2.3", "NaN", "1e309", "-", "n/a", '"', "=1+1", "\r\n", "Tuesdays 10am-12", "£2", "<b>x</b>", "javascript:x"])
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | cells
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FEED_KEYS), inner, max_size=5),
                           max_leaves=25)
records = st.dictionaries(st.sampled_from(FEED_KEYS), json_values, max_size=8)


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _ingest_adds_up(path, fmt, session, settings_, postcodes, area_index) -> None:
    try:
        report = run_ingest(path, session, settings_, fmt=fmt, source="fuzz", dry_run=True, postcodes=postcodes, area_index=area_index)
    except AssetmapError as exc:
        assert exc.message and "Traceback" not in exc.message
        return
    counts = report.counts
    assert sum(v for k, v in counts.items() if k not in ("read", "closed")) == counts["read"], counts


@FUZZ
@given(header=st.lists(st.sampled_from(HEADERS) | cells, min_size=1, max_size=8),
       rows=st.lists(st.lists(cells, max_size=9), max_size=8))
def test_csv_reader_survives_any_cells(header, rows, tmp_path, session, settings, postcodes, area_index):
    path = tmp_path / "fuzz.csv"
    path.write_text(_csv_text([header, *rows]), encoding="utf-8")
    _ingest_adds_up(path, "csv", session, settings, postcodes, area_index)


@FUZZ
@given(data=st.binary(max_size=600))
def test_csv_reader_survives_any_bytes(data, tmp_path, session, settings, postcodes, area_index):
    path = tmp_path / "bytes.csv"
    path.write_bytes(b"name,description,postcode\n" + data)
    _ingest_adds_up(path, "csv", session, settings, postcodes, area_index)


@pytest.mark.parametrize("fmt", ["oruk", "openactive", "geojson"])
def test_feed_readers_survive_misshapen_records(fmt, tmp_path, session, settings, postcodes, area_index):
    envelope = {"oruk": lambda rs: {"contents": rs, "total_pages": 1},
                "openactive": lambda rs: {"items": [{"state": "updated", "kind": "SessionSeries", "id": str(i), "modified": i, "data": r}
                                                    for i, r in enumerate(rs)], "next": "x"},
                "geojson": lambda rs: {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": r.get("geometry"),
                                                                                  "properties": r} for r in rs]}}[fmt]

    @FUZZ
    @given(st.lists(records, min_size=1, max_size=6))
    def run(found):
        path = tmp_path / f"fuzz.{fmt}.json"
        path.write_text(json.dumps(envelope(found)))
        _ingest_adds_up(path, fmt, session, settings, postcodes, area_index)

    run()
