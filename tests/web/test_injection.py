"""An XSS and injection corpus through every public page, the API, the feeds and the exports.

Every text field of one organisation and its activities holds a payload (markup, event handlers,
``javascript:`` links, template syntax, SQL, spreadsheet formulas), and searches carry them too.
Each response is parsed: HTML must hold no script the templates did not write, no inline event
handler, no ``javascript:`` or ``data:`` link; JSON must be JSON; CSV cells must never start a
formula. Payloads may appear as text (escaped), which is what they are.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from ..factories import app_over, build_directory, make_activity, make_organisation

PAYLOADS = [
    '<script>alert("s1")</script>',
    '"><img src=x onerror=alert("s2")>',
    "javascript:alert('s3')",
    "</textarea></script><script>alert('s4')</script>",
    "<svg/onload=alert('s5')>",
    "{{7*7}}{% raw %}${7*7}",
    "'; DROP TABLE activity;--",
    '=HYPERLINK("http://evil.example","s8")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "data:text/html,<script>alert('s11')</script>",
    "<a href=\"javascript:alert('s12')\">x</a>",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _payload_activities():
    org = make_organisation(name=PAYLOADS[0], description=PAYLOADS[1], website=PAYLOADS[2], email="x@example.org", phone=PAYLOADS[6])
    activities = []
    for i, payload in enumerate(PAYLOADS):
        activities.append(make_activity(
            name=f"Walking {payload}", description=f"Walk {payload} https://example.org/{i}?q={payload[:5]} mail walk@example.org",
            website=payload, venue=payload, address=payload, schedule_text=payload, cost_text=payload, contact_name=payload,
            audience=[payload], accessibility=[payload], organisation_id=org.id, source_id=f"xss-{i}",
            extra={"schedule": {"days": ["tue"], "opens": "10:00", "closes": "11:00", "frequency": "weekly"}}))   # so the .ics has an event
    return org, activities


@pytest.fixture(scope="module")
def hostile_app(settings, tmp_path_factory, shared_data):
    org, activities = _payload_activities()
    hostile = build_directory(settings, tmp_path_factory.mktemp("hostile-web"), shared_data, org, activities)
    with app_over(hostile) as app:
        yield app, [a.id for a in activities]


def _html_urls(ids):
    one = ids[0]
    urls = ["/", "/?q=walking", "/about", "/shortlist", f"/shortlist?ids={','.join(ids[:5])}", f"/activities/{one}",
            f"/activities/{one}/report", "/login", "/coverage", "/api/"]
    for payload in PAYLOADS:
        urls += [f"/?q={payload}", f"/?near={payload}", f"/?q=walk&category={payload}", f"/login?next={payload}",
                 f"/activities/{payload}", f"/coverage?within={payload}"]
    return urls


def _assert_safe_html(url: str, body: str) -> None:
    parser = _Tags()
    parser.feed(body)
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (url, tag, name, value)
            if name in ("href", "src", "action", "formaction", "srcset") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (url, tag, name, value)
    for script in parser.scripts:
        assert "alert(" not in script, (url, script[:200])
    assert "<script>alert" not in body and "<svg/onload" not in body, url  # escaped, these read &lt;script&gt;…


def test_every_page_escapes_every_payload(hostile_app):
    app, ids = hostile_app
    client = app.test_client()
    for url in _html_urls(ids):
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, (url, response.status_code)
        if response.mimetype == "text/html":
            _assert_safe_html(url, response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/api/activities?q=walking", "/api/activities?q=<script>", "/openreferral/services",
                                  "/openreferral/services?search=<script>alert(1)</script>", "/api/activities.geojson"])
def test_json_answers_are_json_whatever_the_payload(hostile_app, path):
    app, ids = hostile_app
    response = app.test_client().get(path)
    assert response.status_code < 500 and response.is_json, (path, response.status_code, response.mimetype)
    json.loads(response.get_data(as_text=True))


def test_api_records_and_feed_records_carry_payloads_as_plain_strings(hostile_app):
    app, ids = hostile_app
    client = app.test_client()
    record = client.get(f"/api/activities/{ids[0]}").get_json()
    assert PAYLOADS[0] in record["name"]
    service = client.get(f"/openreferral/services/{ids[0]}")
    assert service.status_code == 200 and PAYLOADS[0] in service.get_json()["name"]


def test_csv_export_never_starts_a_cell_with_a_formula(hostile_app):
    app, _ = hostile_app
    response = app.test_client().get("/api/activities.csv?q=walking")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) > len(PAYLOADS) // 2
    assert not [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'+cmd") or c.startswith("'@SUM") for c in cells)


def _is_number(text: str) -> bool:
    """A negative number (a longitude) is data, not a formula, and stays a number for the spreadsheet."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_calendar_export_escapes_text(hostile_app):
    from icalendar import Calendar

    app, ids = hostile_app
    response = app.test_client().get(f"/activities/{ids[3]}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.get_data())
    summaries = [str(c.get("summary")) for c in calendar.walk("VEVENT")]
    assert summaries and PAYLOADS[3] in summaries[0]
