"""The commissioner pages on real Trafford wards and statistics: /coverage, its downloads, /api/coverage, the board file."""

from __future__ import annotations

import csv
import doctest
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from assetmap import cli, db
from assetmap.coverage import COLUMNS, GAP_SCORE_RULE, board_map
from assetmap.coverage.output import to_csv
from assetmap.models import Activity
from assetmap.web import coverage as coverage_web
from assetmap.web import create_app

from .coverage_data import GREATER_MANCHESTER_ICB, TRAFFORD, build_coverage_copy

TRAFFORD_WARDS = f"level=ward&within={TRAFFORD}"
STATIC = Path(coverage_web.__file__).parent / "static"


@pytest.fixture(scope="module")
def coverage_settings(web_settings, shared_data, tmp_path_factory):
    return build_coverage_copy(web_settings, shared_data, tmp_path_factory.mktemp("coverage"))


@pytest.fixture(scope="module")
def cov_client(coverage_settings):
    app = create_app(coverage_settings)
    yield app.test_client()
    app.extensions["assetmap"]["engine"].dispose()


def _api(client, query: str) -> dict:
    response = client.get(f"/api/coverage?{query}")
    assert response.status_code == 200, response.data
    return response.get_json()


class _Table(HTMLParser):
    """Row codes, header scopes and the position of the table and the map in a page."""

    def __init__(self):
        super().__init__()
        self.row_ids, self.scopes, self.positions, self.links = [], [], {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and (attrs.get("id") or "").startswith("area-"):
            self.row_ids.append(attrs["id"].removeprefix("area-"))
        if tag == "th" and "scope" in attrs:
            self.scopes.append(attrs["scope"])
        if attrs.get("id") in ("coverage-table", "coverage-map", "coverage-map-section"):
            self.positions[attrs["id"]] = (self.getpos(), attrs)
        if tag == "a" and attrs.get("class") == "drill":
            self.links.append(attrs["href"])


def _parse(html: str) -> _Table:
    table = _Table()
    table.feed(html)
    return table


def test_page_lists_every_trafford_ward_table_first_and_ranked_like_the_api(cov_client):
    page = cov_client.get(f"/coverage?{TRAFFORD_WARDS}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    parsed = _parse(html)
    areas = _api(cov_client, TRAFFORD_WARDS)["areas"]
    assert len(areas) == 21 and parsed.row_ids == [a["code"] for a in areas]   # Trafford's 21 wards (Dec 2021), same order
    assert parsed.positions["coverage-table"][0] < parsed.positions["coverage-map"][0]   # the table comes first
    assert "hidden" in parsed.positions["coverage-map-section"][1]                       # the map appears only with JavaScript
    assert set(parsed.scopes) >= {"col", "colgroup", "row"}
    assert "<caption" in html and "Wards in Trafford" in html
    scores = [a["gap_score"] for a in areas if a["gap_score"] is not None]
    assert scores == sorted(scores, reverse=True)


def test_every_figure_sits_beside_its_checked_twin(cov_client):
    html = cov_client.get(f"/coverage?{TRAFFORD_WARDS}").get_data(as_text=True)
    for label, _, _ in board_map.PAIRED_FIGURES:
        assert f'<th scope="colgroup" colspan="2">{label}</th>' in html
    assert html.count('<th scope="col" class="sub">All</th><th scope="col" class="sub">Checked</th>') == len(board_map.PAIRED_FIGURES)


def test_flagged_rows_say_so_in_words(cov_client, monkeypatch):
    areas = _api(cov_client, TRAFFORD_WARDS)["areas"]
    html = cov_client.get(f"/coverage?{TRAFFORD_WARDS}").get_data(as_text=True)
    flagged = [a["code"] for a in areas if a["flagged"]]
    assert html.count("Flagged: high need, low access") == len(flagged)
    for code in flagged:
        row = html[html.index(f'id="area-{code}"'):]
        assert "Flagged: high need, low access" in row[:row.index("</tr>")]


def test_category_and_delivery_narrow_the_counts(cov_client, coverage_settings):
    engine = db.make_engine(coverage_settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        located = session.scalars(sa.select(Activity).where(Activity.status == "active", Activity.lad_code == TRAFFORD,
                                                            Activity.ward_code.is_not(None))).all()
    engine.dispose()
    walking = [a for a in located if "walking" in a.categories and "in_person" in a.delivery]
    all_areas = _api(cov_client, TRAFFORD_WARDS)["areas"]
    walking_areas = _api(cov_client, f"{TRAFFORD_WARDS}&category=walking")["areas"]
    assert sum(a["activities"] for a in walking_areas) == len(walking) == 3   # two in Gorse Hill, one in Urmston
    assert sum(a["activities"] for a in all_areas) > len(walking)
    phone = _api(cov_client, f"{TRAFFORD_WARDS}&delivery=telephone")
    assert phone["delivery"] == "telephone" and sum(a["activities"] for a in phone["areas"]) == 0   # the phone line has no place


def test_drill_down_from_icb_to_councils_to_wards(cov_client):
    icbs = _parse(cov_client.get("/coverage?level=icb").get_data(as_text=True))
    assert f"/coverage?level=lad&within={GREATER_MANCHESTER_ICB}" in icbs.links
    councils = _parse(cov_client.get(f"/coverage?level=lad&within={GREATER_MANCHESTER_ICB}").get_data(as_text=True))
    assert TRAFFORD in councils.row_ids and f"/coverage?level=ward&within={TRAFFORD}" in councils.links
    wards = cov_client.get(f"/coverage?level=ward&within={TRAFFORD}").get_data(as_text=True)
    assert _parse(wards).links == []   # wards are the smallest level
    assert f'<a href="/coverage?level=lad&amp;within={GREATER_MANCHESTER_ICB}">Back to the council areas in NHS Greater Manchester' in wards


def test_drill_links_keep_the_chosen_category(cov_client):
    councils = _parse(cov_client.get(f"/coverage?level=lad&within={GREATER_MANCHESTER_ICB}&category=walking").get_data(as_text=True))
    assert f"/coverage?level=ward&within={TRAFFORD}&category=walking" in councils.links


def test_csv_download_has_every_column_and_area(cov_client):
    response = cov_client.get(f"/coverage.csv?{TRAFFORD_WARDS}&category=walking")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and "walking" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    areas = _api(cov_client, f"{TRAFFORD_WARDS}&category=walking")["areas"]
    assert [r["code"] for r in rows] == [a["code"] for a in areas]
    assert list(rows[0]) == list(COLUMNS)
    assert sum(int(r["activities"]) for r in rows) == 3


def test_csv_neutralises_cells_a_spreadsheet_would_run():
    hostile = {c: None for c in COLUMNS} | {"code": "E05000001", "name": "=HYPERLINK(\"http://x\")", "level": "+ward",
                                             "lad_code": "@SUM(A1)", "stp_code": "\tx", "icb_code": "\rx", "gap_score": -12.5}
    line = list(csv.reader(io.StringIO(to_csv([hostile]))))[1]
    cells = dict(zip(COLUMNS, line))
    assert cells["name"].startswith("'=") and cells["level"] == "'+ward" and cells["lad_code"] == "'@SUM(A1)"
    assert cells["stp_code"] == "'\tx" and cells["icb_code"] == "'\rx"
    assert cells["gap_score"] == "-12.5" and cells["code"] == "E05000001"   # numbers stay numbers


def test_geojson_has_one_feature_per_table_row(cov_client):
    response = cov_client.get(f"/coverage.geojson?{TRAFFORD_WARDS}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json()
    areas = _api(cov_client, TRAFFORD_WARDS)["areas"]
    assert [f["properties"]["code"] for f in data["features"]] == [a["code"] for a in areas]
    assert all(f["geometry"] and f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    download = cov_client.get(f"/coverage.geojson?{TRAFFORD_WARDS}&download=1")
    assert "attachment" in download.headers["Content-Disposition"]


def test_api_returns_the_query_the_rule_and_columns_in_order(cov_client):
    response = cov_client.get(f"/api/coverage?{TRAFFORD_WARDS}&category=walking&fresh_only=1")
    body = response.get_json()
    assert body["level"] == "ward" and body["within"] == TRAFFORD and body["category"] == "walking" and body["fresh_only"] is True
    assert body["rule"] == GAP_SCORE_RULE
    first = json.loads(response.get_data(as_text=True), object_pairs_hook=list)[-1][1][0]
    assert [key for key, _ in first] == list(COLUMNS)


@pytest.mark.parametrize("query, argument", [
    ("level=county", "level"), ("category=knitting", "category"), ("delivery=pigeon", "delivery"), ("measure=colour", "measure"),
    ("fresh_only=maybe", "fresh_only"), ("level=ward&within=E99999999", "within"), ("level=lad&within=E05000829", "within"),
    ("level=icb&within=E08000009", "within"),
])
def test_bad_arguments_are_a_json_400_naming_the_argument(cov_client, query, argument):
    response = cov_client.get(f"/api/coverage?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"].startswith(argument)


def test_bad_arguments_on_the_page_are_a_plain_page(cov_client):
    response = cov_client.get("/coverage?level=county")
    assert response.status_code == 400 and "level must be one of" in response.get_data(as_text=True)
    assert cov_client.get("/coverage.csv?category=nope").status_code == 400


def test_unmet_demand_counts_searches_by_area_and_category(cov_client):
    html = cov_client.get(f"/coverage?{TRAFFORD_WARDS}").get_data(as_text=True)
    section = html[html.index('id="unmet-heading"'):html.index('id="method"')]
    assert re.search(r"<td>Gorse Hill</td><td>Walking</td><td>nordic walking</td><td class=\"num\">2</td><td class=\"num\">1</td>", section)
    assert "knitting circle" in section


def test_method_is_on_the_page_in_plain_words(cov_client, coverage_settings):
    html = cov_client.get("/coverage").get_data(as_text=True)
    method = html[html.index('id="method"'):]
    assert GAP_SCORE_RULE in method
    for words in ("Integrated Care Board (ICB)", "Sustainability and Transformation Partnership (STP)", "Index of Multiple Deprivation",
                  "Lower layer Super Output Area, LSOA", "Luo W, Qi Y (2009)", f"{coverage_settings.coverage_walk_km:g} km"):
        assert words in method


def test_nav_links_to_coverage(cov_client):
    assert 'href="/coverage">Coverage</a>' in cov_client.get("/about").get_data(as_text=True)


def test_map_colours_in_css_match_the_board_palette():
    css = (STATIC / "coverage.css").read_text()
    for index, colour in enumerate(board_map.PALETTE):
        assert f"path.cov-c{index} {{ fill: {colour}; }}" in css
    assert "data-breaks" in (Path(coverage_web.__file__).parent / "templates" / "coverage.html").read_text()


def test_breaks_and_classes_cover_every_value():
    values = [5.0, -3.0, 0.0, 12.5, 7.0, None, 2.0]
    bounds = board_map.breaks(values)
    classes = [board_map.class_of(v, bounds) for v in values]
    assert classes[5] is None and max(c for c in classes if c is not None) == len(bounds) - 1
    assert board_map.colour(board_map.class_of(12.5, bounds), bounds) == board_map.PALETTE[-1]   # the highest is darkest


@pytest.mark.parametrize("module", [board_map])
def test_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_board_file_from_the_cli_is_self_contained(coverage_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", coverage_settings.database_url)
    monkeypatch.setenv("ASSETMAP_ENV", "development")
    out = tmp_path / "board.html"
    result = CliRunner().invoke(cli.main, ["coverage", "--level", "ward", "--within", TRAFFORD, "--category", "walking",
                                           "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "<title>Coverage of walking: wards in Trafford</title>" in html and '<html lang="en-GB">' in html
    assert "L.geoJson" in html or "L.geoJSON" in html
    assert html.count('<th scope="row">') == 21 and GAP_SCORE_RULE in html


def test_board_file_escapes_names(tmp_path):
    row = {c: None for c in COLUMNS} | {"code": "E05000001", "name": "<script>alert(1)</script>", "gap_score": 3.0, "flagged": True}
    square = {"type": "Polygon", "coordinates": [[[-2.3, 53.4], [-2.2, 53.4], [-2.2, 53.5], [-2.3, 53.4]]]}
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": square, "properties": row}]}
    out = board_map.write_html([row], collection, "A <b>board</b>", tmp_path / "b.html")
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html and "A &lt;b&gt;board&lt;/b&gt;" in html
    assert "Flagged: high need, low access" in html
