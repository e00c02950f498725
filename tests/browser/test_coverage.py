"""The commissioner pages in a real browser: map and table agree, category switch, drill-down, CSV download,
keyboard, a phone-sized screen, axe; and the board file drawn offline."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assetmap import db
from assetmap.coverage import board_map, coverage_geojson, coverage_table

from ..web.coverage_data import GREATER_MANCHESTER_ICB, TRAFFORD, build_coverage_copy
from .serving import serious_violations, served

pytestmark = pytest.mark.browser
VENDOR = Path(board_map.__file__).resolve().parents[1] / "web" / "static" / "vendor"


@pytest.fixture(scope="module")
def coverage_settings(web_settings, shared_data, tmp_path_factory):
    return build_coverage_copy(web_settings, shared_data, tmp_path_factory.mktemp("coverage-browser"))


@pytest.fixture(scope="module")
def coverage_server(coverage_settings):
    from assetmap.web import create_app

    app = create_app(coverage_settings)
    with served(app) as url:
        yield url



def _map_drawn(page) -> int:
    page.wait_for_selector("#coverage-map[data-areas]", state="attached")
    return int(page.get_attribute("#coverage-map", "data-areas"))


def test_map_draws_every_area_of_the_table(page, coverage_server):
    page.goto(f"{coverage_server}/coverage?level=ward&within={TRAFFORD}")
    rows = page.locator("#coverage-table tbody tr[id^=area-]").count()
    assert rows == 21 and _map_drawn(page) == rows
    assert page.locator("path.cov-area").count() == rows
    assert page.locator("#coverage-legend li").count() >= 3 and page.locator("#coverage-map-section").is_visible()
    assert serious_violations(page) == []


def test_switch_category_then_drill_down_then_download_csv(page, coverage_server):
    page.goto(f"{coverage_server}/coverage?level=lad&within={GREATER_MANCHESTER_ICB}")
    page.get_by_label("Type of activity").select_option("walking")
    page.get_by_role("button", name="Show coverage").click()
    page.wait_for_url("**category=walking**")
    assert "Walking" in page.locator("#coverage-caption").inner_text()
    assert _map_drawn(page) == page.locator("#coverage-table tbody tr[id^=area-]").count() == 10   # Greater Manchester's councils
    page.get_by_role("link", name="Wards in Trafford").click()
    page.wait_for_url(f"**level=ward&within={TRAFFORD}&category=walking**")
    assert page.locator("#coverage-table tbody tr[id^=area-]").count() == 21
    with page.expect_download() as info:
        page.get_by_role("link", name="spreadsheet (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert len(rows) == 21 and sum(int(r["activities"]) for r in rows) == 3   # the three walking activities placed in Trafford
    assert serious_violations(page) == []


def test_areas_on_the_map_work_from_the_keyboard(page, coverage_server):
    page.goto(f"{coverage_server}/coverage?level=ward&within={TRAFFORD}")
    _map_drawn(page)
    area = page.locator("path.cov-area").first
    area.focus()
    label = area.get_attribute("aria-label")
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("area-") and label.startswith(page.locator(f"#{focused} th").inner_text().split("\n")[0])
    assert "highlight" in page.locator(f"#{focused}").get_attribute("class")


def test_phone_sized_screen_is_not_wider_than_the_page(browser, coverage_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{coverage_server}/coverage?level=ward&within={TRAFFORD}")
    _map_drawn(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    context.close()


def test_page_works_without_javascript(browser, coverage_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{coverage_server}/coverage?level=icb")
    assert page.locator("#coverage-table tbody tr[id^=area-]").count() >= 1
    assert not page.locator("#coverage-map-section").is_visible()
    page.get_by_role("link", name="Councils in NHS Greater Manchester Integrated Care Board").click()
    assert page.locator(f"#area-{TRAFFORD}").count() == 1
    context.close()


def test_board_file_draws_its_polygons_with_no_network(browser, coverage_settings, tmp_path):
    engine = db.make_engine(coverage_settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        rows = coverage_table(session, coverage_settings, level="ward", within=TRAFFORD)
        collection = coverage_geojson(session, rows, "ward")
    engine.dispose()
    out = board_map.write_html(rows, collection, board_map.board_title("ward", "Trafford"), tmp_path / "board.html")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(out.as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == len(rows) == 21
    assert [url for url in requests if not url.startswith("file:")] == [] and errors == []
    assert page.locator("table tbody tr").count() == 21
    page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    context.close()
