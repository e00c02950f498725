"""Encodings decided, never guessed into garbage; the CSV dialect chosen among plausible ones; formula cells flagged.

The demo sheet saved as Excel saves it ("Unicode text" is UTF-16 LE with a BOM and tabs; "CSV UTF-8" has
a BOM; plain "CSV" is Windows-1252) must read the same; a file that fits no encoding is refused naming
the line and byte offset of the first bad byte.
"""

import csv
import io

import pytest

from assetmap.config import PROJECT_ROOT
from assetmap.ingest.clean import clean_row
from assetmap.ingest.errors import ReadError
from assetmap.ingest.readers import read_rows
from assetmap.ingest.records import ActivityDraft, Rejection
from assetmap.ingest.sources import decode_bytes

DEMO = PROJECT_ROOT / "data" / "demo_activities.csv"


@pytest.fixture(scope="module")
def demo_rows():
    return list(csv.reader(io.StringIO(DEMO.read_text(encoding="utf-8-sig"), newline="")))


def _as_excel_text(rows, delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


EXCEL_SAVES = {   # name: (bytes from the rows' text, encoding the report names)
    "unicode_text_utf16le_bom_tabs": (lambda text: b"\xff\xfe" + _as_excel_text(text, "\t").encode("utf-16-le"), "utf-16-le"),
    "unicode_text_utf16be_bom_tabs": (lambda text: b"\xfe\xff" + _as_excel_text(text, "\t").encode("utf-16-be"), "utf-16-be"),
    "csv_utf8_bom": (lambda text: b"\xef\xbb\xbf" + _as_excel_text(text, ",").encode("utf-8"), "utf-8"),
    "csv_utf8_semicolons": (lambda text: _as_excel_text(text, ";").encode("utf-8"), "utf-8"),
    "csv_windows_1252_pipes": (lambda text: _as_excel_text(text, "|").encode("cp1252"), "cp1252"),
}


@pytest.mark.parametrize("save", EXCEL_SAVES)
def test_every_excel_save_of_the_demo_sheet_reads_the_same_records(save, demo_rows, tmp_path):
    make, encoding = EXCEL_SAVES[save]
    if encoding == "cp1252":   # Excel's plain "CSV" writes "?" for what Windows-1252 lacks (the demo has an emoji)
        demo_rows = [[cell.encode("cp1252", "replace").decode("cp1252") for cell in row] for row in demo_rows]
    path = tmp_path / f"{save}.csv"
    path.write_bytes(make(demo_rows))
    rows = list(read_rows(path, "csv"))
    assert len(rows) == len(demo_rows) - 1
    assert [list(r.record.values()) for r in rows] == demo_rows[1:]
    assert not any("\x00" in v or "Ã" in v for r in rows for v in r.record.values())
    assert decode_bytes(path.read_bytes()).encoding == encoding


def test_report_says_which_encoding_was_used(ingest, demo_rows, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(EXCEL_SAVES["unicode_text_utf16le_bom_tabs"][0](demo_rows[:4]))
    report = ingest(path, fmt="csv", dry_run=True)
    assert report.encoding == "utf-16-le" and report.to_json()["encoding"] == "utf-16-le"
    assert "read as utf-16-le" in report.to_text().splitlines()[0]
    assert report.counts["accepted"] + report.counts["flagged"] == 3


def test_one_bad_byte_in_a_utf8_file_is_refused_with_its_line_and_offset(tmp_path):
    data = "Activity,Post Code\nCafé Club,M33 7ZF\nSing\xa0Along,M33 7XW\n".encode().replace(b"Sing\xc2\xa0", b"Sing\xff")
    path = tmp_path / "mostly_utf8.csv"
    path.write_bytes(data)
    offset = data.index(b"\xff")
    with pytest.raises(ReadError, match=rf"mostly_utf8.csv: line 3, byte {offset} \(0xff\) is not valid UTF-8"):
        list(read_rows(path, "csv"))


def test_bad_bytes_are_replaced_and_flagged_only_when_the_setting_allows(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSETMAP_REPLACE_BAD_BYTES", "1")
    path = tmp_path / "mostly_utf8.csv"
    path.write_bytes(b"Activity,Post Code\nCaf\xc3\xa9 Club,M33 7ZF\nSing\xff Along,M33 7XW\n")
    first, second = read_rows(path, "csv")
    assert first.record["Activity"] == "Café Club" and second.record["Activity"] == "Sing\ufffd Along"
    draft = clean_row(second, None)
    assert "bad_bytes" in draft.flags and draft.problems[0].field == "Activity"


def test_a_whole_windows_1252_file_is_read_as_windows_1252():
    assert decode_bytes("Café;£2".encode("cp1252")) == decode_bytes(b"Caf\xe9;\xa32")
    assert decode_bytes(b"Caf\xe9;\xa32").text == "Café;£2" and decode_bytes(b"Caf\xe9").encoding == "cp1252"


def test_a_file_valid_in_no_encoding_is_refused():
    with pytest.raises(ReadError, match=r"odd.csv: line 2, byte 6 \(0xe9\)"):   # 0x81 is undefined in Windows-1252 too
        decode_bytes(b"a,b\nc,\xe9\x81\n", "odd.csv")
    with pytest.raises(ReadError, match=r"odd.txt: line 1, byte 6 .* is not valid UTF-16-LE"):
        decode_bytes(b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00\xdc", "odd.txt")   # a lone low surrogate


def test_utf16_without_a_bom_is_recognised():
    assert decode_bytes("Activity\tPost Code\r\nBingo\tM33 7XW\r\n".encode("utf-16-le")).encoding == "utf-16-le"


@pytest.mark.parametrize("text, expected", [
    ('Activity,Description,Post Code\r\nQuiz,"Teams of 4; prizes, ""fun"" | tea",M33 7XW\r\n',
     {"Activity": "Quiz", "Description": 'Teams of 4; prizes, "fun" | tea', "Post Code": "M33 7XW"}),
    ('Activity;Description;Post Code\nQuiz;"He said ""hi"", then; left";M33 7XW\n',
     {"Activity": "Quiz", "Description": 'He said "hi", then; left', "Post Code": "M33 7XW"}),
    ('Groups in Sale\n\nActivity|Post Code\nQuiz, cards|M33 7XW\n', {"Activity": "Quiz, cards", "Post Code": "M33 7XW"}),
])
def test_dialect_is_chosen_among_plausible_delimiters_and_standard_quoting_never_mis_splits(text, expected, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    (row,) = read_rows(path, "csv")
    assert row.record == expected


def _workbook_with_uncached_formula(path):
    import openpyxl

    book = openpyxl.Workbook()   # written by a program and never opened in Excel: formulas have no saved values
    sheet = book.active
    sheet.append(["Activity", "Organisation Name", "Post Code", "Cost"])
    sheet.append(['=CONCAT("Walking ", "group")', "Sale Ramblers", "M33 7XW", "Free"])
    sheet.append(["Coffee morning", "St Mary's", "M33 7ZF", "=1+1"])
    book.save(path)


def test_formula_without_a_saved_value_is_flagged_never_replaced_by_another_column(tmp_path):
    path = tmp_path / "formulas.xlsx"
    _workbook_with_uncached_formula(path)
    first, second = (clean_row(r, None, "formulas") for r in read_rows(path, "xlsx"))
    assert isinstance(first, Rejection) and first.reason == "formula_without_value" and first.field == "Activity"
    assert "is a formula with no saved value" in first.problem.describe(first.line)
    assert isinstance(second, ActivityDraft) and second.name == "Coffee morning"
    assert "formula_without_value" in second.flags and second.problems[0].field == "Cost"
