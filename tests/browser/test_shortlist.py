"""The shortlist in Chromium: kept across searches and pages, printed, texted (GSM-7, counted), copied; and without JavaScript."""

import re

import pytest

from assetmap.web import sms

from .busy_site import ARTIFACTS, DESK, PHONE, busy_site, new_page, page_width, screenshot, serious_violations  # noqa: F401

pytestmark = pytest.mark.browser


def _tick(page, n: int) -> str:
    """Tick the n-th result's "Add to shortlist" and return its id."""
    box = page.locator(".shortlist-check input").nth(n)
    box.check()
    return box.get_attribute("value")


def _header_count(page) -> str:
    return page.locator("#shortlist-link").inner_text()


def _build_list(page, site) -> list[str]:
    """Two searches, three pages of the first: one tick on each page, two on the second search."""
    chosen = []
    page.goto(f"{site.url}/?q=park+walk")
    chosen.append(_tick(page, 0))
    page.locator("a[rel=next]").click()
    chosen.append(_tick(page, 1))
    page.locator("a[rel=next]").click()
    chosen.append(_tick(page, 2))
    page.goto(f"{site.url}/?q=singing")
    chosen += [_tick(page, 0), _tick(page, 3)]
    return chosen


@pytest.mark.parametrize("viewport, name", [(DESK, "desk"), (PHONE, "phone")])
def test_shortlist_lasts_across_searches_and_pages_then_prints_and_texts(browser, busy_site, viewport, name):  # noqa: F811
    context, page = new_page(browser, viewport, permissions=["clipboard-read", "clipboard-write"])
    chosen = _build_list(page, busy_site)
    assert _header_count(page) == "My shortlist (5)"

    page.goto(f"{busy_site.url}/?q=park+walk&page=2")          # back to a page: its tick is restored
    ticked = page.locator(".shortlist-check input:checked")
    assert ticked.count() == 1 and ticked.first.get_attribute("value") == chosen[1]

    page.locator("text=Print or share the ticked activities").click()   # the whole list, not only this page's tick
    page.wait_for_selector(".sheet-item")
    assert page.locator(".sheet-item").evaluate_all("items => items.map(i => i.dataset.id)") == chosen
    screenshot(page, f"shortlist-{name}")

    width, screen = page_width(page)
    assert width <= screen
    box = page.locator("#sms")
    assert page.evaluate("() => { const b = document.getElementById('sms'); return b.scrollHeight <= b.clientHeight + 2; }")  # never cut off
    text = box.input_value()
    assert sms.is_gsm7(text) and "·" not in text and "“" not in text
    assert text.count("Ring before you go") >= 1 and re.search(r"More: /s/[0-9a-f.]+$", text)
    counted = sms.count(text)
    assert page.locator("#sms-count").inner_text() == counted.describe() and counted.messages >= 2

    page.locator(".copy-button").click()
    page.wait_for_function("() => document.querySelector('.copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == text

    page.emulate_media(media="print")
    assert not page.locator(".share").is_visible() and not page.locator(".remove-button").first.is_visible()
    assert page.locator(".sheet-item").first.is_visible() and page.locator(".sheet-item").count() == 5
    screenshot(page, f"shortlist-print-{name}")
    page.emulate_media(media="screen")
    pdf = page.pdf(path=str(ARTIFACTS / f"shortlist-{name}.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")

    assert serious_violations(page) == []
    assert page.errors == []
    context.close()


def test_the_text_counter_follows_the_same_rule_as_the_server(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    ids = _build_list(page, busy_site)[:2]
    page.goto(f"{busy_site.url}/shortlist?ids={ids[0]}&ids={ids[1]}")
    before = page.locator("#sms").input_value()
    assert page.locator("#sms-count").inner_text() == sms.count(before).describe()
    note = "Hi – see you “Tuesday” at the café · bring £2 {and} a brolly ☂ naïve"
    page.locator("#sms-note").fill(note)
    text = page.locator("#sms").input_value()
    assert text == sms.to_gsm7(note) + "\n" + before
    assert page.locator("#sms-count").inner_text() == sms.count(text).describe()
    samples = ["a" * 160, "a" * 161, "€" * 81, "a" * 152 + "€" + "b" * 152, "Zoë’s 🙂 group\u00a0½"]
    in_page = page.evaluate("(xs) => xs.map(x => { const t = window.assetmapShortlist.toGsm7(x); const c = window.assetmapShortlist.countSms(t);"
                            " return [t, c.characters, c.messages]; })", samples)
    assert in_page == [[sms.to_gsm7(x), *sms.count(sms.to_gsm7(x)).__dict__.values()] for x in samples]
    context.close()


def test_remove_buttons_update_the_page_the_text_and_the_header(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    chosen = _build_list(page, busy_site)
    page.locator("#shortlist-link").click()
    page.wait_for_selector(".sheet-item")
    page.locator(f"[data-remove='{chosen[0]}'] button").click()
    page.wait_for_selector(f"#shortlist-{chosen[0]}", state="detached")
    assert page.locator(".sheet-item").count() == 4 and _header_count(page) == "My shortlist (4)"
    page.goto(f"{busy_site.url}/?q=park+walk")
    assert page.locator(".shortlist-check input:checked").count() == 0      # the removed one is unticked
    context.close()


def test_short_link_opens_the_same_list_elsewhere(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, DESK)
    chosen = _build_list(page, busy_site)
    page.locator("#shortlist-link").click()
    short = page.locator(".short-link").get_attribute("href")
    assert short.startswith("/s/") and len(short) < 60
    context.close()
    other, fresh = new_page(browser, PHONE)
    fresh.goto(busy_site.url + short)
    assert fresh.locator(".sheet-item").evaluate_all("items => items.map(i => i.dataset.id)") == chosen
    assert _header_count(fresh) == "My shortlist (5)"          # an empty browser adopts the list it was sent
    width, screen = page_width(fresh)
    assert width <= screen
    other.close()


def test_shortlist_works_without_javascript(browser, busy_site):  # noqa: F811
    context, page = new_page(browser, PHONE, java_script_enabled=False)
    page.goto(f"{busy_site.url}/?q=park+walk")
    page.locator(".shortlist-check input").nth(0).check()
    page.locator(".shortlist-check input").nth(4).check()
    page.locator("text=Print or share the ticked activities").click()
    assert page.locator(".sheet-item").count() == 2
    assert "Ring before you go" in page.locator("#sms").input_value() or "characters" in page.locator("#sms-count").inner_text()
    assert page.locator(".copy-button").is_hidden() and page.locator(".short-link").count() == 1
    page.locator(".remove-button").first.click()
    assert page.locator(".sheet-item").count() == 1
    width, screen = page_width(page)
    assert width <= screen
    screenshot(page, "shortlist-no-javascript-phone")
    context.close()
