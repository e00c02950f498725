"""Limits from settings, each checked before the costly step it guards, each a clear error naming file, row and limit."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import pytest

from assetmap.ingest import bounds, sources
from assetmap.ingest.errors import ReadError
from assetmap.ingest.readers import read_rows


def _read(path, settings, fmt=None, **limits):
    with sources.reading(sources.Intake(dataclasses.replace(settings, **limits))):
        return list(read_rows(path, fmt))


def test_rows_past_the_limit_stop_the_read_naming_the_row_and_the_count_before(tmp_path, settings):
    path = tmp_path / "many.csv"
    path.write_text("name,postcode\n" + "".join(f"Walk {i},M33 7XW\n" for i in range(12)))
    assert len(_read(path, settings, max_rows=12)) == 12
    with pytest.raises(ReadError) as caught:
        _read(path, settings, max_rows=10)
    assert "many.csv: row 12: more than 10 rows" in caught.value.message
    assert "ASSETMAP_MAX_ROWS" in caught.value.message and "the 10 rows before it were read" in caught.value.message


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, settings):
    path = tmp_path / "big.csv"
    path.write_text("name\n" + "x" * 2_000)
    with pytest.raises(ReadError, match=r"big.csv: whole file: 2,005 bytes is too large.*ASSETMAP_MAX_FILE_BYTES=1,000"):
        _read(path, settings, max_file_bytes=1_000)


def test_a_cell_over_the_limit_stops_at_its_row(tmp_path, settings):
    path = tmp_path / "cell.csv"
    path.write_text("name,description\nWalk,short\nTalk," + "y" * 500 + "\n")
    with pytest.raises(ReadError, match=r"cell.csv: row 3: a cell is longer than 100 characters"):
        _read(path, settings, max_cell_bytes=100)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_from_its_directory(tmp_path, settings):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<a/>" * 1_000)
    with pytest.raises(ReadError, match=r"book.xlsx: whole workbook: it unpacks to 4,000 bytes.*ASSETMAP_MAX_UNZIPPED_BYTES=3,000"):
        _read(path, settings, "xlsx", max_unzipped_bytes=3_000)


def test_a_record_deeper_than_the_limit_names_its_line(tmp_path, settings):
    path = tmp_path / "deep.json"
    nested = {"id": "2", "name": "Deep", "x": json.loads("[" * 9 + "]" * 9)}
    path.write_text(json.dumps({"contents": [{"id": "1", "name": "Flat"}]}, indent=1)[:-4] + ",\n" + json.dumps(nested) + "]}")
    assert len(_read(path, settings, "oruk", max_json_depth=12)) == 2
    with pytest.raises(ReadError, match=r"line 8: a record nested more than 8 levels deep.*the 1 record before it was read"):
        _read(path, settings, "oruk", max_json_depth=8)


@pytest.mark.parametrize(("value", "limit", "deep"), [
    ({}, 1, False), ([[]], 1, True), ({"a": [{"b": 1}]}, 3, False), ({"a": [{"b": []}]}, 3, True), ("text", 0, False),
])
def test_too_deep_counts_levels_of_lists_and_objects(value, limit, deep):
    assert bounds.too_deep(value, limit) is deep


def test_too_deep_does_not_recurse():
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert bounds.too_deep(value, 64)


def test_linked_tables_use_the_cell_limits_and_row_limit_from_settings(tmp_path, session, settings, postcodes, area_index):
    """The tables path cleans cells with the run's limits (it once used the defaults), and counts all tables' rows."""
    from assetmap.ingest import run_ingest

    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "organisations.csv").write_text("Organisation,Website\nSale Walkers,https://walkers.example.org\n")
    (folder / "services.csv").write_text("Service,Organisation,Description,Postcode\nTuesday walk,Sale Walkers," + "a b " * 40 + ",M33 7XW\n")
    report = run_ingest(folder, session, dataclasses.replace(settings, max_field_chars=60), fmt="tables", source="limits",
                        postcodes=postcodes, area_index=area_index, dry_run=True)
    assert "long_field_cut" in {p.problem.reason for p in report.problems}
    with pytest.raises(ReadError, match="more than 1 rows"):
        run_ingest(folder, session, dataclasses.replace(settings, max_rows=1), fmt="tables", source="limits",
                   postcodes=postcodes, area_index=area_index, dry_run=True)
