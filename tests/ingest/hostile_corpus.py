"""A corpus of hostile and broken input files, made on the fly (nothing large is kept in the repository).

Each case is ``(name, format or None to sniff, build)`` where ``build(folder)`` writes the file and
returns its path. The cases are what an attacker or a careless export produces: wrong encodings,
NULs, huge cells, zip bombs, XML entities, deep nesting, numbers that are not numbers, invalid
geometries, markup and formula payloads. What each must do is the same: finish in seconds with a
report whose counts add up, or stop with one clear error naming the file.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = "name,description,postcode,website,email,phone\n"
ROW = "Tuesday walk,A gentle walk round the park,M33 7XW,https://example.org,walk@example.org,0161 000 0000\n"
XSS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</script><script>alert(2)</script>",
    "<svg/onload=alert(3)>",
    "{{7*7}} {% raw %}",
    "'; DROP TABLE activity;--",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


def _q(text: str) -> str:
    """A CSV cell quoted the standard way."""
    return '"' + text.replace('"', '""') + '"'


def _text(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    return _bytes(name, text.encode(encoding))


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return build


def _json(name: str, document) -> Callable[[Path], Path]:
    return _text(name, json.dumps(document))


def _xlsx_parts(cells: list[list[str]]) -> dict[str, bytes]:
    import openpyxl

    book = openpyxl.Workbook()
    for row in cells:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _xlsx(name: str, change: Callable[[str], str] | None = None, cells=None, extra: dict[str, bytes] | None = None,
          drop: tuple[str, ...] = ()) -> Callable[[Path], Path]:
    """A real workbook, its first sheet's XML optionally rewritten (to plant what openpyxl would never write)."""
    def build(folder: Path) -> Path:
        parts = _xlsx_parts(cells or [["name", "description", "postcode"], ["Tuesday walk", "SENTINEL", "M33 7XW"]])
        if change:
            parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"].decode()).encode()
        parts.update(extra or {})
        path = folder / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, data in parts.items():
                if part not in drop:
                    archive.writestr(part, data)
        return path
    return build


def _doctype(entities: str) -> Callable[[str], str]:
    def change(xml: str) -> str:
        xml = xml.replace("<worksheet", f"<!DOCTYPE worksheet [{entities}]><worksheet", 1)
        return xml.replace("SENTINEL", "&e;")
    return change


LAUGHS = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + '<!ENTITY e "&i;">'


def _many_empty_rows(xml: str) -> str:
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t></t></is></c></row>' for i in range(3, 200_003))
    return xml.replace("</sheetData>", rows + "</sheetData>")


def _truncated_xlsx(folder: Path) -> Path:
    path = _xlsx("truncated.xlsx")(folder)
    path.write_bytes(path.read_bytes()[:900])
    return path


def _bomb(folder: Path) -> Path:
    return _xlsx("bomb.xlsx", lambda xml: xml.replace("SENTINEL", "y" * 30_000_000))(folder)


def _feature(geometry, properties=None) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"name": "Walk"} if properties is None else properties}


def _features(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _service(**fields) -> dict:
    return {"id": "s1", "name": "Tuesday walk", "description": "A walk", "status": "active", **fields}


SQUARE = [[0, 0], [1, 0], [1, 1], [0, 0]]
NAN, INF = float("nan"), float("inf")  # json.dumps writes them as NaN and Infinity, as careless exporters do
DEEP = "[" * 100_000 + "]" * 100_000

CASES: list[tuple[str, str | None, Callable[[Path], Path]]] = [
    # encodings and bytes
    ("utf16le_bom", "csv", _bytes("utf16le.csv", b"\xff\xfe" + (HEADER + ROW).encode("utf-16-le"))),
    ("utf16be_bom", "csv", _bytes("utf16be.csv", b"\xfe\xff" + (HEADER + ROW).encode("utf-16-be"))),
    ("utf16_no_bom", "csv", _bytes("utf16nobom.csv", (HEADER + ROW).encode("utf-16-le"))),
    ("utf8_bom", "csv", _bytes("utf8bom.csv", b"\xef\xbb\xbf" + (HEADER + ROW).encode())),
    ("windows1252", "csv", _text("cp1252.csv", HEADER + "Caf\u00e9 club,\u2018Tea\u2019 and cake,M33 7XW,,,\n", "cp1252")),
    ("one_bad_byte", "csv", _bytes("badbyte.csv", (HEADER + "Caf\u00e9 club,ok,M33 7XW,,,\n").encode() + b"Walk \xff,x,M33 7XW,,,\n")),
    ("nul_in_cell", "csv", _text("nul.csv", HEADER + "Tues\x00day walk,desc\x00ription,M33 7XW,,,\n")),
    ("control_characters", "csv", _text("control.csv", HEADER + "Walk\x07\x1b[31m,desc\x0b,M33 7XW,,,\n")),
    ("random_binary", "csv", _bytes("random.csv", bytes(range(256)) * 40)),
    ("png_named_csv", "csv", _bytes("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500)),
    ("gzip_named_csv", "csv", _bytes("packed.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 200)),
    ("empty_file", "csv", _bytes("empty.csv", b"")),
    ("only_bom", "csv", _bytes("onlybom.csv", b"\xef\xbb\xbf")),
    ("only_header", "csv", _text("header.csv", HEADER)),
    ("cr_line_endings", "csv", _text("cr.csv", (HEADER + ROW + ROW.replace("Tuesday", "Friday")).replace("\n", "\r"))),
    # shapes of CSV
    ("unclosed_quote", "csv", _text("unclosed.csv", HEADER + '"Walk,desc,M33 7XW\n' + ROW * 3)),
    ("doubled_quotes", "csv", _text("quotes.csv", HEADER + '"Walk ""and"" talk","He said ""hi""",M33 7XW,,,\n')),
    ("thousand_columns", "csv", _text("wide.csv", ",".join(f"c{i}" for i in range(1000)) + "\n" + ",".join(["xxx"] * 1000) + "\n")),
    ("ragged_rows", "csv", _text("ragged.csv", HEADER + "Walk\n" + "Walk,a,M33 7XW,x,y,z,extra,more,cells\n")),
    ("megabyte_cell", "csv", _text("bigcell.csv", HEADER + "Walk," + "x" * 1_100_000 + ",M33 7XW,,,\n")),
    ("cell_over_limit", "csv", _text("hugecell.csv", HEADER + "Walk," + "word " * 2_200_000 + ",M33 7XW,,,\n")),
    ("hundred_thousand_line_breaks", "csv", _text("breaks.csv", HEADER + 'Walk,"' + "\n" * 100_000 + '",M33 7XW,,,\n')),
    ("semicolon_delimited", "csv", _text("semi.csv", HEADER.replace(",", ";") + ROW.replace(",", ";"))),
    ("xss_and_formulas", "csv", _text("xss.csv", HEADER + "".join(f'{_q(p)},{_q(p)},M33 7XW,{_q(p)},x@example.org,\n' for p in XSS))),
    ("long_unbroken_word", "csv", _text("longword.csv", HEADER + "Walk," + "a" * 5_000 + ",M33 7XW,,,\n")),
    ("numbers_not_numbers", "csv", _text("latlon.csv", "name,lat,lon\nWalk,NaN,Infinity\nTalk,1e309,-1e309\nChat,91,181\nTea,abc,def\n")),
    # workbooks
    ("zip_bomb", "xlsx", _bomb),
    ("two_hundred_thousand_empty_rows", "xlsx", _xlsx("emptyrows.xlsx", _many_empty_rows)),
    ("dimension_says_a_million_rows", "xlsx", _xlsx("dimension.xlsx", lambda x: x.replace('ref="A1:C2"', 'ref="A1:C1048576"'))),
    ("xxe_external_entity", "xlsx", _xlsx("xxe.xlsx", _doctype('<!ENTITY e SYSTEM "file:///etc/passwd">'))),
    ("billion_laughs", "xlsx", _xlsx("laughs.xlsx", _doctype(LAUGHS))),
    ("truncated_workbook", "xlsx", _truncated_xlsx),
    ("workbook_without_sheets", "xlsx", _xlsx("nosheet.xlsx", drop=("xl/worksheets/sheet1.xml",))),
    ("csv_named_xlsx", "xlsx", _text("fake.xlsx", HEADER + ROW)),
    ("formula_without_value", "xlsx", _xlsx("formula.xlsx", lambda x: x.replace('t="inlineStr"><is><t>Tuesday walk</t></is>', '><f>B2</f>'))),
    ("xss_in_workbook", "xlsx", _xlsx("xssbook.xlsx", cells=[["name", "description", "website"]] + [[p, p, p] for p in XSS])),
    # JSON feeds
    ("json_nested_100000_deep", "oruk", _text("deep.json", DEEP)),
    ("service_nested_100000_deep", "oruk", _text("deepservice.json", '[{"id":"1","name":"Walk","x":' + DEEP + "}]")),
    ("service_nested_100_deep", "oruk", _text("deep100.json", '[{"id":"1","name":"Walk","x":' + "[" * 100 + "]" * 100 + "}]")),
    ("truncated_json", "oruk", _text("truncated.json", json.dumps([_service()])[:-7])),
    ("json_scalar", "oruk", _text("scalar.json", "42")),
    ("json_empty_array", "oruk", _text("emptyarray.json", "[]")),
    ("json_giant_integer", "oruk", _text("bigint.json", '[{"id":"1","name":"Walk","capacity":' + "9" * 5000 + "}]")),
    ("service_wrong_types", "oruk", _json("wrongtypes.json", [
        _service(name=["a", "list"]), _service(id="s2", schedules="every day"), _service(id="s3", organization="text"),
        _service(id="s4", service_at_locations=[{"location": "nowhere"}, 5]), _service(id="s5", contacts={"a": 1}), "not an object"])),
    ("service_xss", "oruk", _json("servicexss.json", [_service(id=f"x{i}", name=p, description=p, url=p) for i, p in enumerate(XSS)])),
    ("openactive_wrong_types", "openactive", _json("oa.json", {"items": [
        {"state": "updated", "kind": "SessionSeries", "id": "1", "modified": 1,
         "data": {"name": ["x"], "location": "text", "eventSchedule": "daily", "activity": 5}},
        {"state": 5, "id": {"a": 1}, "data": "text"},
        {"state": "updated", "id": "3", "data": {"name": {"a": 1}, "location": {"geo": {"latitude": "x", "longitude": [1]}},
                                                 "eventSchedule": [{"byDay": 5, "startTime": 7}]}}], "next": "x", "license": "x"})),
    ("openactive_not_items", "openactive", _json("oa2.json", {"items": "none", "next": 5})),
    # GeoJSON
    ("geometry_one_coordinate", "geojson", _json("onecoord.geojson", _features(_feature({"type": "Point", "coordinates": [1]})))),
    ("geometry_text_coordinates", "geojson", _json("textcoord.geojson", _features(_feature({"type": "Point", "coordinates": ["a", "b"]})))),
    ("geometry_unknown_type", "geojson", _json("unknown.geojson", _features(_feature({"type": "Blob", "coordinates": [1, 2]})))),
    ("geometry_nan_and_infinity", "geojson", _text("nan.geojson", json.dumps(_features(_feature({"type": "Point", "coordinates": [NAN, INF]}))))),
    ("geometry_as_text", "geojson", _json("geomtext.geojson", _features(_feature("POINT(1 2)"), _feature(None, "props as text")))),
    ("polygon_feature", "geojson", _json("polygon.geojson", _features(_feature({"type": "Polygon", "coordinates": [SQUARE]})))),
    ("features_not_a_list", "geojson", _json("notlist.geojson", {"type": "FeatureCollection", "features": {"a": 1}})),
]
