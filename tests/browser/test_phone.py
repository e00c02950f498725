"""The search and activity pages on a 390 × 844 phone and a 1366 × 900 desk, in Debian's Chromium:
results first, nothing wider than the screen, near means near, axe clean, and all of it without JavaScript.
Screenshots of each page at both sizes go to test-artifacts/screenshots/ (a test artefact, not kept in git)."""

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from ..conftest import FIXED_NOW
from ..web.phone_data import LONG_NAME, LONG_URL, phone_settings
from .serving import serious_violations, served

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
SIZES = {"phone": PHONE, "desk": DESK}


@pytest.fixture(scope="module")
def server(web_settings, tmp_path_factory):
    """A live server over a copy of the web database with the long-URL, phone-line and waiting-list records."""
    from assetmap.web import create_app

    with served(create_app(phone_settings(web_settings, tmp_path_factory.mktemp("phone-browser"), FIXED_NOW))) as url:
        yield url


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    context = browser.new_context(viewport=SIZES[request.param])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.size_name, page.errors = request.param, errors
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.size_name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], f"page is {widths[0]} px wide in a {widths[2]} px window"


def _search(page, server, q: str, near: str) -> None:
    page.goto(f"{server}/")
    page.get_by_label("What are you looking for?").fill(q)
    page.get_by_label("Postcode or place").fill(near)
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector(".summary, #search-problem")


def test_after_a_search_the_summary_and_first_result_are_on_the_first_screen(sized, server):
    _search(sized, server, "walking", "M33 7XW")
    assert parse_qsl(urlsplit(sized.url).query) == [("q", "walking"), ("near", "M33 7XW")]   # no "category=&audience="
    assert sized.locator("details.filters").get_attribute("open") is None
    height = sized.viewport_size["height"]
    summary, first = sized.locator(".summary").bounding_box(), sized.locator(".result h2").first.bounding_box()
    assert summary["y"] + summary["height"] <= height and first["y"] + first["height"] <= height, (summary, first)
    _no_sideways_scroll(sized)
    assert serious_violations(sized) == [] and sized.errors == []
    _shot(sized, "search")


def test_on_a_phone_the_map_is_one_tap_away_and_on_a_desk_beside_the_list(sized, server):
    sized.goto(f"{server}/?q=walking&near=M33+7XW")
    toggle, results, mapbox = sized.locator(".view-toggle"), sized.locator("form.results"), sized.locator("#map")
    if sized.size_name == "desk":
        assert not toggle.is_visible() and results.is_visible() and mapbox.is_visible()
        assert mapbox.bounding_box()["x"] > results.bounding_box()["x"] + 300          # side by side
        return
    assert toggle.is_visible() and results.is_visible() and not mapbox.is_visible()
    toggle.get_by_role("button", name="Map").click()
    assert mapbox.is_visible() and not results.is_visible()
    assert mapbox.bounding_box()["width"] > 300 and mapbox.bounding_box()["height"] > 300
    _no_sideways_scroll(sized)
    _shot(sized, "search-map")
    toggle.get_by_role("button", name="List").click()
    assert results.is_visible() and not mapbox.is_visible()


def test_the_activity_page_with_a_200_character_address_fits_the_screen(sized, server):
    sized.goto(f"{server}/?q=reading&day=wed")
    sized.get_by_role("link", name=LONG_NAME).click()
    sized.wait_for_selector("h1")
    link = sized.get_by_role("link", name=LONG_URL)
    assert link.get_attribute("rel") == "nofollow noopener"
    _no_sideways_scroll(sized)
    back = sized.get_by_role("link", name="Back to results")
    assert parse_qsl(urlsplit(back.get_attribute("href")).query) == [("q", "reading"), ("day", "wed")]
    assert serious_violations(sized) == [] and sized.errors == []
    _shot(sized, "activity")
    back.click()
    assert sized.get_by_role("link", name=LONG_NAME).is_visible()


def test_about_fits_the_screen_and_is_axe_clean(sized, server):
    sized.goto(f"{server}/about")
    _no_sideways_scroll(sized)
    assert serious_violations(sized) == []
    _shot(sized, "about")


def test_a_near_search_with_nothing_local_says_how_far_the_nearest_are(sized, server):
    _search(sized, server, "walking", "SK13 8AA")
    note = sized.locator(".widening-note")
    assert note.is_visible() and re.fullmatch(r"Nothing within 3 miles; the nearest are \d+ miles away\.", note.inner_text())
    assert sized.locator(".result").count() >= 1
    _no_sideways_scroll(sized)
    _shot(sized, "search-widened")


def test_a_place_not_found_keeps_the_search_and_offers_close_names(sized, server):
    _search(sized, server, "walking", "Stretferd")
    assert sized.get_by_label("What are you looking for?").input_value() == "walking"
    sized.get_by_role("link", name="Stretford").click()
    assert "near Stretford" in sized.locator(".summary").inner_text()
    _shot(sized, "search-place-found")


def test_everything_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{server}/")
    page.get_by_label("What are you looking for?").fill("reading")
    with page.expect_navigation():   # each form sends a new page: wait for it, not for the old page's summary
        page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector(".summary")
    assert page.locator(".result").count() >= 1
    assert not page.locator("#map").is_visible() and page.locator("#map").bounding_box() is None   # no empty bordered box
    page.locator("details.filters summary").click()
    page.get_by_label("Waiting list").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector(".summary")
    assert "capacity=waiting_list" in page.url and "(1 set)" in page.locator("details.filters summary").inner_text()
    page.goto(f"{server}/?q=reading")
    with page.expect_navigation():
        page.get_by_role("link", name=LONG_NAME).click()
    assert page.locator("h1").inner_text() == LONG_NAME and page.get_by_role("link", name="Back to results").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
