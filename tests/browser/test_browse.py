"""Browse mode in Chromium: every matching activity in view (not one page of 20), counted in the list area."""

import re

import pytest

from .busy_site import DESK, HOSTILE, PHONE, busy_site, new_page, page_width, screenshot, serious_violations  # noqa: F401

pytestmark = pytest.mark.browser


def _ready(page):
    page.wait_for_selector("#map[data-state=ready][data-markers]", state="attached", timeout=20_000)
    page.wait_for_function("() => !document.getElementById('map').dataset.state || document.getElementById('map').dataset.state === 'ready'")


def _expected_in_view(site, page, category=None) -> int:
    west, south, east, north = (float(v) for v in page.locator("#map").get_attribute("data-view").split(","))
    return sum(1 for lat, lon, first in site.points.values()
               if west <= lon <= east and south <= lat <= north and (category is None or first == category))


def _markers_drawn(page) -> int:
    """Single markers plus the counts written on cluster icons (everything markercluster put on the map)."""
    clusters = page.locator(".marker-cluster").all_inner_texts()
    return page.locator(".leaflet-marker-icon:not(.marker-cluster)").count() + sum(int(t) for t in clusters)


def _said(page) -> int:
    text = page.locator("#map-count").inner_text()
    found = re.match(r"([\d,]+) activit(?:y|ies) in this part of the map", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize("viewport, name", [(DESK, "desk"), (PHONE, "phone")])
def test_browse_shows_every_activity_in_view_and_says_how_many(browser, busy_site, viewport, name):  # noqa: F811
    context, page = new_page(browser, viewport)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{busy_site.url}/#map=13/53.425/-2.34")
    if viewport is PHONE:
        page.locator(".toggle-map").click()
    _ready(page)
    expected = _expected_in_view(busy_site, page)
    assert expected > 20                                   # far more than one page of results
    assert _said(page) == expected == int(page.locator("#map").get_attribute("data-in-view"))
    assert _markers_drawn(page) >= expected
    assert any("bbox=" in url and "compact=1" in url for url in requests)
    screenshot(page, f"browse-{name}")
    assert page.locator("#map-count").is_visible()             # in the map view on a phone too
    assert page.errors == []
    context.close()


def test_zooming_out_loads_the_rest_of_the_area(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    page.goto(f"{busy_site.url}/#map=15/53.425/-2.34")
    _ready(page)
    before = _said(page)
    page.evaluate("() => { window.location.hash = ''; }")
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_timeout(400)
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_function("(n) => Number(document.getElementById('map').dataset.inView) > n", arg=before, timeout=20_000)
    _ready(page)
    assert _said(page) == _expected_in_view(busy_site, page) > before
    context.close()


def test_browse_keeps_the_page_filters(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    page.goto(f"{busy_site.url}/?category=food#map=12/53.425/-2.34")
    _ready(page)
    expected = _expected_in_view(busy_site, page, "food")
    assert expected > 20 and _said(page) == expected
    context.close()


def test_a_search_opens_on_its_results_and_zooming_out_browses_its_matches(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    page.goto(f"{busy_site.url}/?q=singing")
    _ready(page)
    assert page.locator("#map").get_attribute("data-mode") == "search"
    listed = page.locator(".result[data-located=yes]").count()
    assert listed == 20 and int(page.locator("#map").get_attribute("data-markers")) >= listed
    context.close()


def test_popups_show_feed_text_as_text(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    page.goto(f"{busy_site.url}/?q=tuesday+walk")
    _ready(page)
    page.locator(".result").filter(has_text="Tuesday").first.hover()
    popup = page.locator(".leaflet-popup-content .popup-name")
    popup.wait_for()
    assert popup.inner_text() == HOSTILE
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.evaluate("() => window.hacked") is None and page.errors == []
    context.close()


def test_you_are_here_marker_for_a_place_search(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    page.goto(f"{busy_site.url}/?near=M33+7XW")
    _ready(page)
    assert page.locator("path.here-marker").count() == 1
    context.close()


@pytest.mark.parametrize("viewport", [DESK, PHONE])
def test_browse_page_is_accessible_and_fits_the_screen(browser, busy_site, viewport):  # noqa: F811
    context, page = new_page(browser, viewport)
    page.goto(f"{busy_site.url}/#map=13/53.425/-2.34")
    _ready(page)
    width, screen = page_width(page)
    assert width <= screen
    assert serious_violations(page) == []
    context.close()
