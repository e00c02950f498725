"""I/O: files and feeds read into RawRows, each with the line it starts on.

Formats: ``csv`` and ``xlsx`` spreadsheets, ``charity`` (the Charity Commission register extract,
read as organisations), ``geojson`` point layers, ``oruk`` (Open Referral UK 3.0 and the older
1.x/2.x profiles: a file holding a page envelope, a bare array of services, one service or an
organisation with its services; or a base URL whose ``/services?page=N`` pages are followed) and
``openactive`` (RPDE pages, following ``next``); and ``tables``: a folder of CSV/XLSX files, or one
workbook with several sheets, holding linked tables (``read_tables``; ``tables`` joins them).
Nothing here judges a value; that is ``clean``'s job.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from assetmap.ingest import bounds, feeds, headers
from assetmap.ingest.errors import ReadError
from assetmap.ingest.jsondoc import json_records
from assetmap.ingest.records import ACTIVITY, ORGANISATION, RawRow
from assetmap.ingest.sources import Intake, current_intake, current_limits, decode_text, fetch_json, json_page, read_bytes

FORMATS = ("csv", "xlsx", "oruk", "openactive", "geojson", "charity", "tables")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 10
DELIMITERS = ",;\t|"
DIALECT_SAMPLE_ROWS = 50
ORGANISATION_KEYS = {"organization_identifiers", "logo", "parent_organization_id", "services"}
SERVICE_KEYS = {"status", "organization", "service_at_locations", "schedules", "regular_schedules", "organization_id"}



def is_url(path: str | Path) -> bool:
    return str(path).lower().startswith(("http://", "https://"))


# --- format sniffing ----------------------------------------------------------------------------

def sniff_format(path: str | Path) -> str:
    """The format of a file from its extension and first bytes, or of a URL from its first page."""
    if is_url(path):
        return _sniff_json(fetch_json(str(path)) if str(path).lower().endswith(".json") else _first_page(str(path)))
    path = Path(path)
    if path.is_dir():
        return "tables"
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    head = path.read_bytes()[:65536]
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return "tables" if _has_linked_sheets(path) else "xlsx"
    if suffix == ".geojson":
        return "geojson"
    if suffix == ".json" or head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
        return _sniff_json_text(head.decode("utf-8", "replace"))
    return "charity" if _looks_like_charity_register(head) else "csv"


def _first_page(url: str) -> Any:
    try:
        return fetch_json(url)
    except ReadError:
        return fetch_json(_page_url(_oruk_base(url), 1))


def _sniff_json_text(text: str) -> str:
    if re.search(r'"type"\s*:\s*"FeatureCollection"', text):
        return "geojson"
    if re.search(r'"items"\s*:', text) and re.search(r'"(?:next|state|kind)"\s*:', text):
        return "openactive"
    return "oruk"


def _sniff_json(document: Any) -> str:
    if isinstance(document, Mapping) and document.get("type") == "FeatureCollection":
        return "geojson"
    if isinstance(document, Mapping) and "items" in document and ("next" in document or "license" in document):
        return "openactive"
    return "oruk"


def _looks_like_charity_register(head: bytes) -> bool:
    first_line = head.decode("utf-8-sig", "replace").splitlines()[0] if head else ""
    keys = {headers.header_key(h) for h in first_line.split(",")}
    return {"registeredcharitynumber", "charityname"} <= keys


# --- entry point --------------------------------------------------------------------------------

def read_rows(path: str | Path, fmt: str | None = None) -> Iterator[RawRow]:
    """Every record of a file or feed, in order, with the line it starts on (header = line 1)."""
    limits = current_limits()
    if not is_url(path) and not Path(path).is_dir():
        bounds.check_file_size(path, limits)
    fmt = fmt or sniff_format(path)
    if fmt not in FORMATS:
        raise ReadError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return bounds.counted(str(path), _format_rows(path, fmt), limits)


def _format_rows(path: str | Path, fmt: str) -> Iterator[RawRow]:
    if fmt in ("csv", "charity"):
        kind, profile = (ORGANISATION, "charity") if fmt == "charity" else (ACTIVITY, "table")
        return read_csv_rows(path, kind, profile)
    if fmt == "tables":
        return (row for table in read_tables(path) for row in table.rows)
    return {"xlsx": read_xlsx_rows, "geojson": read_geojson_rows, "oruk": read_oruk_rows,
            "openactive": read_openactive_rows}[fmt](path)


# --- spreadsheets -------------------------------------------------------------------------------

class _Dialect(csv.excel):
    delimiter = ","


def _dialect(sample: str) -> type[csv.Dialect]:
    """Standard quoting (``""`` inside quotes) with the plausible delimiter that splits most rows to the header's width.

    csv.Sniffer guesses quote characters and escapes too, and mis-splits ordinary ``""`` quoting; here only
    the delimiter is chosen, among comma, semicolon, tab and pipe, and a title row above the header doesn't count.
    """
    best, chosen = (0, 0), ","
    for delimiter in DELIMITERS:
        widths = _widths(sample, delimiter)
        header = max(set(widths), key=widths.count) if widths else 1
        score = (widths.count(header), header) if header > 1 else (0, 0)
        if score > best:
            best, chosen = score, delimiter
    return type("SniffedDialect", (_Dialect,), {"delimiter": chosen})


def _widths(sample: str, delimiter: str) -> list[int]:
    widths = []
    try:
        for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            widths.append(len(cells))
            if len(widths) >= DIALECT_SAMPLE_ROWS:
                break
    except csv.Error:
        pass
    return [w for w in widths if w]


def numbered_csv_rows(text: str, file: str = "the file", max_cell: int = bounds.ReadLimits.max_cell) -> Iterator[tuple[int, list[str]]]:
    """``(line the record starts on, cells)``: a quoted cell with line breaks spans several lines.

    A cell longer than ``max_cell`` stops the read there with the row named (the csv module's own
    limit, 128 KB, would stop far earlier with a bare ``_csv.Error``).
    """
    sample = text[:16384]
    dialect = _dialect(sample.rsplit("\n", 1)[0] if "\n" in sample else sample)
    if csv.field_size_limit() < max_cell:
        csv.field_size_limit(max_cell)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    previous = count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            why = f"a cell is longer than {max_cell:,} characters" if "field larger" in str(exc) else f"a cell could not be read ({exc})"
            raise bounds.stopped(file, f"row {previous + 1}", why,
                                 f"ASSETMAP_MAX_CELL_BYTES={max_cell:,}", read=count) from exc
        if max_cell < csv.field_size_limit() and any(len(c) > max_cell for c in cells):
            raise bounds.stopped(file, f"row {previous + 1}", f"a cell is longer than {max_cell:,} characters",
                                 f"ASSETMAP_MAX_CELL_BYTES={max_cell:,}", read=count)
        yield previous + 1, cells
        count += 1
        previous = reader.line_num


def _header_index(rows: list[tuple[int, list[Any]]]) -> int:
    """The row holding the headers: the one naming most known fields among the first few (titles above are skipped)."""
    candidates = [(headers.recognised(cells), -i) for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if any(_filled(c) for c in cells)]
    if not candidates:
        return 0
    best, index = max(candidates)
    if best >= 2:
        return -index
    return next(i for i, (_, cells) in enumerate(rows) if any(_filled(c) for c in cells))


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def unique_headers(cells: list[Any]) -> list[str]:
    """Header names made unique ("Phone", "Phone (2)"); an empty header becomes "column N"."""
    seen: dict[str, int] = {}
    result = []
    for i, cell in enumerate(cells, 1):
        name = str(cell).strip() if _filled(cell) else f"column {i}"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def rows_to_records(file: str, rows: Iterator[tuple[int, list[Any]]], kind: str, profile: str, text_only: bool = False) -> Iterator[RawRow]:
    """Pair cells with the header row; rows above the header (a title) are not records."""
    head: list[tuple[int, list[Any]]] = []
    for numbered in rows:
        head.append(numbered)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if not head:
        return
    index = _header_index(head)
    names = unique_headers(head[index][1])
    for line, cells in _chain(head[index + 1:], rows):
        if len(cells) > len(names):
            names.extend(f"column {i}" for i in range(len(names) + 1, len(cells) + 1))
        record = dict(zip(names, cells)) if text_only else {name: _json_safe(cell) for name, cell in zip(names, cells)}
        record.update((name, "") for name in names[len(cells):])
        unread = () if text_only or UNREAD not in cells else tuple(n for n, c in zip(names, cells) if c is UNREAD)
        record.update((name, None) for name in unread)
        yield RawRow(file, line, record, kind, profile, unread)


def _chain(first, rest):
    yield from first
    yield from rest


def _json_safe(value: Any) -> Any:
    """Spreadsheet values as JSON can store them: dates and times as ISO text."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def read_csv_rows(path: str | Path, kind: str = ACTIVITY, profile: str = "table") -> Iterator[RawRow]:
    """A CSV file (BOM, CRLF, ``;``/tab delimiters and Windows-1252 handled)."""
    text = decode_text(read_bytes(path), str(path))
    rows = numbered_csv_rows(text, str(path), current_limits().max_cell)
    return rows_to_records(str(path), rows, kind, profile, text_only=True)


class _Unread:
    """A formula cell with no saved value (a workbook written by a program, never opened in Excel): not a blank."""

    def __str__(self) -> str:
        return ""


UNREAD = _Unread()


def read_xlsx_rows(path: str | Path) -> Iterator[RawRow]:
    """The first sheet that has recognisable headers (else the first sheet), read-only."""
    book = _open_workbook(Path(path))
    formulas = _formula_book(Path(path))
    try:
        sheet = _pick_sheet(book)
        yield from rows_to_records(str(path), _sheet_rows(sheet, formulas), ACTIVITY, "table")
    except ReadError as exc:
        raise ReadError(f"{path}: {exc}") from exc
    finally:
        book.close()
        if formulas is not None:
            formulas.close()


def _sheet_rows(sheet, formulas) -> Iterator[tuple[int, list[Any]]]:
    """Numbered rows of cached values; a formula cell with no cached value is UNREAD, not None."""
    start = sheet.min_row or 1
    if formulas is None:
        yield from ((i, list(cells)) for i, cells in enumerate(sheet.iter_rows(values_only=True), start=start))
        return
    pairs = zip(sheet.iter_rows(values_only=True), formulas[sheet.title].iter_rows(values_only=True))
    for i, (cells, written) in enumerate(pairs, start=start):
        yield i, [UNREAD if c is None and j < len(written) and _is_formula(written[j]) else c for j, c in enumerate(cells)]


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _formula_book(path: Path):
    """The workbook as written (formulas, not values), opened only when some sheet holds a formula."""
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            if not any(b"<f" in archive.read(n) for n in sheets):
                return None
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # unreadable here means unreadable for the values view too, which says so
        return None


def _pick_sheet(book):
    if not book.worksheets:
        raise ReadError("the workbook has no sheets")
    for sheet in book.worksheets:
        first = next(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), ())
        if headers.recognised(first) >= 2:
            return sheet
    return book.worksheets[0]


# --- linked tables ------------------------------------------------------------------------------

@dataclasses.dataclass
class Table:
    """One CSV file or one sheet, as read: ``name`` is the file's stem or the sheet's title (a hint to what it holds)."""

    name: str
    file: str
    rows: list[RawRow]

    @property
    def headers(self) -> list[str]:
        return list(self.rows[0].record) if self.rows else []


def read_tables(path: str | Path) -> list[Table]:
    """Every table of a folder (its CSV files and every sheet of its workbooks, by name) or of one workbook."""
    path = Path(path)
    if not path.is_dir():
        return _workbook_tables(path)
    tables: list[Table] = []
    for file in sorted(p for p in path.iterdir() if p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith((".", "~$"))):
        if file.suffix.lower() == ".csv":
            tables.append(Table(file.stem, str(file), list(read_csv_rows(file))))
        else:
            tables += _workbook_tables(file)
    if not tables:
        raise ReadError(f"{path}: no CSV or XLSX files in this folder")
    return tables


def _open_workbook(path: Path):
    import openpyxl

    limits = current_limits()
    bounds.check_file_size(path, limits)
    bounds.check_workbook(path, limits)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-xlsx file
        why = " ".join(str(exc).replace("Please see the exception for more details.", "").split())
        raise ReadError(f"{path}: not a readable .xlsx workbook ({why})") from exc


def _workbook_tables(path: Path) -> list[Table]:
    """Each sheet with rows, named ``book.xlsx#Sheet`` so the report can say where a row came from."""
    book = _open_workbook(path)
    formulas = _formula_book(path)
    try:
        tables = []
        for sheet in book.worksheets:
            records = list(rows_to_records(f"{path}#{sheet.title}", _sheet_rows(sheet, formulas), ACTIVITY, "table"))
            if records:
                tables.append(Table(sheet.title, f"{path}#{sheet.title}", records))
        return tables
    finally:
        book.close()
        if formulas is not None:
            formulas.close()


def _has_linked_sheets(path: Path) -> bool:
    """A workbook whose sheets are linked tables (services with their venues or organisations), not one sheet of activities."""
    from assetmap.ingest.roles import is_linked

    book = _open_workbook(path)
    try:
        if len(book.worksheets) < 2:
            return False
        heads = [(sheet.title, _header_cells(sheet)) for sheet in book.worksheets]
    finally:
        book.close()
    return is_linked(heads)


def _header_cells(sheet) -> list[Any]:
    rows = [(i, list(cells)) for i, cells in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))]
    return rows[_header_index(rows)][1] if rows else []


def _json_file(path: str | Path) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    try:
        return json_records(decode_text(read_bytes(path), str(path)), max_depth=current_limits().max_depth)
    except ReadError as exc:
        raise ReadError(f"{path}: {exc}") from exc


# --- GeoJSON ------------------------------------------------------------------------------------

def read_geojson_rows(path: str | Path) -> Iterator[RawRow]:
    """Each feature of a point layer as a record: its properties, with the point first."""
    records, _ = _json_file(path)
    for line, feature in records:
        record = feature_record(feature) if isinstance(feature, Mapping) else {"geometry_type": "not a GeoJSON feature", "value": str(feature)[:200]}
        yield RawRow(str(path), line, record, ACTIVITY, "geojson")


def feature_record(feature: Mapping[str, Any]) -> dict[str, Any]:
    """A feature's properties with its point first; a geometry that is not a usable point is kept as
    ``geometry_type`` (so cleaning says the record has no place) rather than failing the file."""
    geometry = feature.get("geometry") or {}
    record: dict[str, Any] = {}
    point = _point(geometry)
    if point is not None:
        record = {"geometry_lat": point[1], "geometry_lon": point[0]}
    elif geometry:
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        record = {"geometry_type": kind if isinstance(kind, str) else "not a GeoJSON geometry"}
    if feature.get("id") is not None:
        record["feature_id"] = feature["id"]
    properties = feature.get("properties")
    return record | (dict(properties) if isinstance(properties, Mapping) else {})


def _point(geometry: Any) -> tuple[Any, Any] | None:
    """``(lon, lat)`` of a Point geometry with at least two coordinates, or None (checking values is ``clean``'s job)."""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    return coordinates[0], coordinates[1]


# --- Open Referral UK ---------------------------------------------------------------------------

def is_organisation_record(record: Mapping[str, Any]) -> bool:
    keys = set(record)
    return bool(keys & ORGANISATION_KEYS) and not keys & SERVICE_KEYS


def oruk_raw_rows(file: str, records: list[tuple[int, Any]], envelope: Mapping[str, Any]) -> Iterator[RawRow]:
    """Services (and organisations) from one ORUK document, whatever shape it came in."""
    if not records and not envelope:
        return
    parent = envelope if envelope and is_organisation_record(envelope) else None
    for line, record in records:
        if not isinstance(record, Mapping):
            yield RawRow(file, line, {"value": record}, ACTIVITY, "oruk-3.0")
            continue
        record = _service_of(record)
        if is_organisation_record(record):
            yield from _organisation_rows(file, line, record)
            continue
        if parent is not None and not record.get("organization"):
            record = {**record, "organization": {k: v for k, v in parent.items() if k != "services"}}
        yield RawRow(file, line, dict(record), ACTIVITY, feeds.oruk_profile(record))


def _service_of(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A service-at-location entry ``{location, service}`` read as its service placed at that location."""
    if isinstance(record.get("service"), Mapping) and isinstance(record.get("location"), Mapping):
        return {**record["service"], "service_at_locations": [{"id": record.get("id"), "location": record["location"]}]}
    return record


def _organisation_rows(file: str, line: int, org: Mapping[str, Any]) -> Iterator[RawRow]:
    """An organisation with nested services gives its services; one without gives itself."""
    services = [s for s in org.get("services") or [] if isinstance(s, Mapping)]
    if not services:
        yield RawRow(file, line, dict(org), ORGANISATION, "oruk-3.0")
        return
    bare = {k: v for k, v in org.items() if k != "services"}
    for service in services:
        record = dict(service) if service.get("organization") else {**service, "organization": bare}
        yield RawRow(file, line, record, ACTIVITY, feeds.oruk_profile(record))


def read_oruk_rows(path: str | Path, fetch_details: bool = True) -> Iterator[RawRow]:
    """An ORUK file, or the ``/services`` pages of a feed's base URL (full records fetched when a list omits them)."""
    if not is_url(path):
        records, envelope = _json_file(path)
        yield from oruk_raw_rows(str(path), records, envelope)
        return
    if str(path).lower().endswith(".json"):
        yield from oruk_raw_rows(str(path), *json_page(str(path)))
        return
    yield from _oruk_pages(_oruk_base(str(path)), fetch_details, current_intake())


def _oruk_base(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    path = re.sub(r"/services/?$", "", parts.path.rstrip("/"))
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _page_url(base: str, page: int) -> str:
    return f"{base}/services?page={page}"


def _oruk_pages(base: str, fetch_details: bool, intake: Intake) -> Iterator[RawRow]:
    """Pages 1, 2, … until an empty, repeated or last page; past the page cap the intake notes the run as partial."""
    seen_first: set[str] = set()
    page = 0
    while True:
        page += 1
        url = _page_url(base, page)
        if not intake.next_page(url):
            return
        records, envelope = json_page(url, intake=intake)
        first = json.dumps(records[0][1], sort_keys=True) if records else ""
        if not records or first in seen_first:
            return
        seen_first.add(first)
        for row in oruk_raw_rows(url, records, envelope):
            yield _with_details(base, row, intake) if fetch_details else row
        if _is_last_page(envelope, page):
            return


def _is_last_page(envelope: Mapping[str, Any], page: int) -> bool:
    if envelope.get("last_page") is True or envelope.get("last") is True:
        return True
    total = envelope.get("total_pages") or envelope.get("totalPages")
    return isinstance(total, int) and page >= total


def _with_details(base: str, row: RawRow, intake: Intake) -> RawRow:
    """List pages often omit locations and schedules: fetch ``/services/{id}`` for the full record."""
    record = row.record
    if row.kind != ACTIVITY or not record.get("id") or record.get("service_at_locations") or record.get("schedules"):
        return row
    try:
        full = fetch_json(f"{base}/services/{urllib.parse.quote(str(record['id']), safe='')}", intake)
    except ReadError:
        return row
    if isinstance(full, Mapping) and full.get("id") == record.get("id"):
        return RawRow(row.file, row.line, dict(full), row.kind, feeds.oruk_profile(full))
    return row


# --- OpenActive RPDE ----------------------------------------------------------------------------

def read_openactive_rows(path: str | Path) -> Iterator[RawRow]:
    """RPDE items; from a URL, ``next`` pages are followed until a page has no items."""
    if not is_url(path):
        records, _ = _json_file(path)
        yield from (RawRow(str(path), line, dict(item), ACTIVITY, "openactive") for line, item in records if isinstance(item, Mapping))
        return
    url, visited, intake = str(path), set(), current_intake()
    while url and url not in visited and intake.next_page(url):
        visited.add(url)
        records, envelope = json_page(url, ("items",), intake)
        items = [(line, item) for line, item in records if isinstance(item, Mapping)]
        if not items:
            return
        yield from (RawRow(url, line, dict(item), ACTIVITY, "openactive") for line, item in items)
        url = urllib.parse.urljoin(url, envelope["next"]) if envelope.get("next") else ""
