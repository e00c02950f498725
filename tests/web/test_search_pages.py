"""The search and activity pages: clean URLs, near means near, places kept on the page, tidy facts."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from assetmap.web import create_app

from ..conftest import FIXED_NOW
from .conftest import XSS_NAME
from .phone_data import AGEING_NAME, FRESH_NAME, LONG_NAME, LONG_URL, PHONE_NAME, WAITING_NAME, phone_settings


@pytest.fixture(scope="module")
def phone_client(web_settings, tmp_path_factory):
    app = create_app(phone_settings(web_settings, tmp_path_factory.mktemp("phone-pages"), FIXED_NOW))
    yield app.test_client()
    app.extensions["assetmap"]["engine"].dispose()


def _names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<li class="result"[^>]*>\s*<h2><a href="[^"]*">([^<]*)</a>', html)]


def test_empty_arguments_are_dropped_with_a_redirect_to_the_clean_address(client):
    response = client.get("/?q=walking&near=&category=&audience=&day=tue&free=")
    assert response.status_code == 302
    assert parse_qsl(urlsplit(response.headers["Location"]).query) == [("q", "walking"), ("day", "tue")]
    assert client.get("/?q=&near=").headers["Location"] == "/"
    assert client.get("/?q=walking&day=tue").status_code == 200


def test_filters_stay_closed_and_say_how_many_are_set(client):
    html = client.get("/?q=walking&day=tue&day=wed&free=1").get_data(as_text=True)
    assert '<details class="filters">' in html and "(3 set)" in html
    assert "(day, time, cost, type)" in client.get("/?q=walking").get_data(as_text=True)


def test_a_near_search_with_nothing_local_widens_and_says_so(client):
    html = client.get("/?q=walking&near=SK13+8AA").get_data(as_text=True)     # Glossop: 20-odd km from Sale
    note = re.search(r'<p class="widening-note">([^<]*)</p>', html)
    assert note and re.fullmatch(r"Nothing within 3 miles; the nearest are \d+ miles away\.", note.group(1))
    assert _names(html) and "Sale health walk" in _names(html)


def test_a_near_search_with_enough_close_by_keeps_to_the_limit_and_tells_the_map(client):
    html = client.get("/?near=M33+7XW").get_data(as_text=True)
    assert "widening-note" not in html
    geojson = unescape(re.search(r'data-geojson="([^"]*)"', html).group(1))
    assert dict(parse_qsl(urlsplit(geojson).query))["radius_km"] == "4.828"     # the list's 3 miles, for the map too
    assert re.search(r'data-here-lat="53\.\d+" data-here-lon="-2\.\d+" data-here-label="M33 7XW"', html)
    assert re.search(r'<span class="distance">[\d.]+ miles? away</span>', html)


def test_a_town_outside_the_gazetteer_is_found_from_the_ward_names(client):
    response = client.get("/?q=walking&near=Glossop")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "near Glossop" in html and "widening-note" in html


def test_a_town_typed_after_near_in_the_query_is_found_from_the_ward_names(client):
    """"walking near Glossop" in the one box: Glossop names no ward, but "Old Glossop" holds it (capitalised, after "near")."""
    html = client.get("/?q=walking+near+Glossop").get_data(as_text=True)
    assert 'data-here-label="Glossop"' in html and "widening-note" in html
    lower = client.get("/?q=walking+near+glossop").get_data(as_text=True)
    assert "data-here-label" not in lower          # an uncapitalised word stays a search word


def test_a_place_that_cannot_be_found_keeps_the_search_on_the_page_with_close_names(client):
    response = client.get("/?q=walking&near=Stretferd")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and 'id="search-problem"' in html and "We could not find 'Stretferd'" in html
    assert 'value="walking"' in html and 'value="Stretferd"' in html                  # the search is kept
    link = re.search(r'Places with a similar name: <a href="([^"]*)">Stretford</a>', html)
    assert link and ("near", "Stretford") in parse_qsl(urlsplit(link.group(1)).query) and ("q", "walking") in parse_qsl(urlsplit(link.group(1)).query)


def test_a_corrected_word_is_a_plain_statement(client):
    html = client.get("/?q=walkng").get_data(as_text=True)
    assert "Showing results for <strong>walking</strong>." in html and "Did you mean" not in html


def test_results_show_their_area_summary_times_costs_and_capacity(phone_client):
    html = unescape(phone_client.get("/?q=reading").get_data(as_text=True))
    item = html[html.index(LONG_NAME):]
    item = item[:item.index("</li>")]
    assert "We read and talk about books." in item
    assert re.search(r'<a class="area" href="/about#areas">In [^<]+, Trafford</a>', item)
    assert "Wednesdays, 1:30pm to 2:30pm · £2 a session" in item and "Taking new people" in item
    assert 'name="ids" value="' in item and 'class="check shortlist-check"' in item     # the shortlist's hook stays


def test_a_phone_service_for_an_area_says_so_instead_of_a_distance(phone_client):
    html = unescape(phone_client.get("/?q=befriending&near=M33+7XW").get_data(as_text=True))
    item = html[html.index(PHONE_NAME):]
    item = item[:item.index("</li>")]
    assert '<span class="serves">By phone, anywhere in Trafford</span>' in item and "away" not in item


def test_fresher_befriending_comes_before_an_equally_relevant_one_checked_eleven_months_ago(phone_client):
    names = _names(phone_client.get("/?q=lonely").get_data(as_text=True))
    assert FRESH_NAME in names and AGEING_NAME in names and names.index(FRESH_NAME) < names.index(AGEING_NAME)


def test_capacity_is_a_filter(phone_client):
    html = phone_client.get("/?capacity=waiting_list").get_data(as_text=True)
    assert _names(html) == [WAITING_NAME] and 'value="waiting_list" checked' in html


def test_the_activity_page_links_addresses_safely_and_goes_back_to_the_search(phone_client):
    html = phone_client.get("/?q=reading&day=wed").get_data(as_text=True)
    href = unescape(re.search(r'<h2><a href="([^"]*)">' + re.escape(LONG_NAME), html).group(1))
    page = phone_client.get(href).get_data(as_text=True)
    assert f'<a href="{LONG_URL}" rel="nofollow noopener">{LONG_URL}</a>' in page
    assert '<a href="mailto:reading@example.org">reading@example.org</a>' in page
    back = unescape(re.search(r'<a class="back-link" href="([^"]*)">Back to results</a>', page).group(1))
    assert urlsplit(back).path == "/" and parse_qsl(urlsplit(back).query) == [("q", "reading"), ("day", "wed")]
    assert '<span class="venue">Sale Library</span><br><span class="address">Sale Waterside, Sale, M33 7ZF</span>' in page
    assert re.search(r'<dd class="area">In [^<]+, Trafford \(<a href="/about#areas">', page)


def test_back_to_results_never_leaves_the_site(phone_client):
    html = phone_client.get("/?q=reading").get_data(as_text=True)
    activity = unescape(re.search(r'<h2><a href="(/activities/[^"?]*)', html).group(1))
    page = phone_client.get(activity + "?back=https://evil.example.com/%3Fx%3D1").get_data(as_text=True)
    back = unescape(re.search(r'<a class="back-link" href="([^"]*)"', page).group(1))
    assert back.startswith("/?") and "//" not in back


def test_hostile_text_stays_escaped_in_the_new_lines(client):
    html = client.get("/?q=walking").get_data(as_text=True)
    assert XSS_NAME not in html and "<img src=x" not in html


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml" and b"<svg" in response.data


def test_about_states_the_order_of_results(client):
    html = client.get("/about").get_data(as_text=True)
    assert 'id="order"' in html and "checked recently come before" in html and "within 3 miles" in html


def test_a_widened_search_is_logged_once_as_unmet_demand(phone_client):
    import sqlalchemy as sa

    from assetmap.models import SearchLog

    engine = phone_client.application.extensions["assetmap"]["engine"]

    def count() -> int:
        with engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(SearchLog)).scalar()

    before = count()
    assert "widening-note" in phone_client.get("/?q=knit&near=SK13+8AA").get_data(as_text=True)
    assert count() == before + 1
