import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assetmap.ingest.errors import ReadError
from assetmap.ingest.jsondoc import json_records
from assetmap.ingest.readers import read_rows, sniff_format

DATA = Path(__file__).resolve().parent.parent / "data"
COMMUNITY_COUNTS = {
    "gm_food_banks.geojson": (171, 5), "gm_libraries.geojson": (141, 6), "gm_pharmacies.geojson": (631, 6),
    "trafford_care_homes_cqc.geojson": (56, 6), "trafford_community_hubs.geojson": (6, 6),
    "trafford_gp_practices.geojson": (26, 6), "trafford_mental_health_services.geojson": (60, 5),
    "trafford_sports_clubs.geojson": (137, 5),
}


@pytest.mark.parametrize("name", sorted(COMMUNITY_COUNTS))
def test_geojson_layers_give_one_row_per_feature_with_its_line(shared_data, name):
    rows = list(read_rows(shared_data / "community" / name))
    count, first_line = COMMUNITY_COUNTS[name]
    assert sniff_format(shared_data / "community" / name) == "geojson"
    assert (len(rows), rows[0].line, rows[1].line) == (count, first_line, first_line + 1)
    assert {"geometry_lat", "geometry_lon"} <= set(rows[0].record) and rows[0].profile == "geojson"


def test_charity_register_is_read_as_organisations(shared_data):
    path = shared_data / "community/trafford_registered_charities_ccew.csv"
    rows = list(read_rows(path))
    assert sniff_format(path) == "charity"
    assert len(rows) == 736 and {r.kind for r in rows} == {"organisation"}
    assert rows[0].line == 2 and rows[0].record["registered_charity_number"] == "210843"


@pytest.mark.parametrize("name, count, line, kind", [
    ("service_list.json", 1, 10, "activity"), ("service_full.json", 1, 1, "activity"),
    ("organization.json", 1, 19, "activity"), ("service_at_location_list.json", 1, 10, "activity"),
    ("service_at_location_full.json", 1, 1, "activity"), ("organization_list.json", 10, 10, "organisation"),
])
def test_oruk_sample_files_of_every_shape(shared_data, name, count, line, kind):
    path = shared_data / "feeds/oruk-sample" / name
    rows = list(read_rows(path))
    assert sniff_format(path) == "oruk"
    assert (len(rows), rows[0].line, rows[0].kind, rows[0].profile) == (count, line, kind, "oruk-3.0")


def test_services_nested_in_an_organisation_carry_it(shared_data):
    (row,) = read_rows(shared_data / "feeds/oruk-sample/organization.json")
    assert row.record["name"] == "Community Counselling"
    assert row.record["organization"]["name"] == "Example Organization Inc." and "services" not in row.record["organization"]


def test_service_at_location_entry_is_its_service_at_that_place(shared_data):
    (row,) = read_rows(shared_data / "feeds/oruk-sample/service_at_location_full.json")
    assert row.record["service_at_locations"][0]["location"]["name"] == "MyCity Civic Center"


def test_older_oruk_profile_bare_array_is_read_and_named():
    rows = list(read_rows(DATA / "oruk_legacy_services.json", "oruk"))
    assert [r.line for r in rows] == [2, 20, 28, 34, 46]
    assert [r.profile for r in rows] == ["oruk-1.x", "oruk-1.x", "oruk-3.0", "oruk-1.x", "oruk-1.x"]


def test_openactive_file_items_with_deleted_state():
    rows = list(read_rows(DATA / "openactive_page2.json"))
    assert sniff_format(DATA / "openactive_page2.json") == "openactive"
    assert [(r.line, r.record["state"]) for r in rows] == [(4, "deleted"), (5, "updated")]


def test_bom_crlf_and_blank_rows():
    rows = list(read_rows(DATA / "bom_crlf.csv"))
    assert list(rows[0].record)[0] == "Activity"
    assert [(r.line, r.record["Activity"]) for r in rows] == [(2, "Coffee Morning"), (3, ""), (4, "Sing for Joy")]
    assert rows[0].record["Organisation Name"] == "St Mary’s Church"


def test_cells_with_line_breaks_keep_true_line_numbers():
    rows = list(read_rows(DATA / "multiline_cells.csv"))
    assert [r.line for r in rows] == [2, 6, 7]
    assert rows[0].record["Description"] == "We grow vegetables.\nBring gloves.\n\nAll welcome."


def test_title_rows_above_the_header_are_skipped():
    rows = list(read_rows(DATA / "title_row.csv"))
    assert [(r.line, r.record["Group"]) for r in rows] == [(4, "Partington Men's Shed"), (5, "Urmston Carers Cafe")]


def test_semicolon_delimited_windows_1252_file():
    (row,) = read_rows(DATA / "semicolon_cp1252.csv")
    assert row.record == {"Activity": "Café Club", "Organisation Name": "Sale Singers", "Post Code": "M33 7ZF", "Cost": "£2 per session"}


def test_xlsx_rows_with_dates_and_a_blank_row(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Activity", "Post Code", "Date checked"])
    sheet.append(["Bingo", "M33 7XW", dt.datetime(2025, 4, 3)])
    sheet.append([None, None, None])
    sheet.append(["Quiz", "M33 7ZF", "12 January 2023"])
    book.save(tmp_path / "groups.xlsx")
    rows = list(read_rows(tmp_path / "groups.xlsx"))
    assert sniff_format(tmp_path / "groups.xlsx") == "xlsx"
    assert [(r.line, r.record["Activity"]) for r in rows] == [(2, "Bingo"), (3, None), (4, "Quiz")]
    assert rows[0].record["Date checked"] == "2025-04-03T00:00:00"


def test_missing_file_and_broken_json_are_read_errors(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        list(read_rows(tmp_path / "nope.csv"))
    (tmp_path / "bad.json").write_text('{"contents": [{"name": "x"},')
    with pytest.raises(ReadError, match="bad.json: not valid JSON"):
        list(read_rows(tmp_path / "bad.json"))


def test_json_records_give_line_numbers_of_array_elements():
    records, envelope = json_records('{"total": 2,\n "items": [\n  {"a": 1},\n  {"a": 2}\n ], "next": "x"}', ("items",))
    assert records == [(3, {"a": 1}), (4, {"a": 2})] and envelope == {"total": 2, "next": "x"}


# --- feeds over HTTP, from a stand-in server on 127.0.0.1 ----------------------------------------

class _Routes(BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.requested.append(self.path)
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body or b'{"error": "not found"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def serve(monkeypatch):
    """Serve ``{path: bytes}`` on a free port; yields a function that sets routes and returns the base URL."""
    monkeypatch.setenv("ASSETMAP_FETCH_ALLOW_PRIVATE", "1")   # the stand-in is on loopback, refused by default
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Routes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def start(routes):
        _Routes.routes, _Routes.requested = routes, []
        return f"http://127.0.0.1:{server.server_address[1]}"
    yield start
    server.shutdown()
    server.server_close()
    thread.join()


def _oruk_routes(shared_data) -> dict[str, bytes]:
    """The shared sample as a two-page feed: page 1 is the sample's list, page 2 a second service."""
    sample = shared_data / "feeds/oruk-sample"
    page1 = json.loads((sample / "service_list.json").read_text())
    page1.update(total_pages=2, last_page=False)
    second = dict(page1["contents"][0], id="svc-second", name="Second Service")
    page2 = dict(page1, page_number=2, last_page=True, contents=[second])
    return {"/services?page=1": json.dumps(page1, indent=1).encode(), "/services?page=2": json.dumps(page2, indent=1).encode(),
            "/services/ac148810-d857-441c-9679-408f346de14b": (sample / "service_full.json").read_bytes()}


def test_oruk_base_url_pages_are_followed_and_full_records_fetched(serve, shared_data):
    base = serve(_oruk_routes(shared_data))
    rows = list(read_rows(base, "oruk"))
    assert [r.record["name"] for r in rows] == ["Community Counselling", "Second Service"]
    assert rows[0].record["service_at_locations"][0]["location"]["name"] == "MyCity Civic Center"  # from /services/{id}
    assert rows[1].record.get("service_at_locations") is None and rows[1].file == f"{base}/services?page=2"
    assert _Routes.requested[:2] == ["/services?page=1", "/services/ac148810-d857-441c-9679-408f346de14b"]
    assert sniff_format(base) == "oruk"


def test_openactive_url_follows_next_until_a_page_has_no_items(serve):
    routes = {f"/feed/{name}": (DATA / name).read_bytes() for name in ("openactive_page1.json", "openactive_page2.json", "openactive_page3.json")}
    base = serve(routes)
    rows = list(read_rows(f"{base}/feed/openactive_page1.json", "openactive"))
    assert [r.record["id"] for r in rows] == ["oa-1", "oa-2", "oa-2", "oa-3"]
    assert _Routes.requested == ["/feed/openactive_page1.json", "/feed/openactive_page2.json", "/feed/openactive_page3.json"]


def test_unreachable_feed_is_a_read_error(serve):
    base = serve({})
    with pytest.raises(ReadError, match="answered 404"):
        list(read_rows(base, "oruk"))
