"""The API page for people (issue 19) in real Chromium: no serious axe violations, readable on a phone."""

import pytest

from .busy_site import new_page, page_width, serious_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}])
def test_the_api_page_is_accessible_and_fits_the_screen(browser, live_server, viewport):
    context, page = new_page(browser, viewport, base_url=live_server)
    try:
        page.goto("/api/")
        assert page.locator("table.api-endpoints tbody tr").count() >= 7
        assert serious_violations(page) == [] and page.errors == []
        scroll_width, window_width = page_width(page)
        assert scroll_width <= window_width, "the page must reflow on a phone (WCAG 1.4.10), not scroll sideways"
    finally:
        context.close()
