"""What a person sees in a real browser: list and markers agree, popups, print sheet, no-JS, axe, XSS."""

from pathlib import Path

import pytest

from .serving import serious_violations

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _marker_total(page) -> int:
    """Single markers plus the counts written on cluster icons."""
    page.wait_for_selector("#map[data-markers]", state="attached")
    clusters = page.locator(".marker-cluster").all_inner_texts()
    singles = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    return singles + sum(int(text) for text in clusters)



def test_search_by_text_shows_every_located_result_as_a_marker(page, live_server):
    page.goto(f"{live_server}/?q=walking")
    located = page.locator(".result[data-located=yes]").count()
    assert located >= 2 and _marker_total(page) == located
    assert page.dialogs == []  # the hostile "<script>" name rendered as text


def test_search_by_postcode_orders_by_distance_and_popup_is_text(page, live_server):
    page.goto(f"{live_server}/?near=M32+0JT")
    assert "Stretford singing" in page.locator(".result h2").first.inner_text()
    _marker_total(page)
    page.locator(".result").first.hover()
    popup = page.locator(".leaflet-popup-content .popup-name")
    popup.wait_for()
    assert "Stretford singing" in popup.inner_text()


def test_filter_by_day_narrows_the_list(page, live_server):
    page.goto(f"{live_server}/?day=thu")
    names = page.locator(".result h2").all_inner_texts()
    assert names and all("Thursday" in n or "singing" in n.lower() for n in names)


def test_activity_page_and_shortlist_print_view(page, live_server):
    page.goto(f"{live_server}/?q=walking")
    page.locator(".shortlist-check input").first.check()
    page.locator("text=Print or share the ticked activities").click()
    page.wait_for_selector(".sheet-item")
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "shortlist-print.png"), full_page=True)
    assert not page.locator("button").first.is_visible() if page.locator("button").count() else True
    assert serious_violations(page) == []


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/?q=lung")
    assert page.locator(".result").count() >= 1
    page.locator(".result h2 a").first.click()
    assert page.locator("h1").inner_text().startswith("Stretford singing")
    context.close()


@pytest.mark.parametrize("path", ["/?q=walking", "/about"])
def test_no_serious_accessibility_violations(page, live_server, path):
    page.goto(f"{live_server}{path}")
    assert serious_violations(page) == []


def test_activity_page_has_no_serious_accessibility_violations(page, live_server):
    page.goto(f"{live_server}/?q=lung")
    page.locator(".result h2 a").first.click()
    page.wait_for_selector("h1")
    assert serious_violations(page) == [] and page.dialogs == []


def test_ward_outlines_can_be_switched_on(page, live_server):
    page.goto(f"{live_server}/?near=M33+7XW")
    _marker_total(page)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Ward boundaries").check()
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 1
