"""``/api/openapi.json`` is true (issue 19): it names every /api/ route and nothing else, and schemathesis
sends generated requests to every operation and finds no server error and no answer it does not allow.

Schemathesis runs in-process against the WSGI app (no server), on a private copy of the web tests'
database (searches that find little write to the unmet-demand log) with the rate limit off, a bounded
number of examples per operation so the whole run stays well under a minute.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from assetmap.web import create_app
from assetmap.web.openapi import ARGUMENT_HELP, document
from assetmap.web.params import ARGUMENTS

from ..factories import private_copy

EXAMPLES = 15   # per operation: enough to find the "²" and huge-number bugs, small enough for a fast suite
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OUTSIDE_API = {"/activities/{activity_id}.ics"}   # documented beside the API because the API page lists it


@pytest.fixture(scope="module")
def api_app(web_settings, tmp_path_factory):
    app = create_app(private_copy(web_settings, tmp_path_factory.mktemp("openapi"), ratelimit_search=""))
    yield app
    app.extensions["assetmap"]["engine"].dispose()


schema = schemathesis.openapi.from_dict(document())   # the document the app serves (checked to be the same below)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_the_document_says(case, api_app):
    case.call_and_validate(app=api_app, checks=CHECKS, headers={"Accept-Encoding": "identity"})   # the WSGI transport does not un-gzip


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_document_names_every_api_route_and_no_other(api_app):
    routes = {_flask_path(r.rule) for r in api_app.url_map.iter_rules() if r.rule.startswith("/api/")}
    documented = set(document()["paths"])
    assert documented - OUTSIDE_API == routes
    assert OUTSIDE_API <= {_flask_path(r.rule) for r in api_app.url_map.iter_rules()}


def test_every_search_argument_is_described():
    assert set(ARGUMENT_HELP) == set(ARGUMENTS), "describe each search argument in assetmap/web/openapi.py ARGUMENT_HELP"


def test_the_document_is_served_and_is_openapi_3_1(api_app):
    body = api_app.test_client().get("/api/openapi.json").get_json()
    assert body["openapi"] == "3.1.0" and body["paths"].keys() == document()["paths"].keys()
    assert {p["name"] for p in body["paths"]["/api/activities"]["get"]["parameters"]} >= {"q", "near", "page", "per_page", "day"}


@pytest.mark.parametrize("value", ["²", "1²", "٣", "9" * 4301, "1" * 7])
def test_page_numbers_in_other_digits_or_too_long_are_a_400_not_a_crash(api_app, value):
    client = api_app.test_client()
    for name in ("page", "per_page"):
        response = client.get("/api/activities", query_string={name: value})
        assert response.status_code == 400 and name in response.get_json()["error"]


def test_the_api_page_lists_each_endpoint_with_an_example_and_the_licence(api_app):
    html = api_app.test_client().get("/api/").get_data(as_text=True)
    for path in ("/api/activities", "/api/activities.csv", "/api/activities.geojson", "/api/activities.ics", "/api/areas.geojson", "/api/coverage"):
        assert f"<code>{path}</code>" in html and f'href="{path}?' in html
    assert "Open Government Licence" in html and "stale" in html and 'href="/api/openapi.json"' in html
