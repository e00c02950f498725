import re

from .conftest import XSS_DESCRIPTION, XSS_NAME


def _ids_in_list(html: str) -> set[str]:
    return set(re.findall(r'<li class="result" id="activity-([^"]+)"', html))


def test_search_page_lists_the_same_activities_the_map_draws(client):
    html = client.get("/?q=walking").get_data(as_text=True)
    features = client.get("/api/activities.geojson?q=walking").get_json()["features"]
    unlocated = {i["id"] for i in client.get("/api/activities?q=walking").get_json()["items"] if i["lat"] is None}
    assert features and _ids_in_list(html) - unlocated == {f["properties"]["id"] for f in features}
    assert 'data-geojson="/api/activities.geojson?q=walking"' in html


def test_hostile_text_is_escaped_everywhere(client):
    item = next(i for i in client.get("/api/activities?q=walking&per_page=50").get_json()["items"] if i["name"] == XSS_NAME)
    pages = [client.get("/?q=walking").get_data(as_text=True), client.get(f"/activities/{item['id']}").get_data(as_text=True),
             client.get(f"/shortlist?ids={item['id']}").get_data(as_text=True)]
    for html in pages:
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]
    assert XSS_DESCRIPTION in client.get(f"/api/activities/{item['id']}").get_json()["description"]


def test_pages_forbid_inline_scripts(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.get_data(as_text=True))


def test_activity_page_has_freshness_line_and_plain_english(client):
    item = client.get("/api/activities?q=befriending").get_json()["items"][0]
    html = client.get(f"/activities/{item['id']}").get_data(as_text=True)
    assert "Not checked for" in html and "details may be out of date" in html
    assert "By telephone" not in html or "telephone" in html


def test_shortlist_prints_each_activity_with_an_sms_version(client):
    ids = [i["id"] for i in client.get("/api/activities?per_page=2").get_json()["items"]]
    html = client.get("/shortlist?" + "&".join(f"ids={i}" for i in ids)).get_data(as_text=True)
    assert html.count('class="sheet-item"') == 2 and '<textarea id="sms"' in html and "Last checked" in html


def test_unknown_activity_page_is_a_plain_404(client):
    response = client.get("/activities/nope")
    assert response.status_code == 404 and "could not find that activity" in response.get_data(as_text=True)


def test_about_explains_every_acronym(client):
    html = client.get("/about").get_data(as_text=True)
    for acronym, words in [("VCSE", "voluntary"), ("LAD", "local authority district"), ("STP", "sustainability"), ("ICB", "integrated care board")]:
        assert acronym in html and words in html


def test_every_filter_the_issue_names_is_on_the_search_form(client):
    html = client.get("/").get_data(as_text=True)
    for name in ("q", "near", "category", "audience", "day", "time", "delivery", "free", "accessibility"):
        assert f'name="{name}"' in html


def test_paging_keeps_every_other_argument(client):
    html = client.get("/?per_page=2&day=thu&day=tue&status=all").get_data(as_text=True)
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "per_page=2" in next_link and "page=2" in next_link and next_link.count("day=") == 2
