"""Offline, what the national Open Referral UK validator does, and what it does not yet check.

Read ``/``; validate every endpoint's first, middle and last page and every ``{id}`` endpoint with
ids taken from the lists, against the ORUK 3.0 schemas the OpenAPI document names; then re-query
with values taken from the data and expect the record back; CORS on every response.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from assetmap import db
from assetmap.models import Activity, DuplicateGroup, Verification
from assetmap.openreferral.query import hidden_ids
from assetmap.schedule import local_date

from .conftest import FEED_EMAIL, PRIVATE_CONTACT
from .oruk_schema import errors, openapi

BASE = "/openreferral"
# list endpoint → (schema of the page, schema of one record, the {id} endpoint, per_page that makes several pages)
LISTS = {
    "/services": ("service_list.json", "service.json", "/services/{id}", 25),
    "/service_at_locations": ("service_at_location_list.json", "service_at_location.json", "/service_at_locations/{id}", 25),
    "/organizations": ("organization_list.json", "organization.json", "/organizations/{id}", 10),
    "/taxonomies": ("taxonomy_list.json", "taxonomy.json", "/taxonomies/{id}", 1),
    "/taxonomy_terms": ("taxonomy_term_list.json", "taxonomy_term.json", "/taxonomy_terms/{id}", 5),
}


def _get(feed, path: str, status: int = 200):
    response = feed.get(BASE + path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers.get("Access-Control-Allow-Origin") == "*", path
    return response


def _valid(schema: str, document, where: str) -> None:
    found = errors(schema, document)
    assert not found, f"{where} breaks {schema}: {found[:5]}"


def test_root_names_version_profile_and_an_openapi_document_that_is_served(feed):
    details = _get(feed, "/").get_json()
    _valid("api_details.json", details, "/")
    assert details["version"] == "HSDS-UK-3.0"
    assert details["openapi_url"].startswith("http") and details["openapi_url"].endswith("/openreferral/openapi.json")
    document = _get(feed, "/openapi.json").get_json()
    assert document["paths"].keys() == openapi()["paths"].keys()
    assert document["servers"][0]["url"].endswith("/openreferral")
    assert document["info"]["contact"]["email"] == FEED_EMAIL


def test_every_path_of_the_openapi_document_answers(feed):
    """Each path the ORUK OpenAPI lists is served (ids from the lists)."""
    served = {path for path in openapi()["paths"] if "{" not in path} - {"/"}
    assert served == set(LISTS)


@pytest.mark.parametrize("path", list(LISTS))
def test_first_middle_and_last_page_and_every_id_validate(feed, path):
    page_schema, item_schema, by_id, per_page = LISTS[path]
    first = _get(feed, f"{path}?per_page={per_page}").get_json()
    pages = first["total_pages"]
    assert pages >= 3 or path in ("/taxonomies",), f"{path}: only {pages} pages, the test needs a first, middle and last"
    seen = []
    for number in dict.fromkeys((1, (pages + 1) // 2, pages)):
        listing = _get(feed, f"{path}?per_page={per_page}&page={number}").get_json()
        _valid(page_schema, listing, f"{path} page {number}")
        assert listing["page_number"] == number and listing["size"] == len(listing["contents"]) > 0
        assert listing["first_page"] is (number == 1) and listing["last_page"] is (number == pages)
        assert listing["total_items"] == first["total_items"] and listing["empty"] is False
        seen += [item["id"] for item in listing["contents"]]
    assert len(seen) == len(set(seen)), f"{path}: a record is on two pages"
    for item_id in seen:
        _valid(item_schema, _get(feed, by_id.format(id=item_id)).get_json(), by_id.format(id=item_id))


@pytest.mark.parametrize("query", ["full=true", "full=true&per_page=100&page=2", "minimal=true"])
def test_service_lists_nested_or_minimal_validate(feed, query):
    listing = _get(feed, f"/services?{query}").get_json()
    _valid("service_list.json", listing, f"/services?{query}")
    assert listing["contents"]
    if "full" in query:
        for item in listing["contents"]:
            _valid("service.json", item, f"/services?{query} item {item['id']}")
    else:
        assert listing["total_items"] == len(listing["contents"]), "minimal returns every service on one page"
        assert all(set(item) <= {"id", "name", "status", "last_modified"} for item in listing["contents"])


def test_full_service_at_locations_and_organisations_with_services_validate(feed):
    for path, schema in (("/service_at_locations?full=true&per_page=30", "service_at_location.json"),
                         ("/organizations?full_service=true&per_page=5", "organization.json")):
        listing = _get(feed, path).get_json()
        for item in listing["contents"]:
            _valid(schema, item, f"{path} item {item['id']}")
            for service in item.get("services", []) + ([item["service"]] if "service" in item else []):
                _valid("service.json", service, f"{path} service {service['id']}")


def test_ndjson_streams_every_service_without_paging(feed):
    total = _get(feed, "/services?per_page=1").get_json()["total_items"]
    response = _get(feed, "/services?format=ndjson&full=true")
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(lines) == total and len({s["id"] for s in lines}) == total
    for service in lines[:50]:
        _valid("service.json", service, "ndjson line")


def _full_services(feed) -> list[dict]:
    return [json.loads(line) for line in _get(feed, "/services?format=ndjson&full=true").get_data(as_text=True).splitlines()]


def test_requery_with_values_from_the_data_finds_the_record(feed):
    services = _full_services(feed)
    placed = next(s for s in services if s.get("service_at_locations") and s["service_at_locations"][0]["location"].get("addresses")
                  and s["service_at_locations"][0]["location"]["addresses"][0]["postal_code"])
    sal = placed["service_at_locations"][0]
    postcode = sal["location"]["addresses"][0]["postal_code"]
    near = _get(feed, f"/service_at_locations?postcode={postcode}&proximity=500&per_page=1000").get_json()
    assert sal["id"] in [item["id"] for item in near["contents"]]
    far = _get(feed, "/service_at_locations?postcode=SW1A 1AA&proximity=500&per_page=1000").get_json()
    assert sal["id"] not in [item["id"] for item in far["contents"]]
    in_area = _get(feed, f"/service_at_locations?postcode={postcode}&per_page=1000").get_json()
    assert sal["id"] in [item["id"] for item in in_area["contents"]]

    tagged = next(s for s in services if s.get("attributes"))
    term = tagged["attributes"][0]["taxonomy_term_id"]
    by_term = _get(feed, f"/services?taxonomy_term_id={term}&per_page=1000").get_json()
    assert tagged["id"] in [s["id"] for s in by_term["contents"]]
    assert by_term["total_items"] < len(services)
    assert _get(feed, f"/services?taxonomy_term_id={tagged['id']}").get_json()["empty"] is True   # not a term id

    taxonomy_id = tagged["attributes"][0]["taxonomy_term"]["taxonomy_id"]
    assert tagged["id"] in [s["id"] for s in _get(feed, f"/services?taxonomy_id={taxonomy_id}&per_page=1000").get_json()["contents"]]

    changed = max(services, key=lambda s: s["last_modified"])
    since = _get(feed, f"/services?modified_after={changed['last_modified']}&per_page=1000").get_json()
    assert changed["id"] in [s["id"] for s in since["contents"]]
    assert _get(feed, "/services?modified_after=2999-01-01T00:00:00Z").get_json()["total_items"] == 0

    word = max(tagged["name"].split(), key=len)
    found = _get(feed, f"/services?search={word}&per_page=1000").get_json()
    assert tagged["id"] in [s["id"] for s in found["contents"]]
    assert all(word.lower() in (s["name"] + s.get("description", "")).lower() for s in found["contents"])

    org = tagged["organization_id"]
    by_org = _get(feed, f"/services?organization_id={org}&per_page=1000").get_json()
    assert tagged["id"] in [s["id"] for s in by_org["contents"]] and all(s["organization_id"] == org for s in by_org["contents"])


def test_what_is_published_and_what_never_is(feed, feed_settings, special_ids):
    services = _full_services(feed)
    text = json.dumps(services)
    engine = db.make_engine(feed_settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        published = {s["id"] for s in services}
        closed = set(session.scalars(sa.select(Activity.id).where(Activity.status == "closed")))
        grouped = set(session.scalars(sa.select(DuplicateGroup.activity_id)))
        hidden = hidden_ids(session, local_date(feed_settings.clock()))
        contacts = {c for c in session.scalars(sa.select(Activity.contact_name)) if c and len(c) > 4}
        active = set(session.scalars(sa.select(Activity.id).where(Activity.status.in_(("active", "paused")))))
        checks = dict(session.execute(sa.select(Verification.activity_id, sa.func.max(Verification.verified_at))
                                      .group_by(Verification.activity_id)).all())
        verified = dict(session.execute(sa.select(Activity.id, Activity.last_verified)).all())
    engine.dispose()
    assert published == active - hidden
    assert not published & closed
    assert grouped and hidden & grouped and not published & hidden
    assert special_ids["kept"] in published and not {special_ids[k] for k in ("closed", "ended", "dropped")} & published
    for role in ("closed", "ended", "dropped"):
        _get(feed, f"/services/{special_ids[role]}", 404)
    assert PRIVATE_CONTACT in contacts and not [c for c in contacts if c in text], "contact names are never published"
    for forbidden in ('"flags"', '"raw"', '"extra"', '"notes"', "null"):
        assert forbidden not in text
    for service in services:   # the last check of the verification history, whoever or whatever made it
        latest = max([d for d in (checks.get(service["id"]), verified[service["id"]]) if d is not None], default=None)
        assert service.get("assured_date") == (latest.date().isoformat() if latest else None), service["id"]
    assurers = {s.get("assurer_email") for s in services} - {None}
    assert assurers == {FEED_EMAIL}
    assert any(s["status"] == "temporarily closed" for s in services)


def test_service_areas_are_ons_codes_and_schedules_rfc5545(feed):
    services = _full_services(feed)
    areas = [a for s in services for a in s.get("service_areas", [])]
    assert areas and all(a["uri"].startswith("http://statistics.data.gov.uk/id/statistical-geography/E") for a in areas)
    assert {a["uri"].rsplit("/", 1)[1][:3] for a in areas} >= {"E05", "E54"}   # wards and ICBs
    schedules = [r for s in services for r in s.get("schedules", [])]
    assert {r.get("freq") for r in schedules} >= {"WEEKLY", "MONTHLY"}
    for rule in schedules:
        if "byday" in rule:
            assert all(part[-2:] in ("MO", "TU", "WE", "TH", "FR", "SA", "SU") for part in rule["byday"].split(","))
        for key in ("opens_at", "closes_at"):
            if key in rule:
                assert len(rule[key]) == 5 and rule[key][2] == ":"


@pytest.mark.parametrize("path", ["/services/not-an-id", "/service_at_locations/nope", "/organizations/nope", "/taxonomies/nope",
                                  "/taxonomy_terms/nope"])
def test_unknown_ids_are_json_404s_with_cors(feed, path):
    body = _get(feed, path, 404).get_json()
    assert body["status"] == 404 and body["ok"] is False


@pytest.mark.parametrize("query", ["page=0", "per_page=abc", "per_page=100000", "modified_after=yesterday", "proximity=100",
                                   "postcode=ZZ99 9ZZ&proximity=100", "postcode=M33 7XW&proximity=-5"])
def test_bad_arguments_are_json_400s_with_cors(feed, query):
    body = _get(feed, f"/service_at_locations?{query}", 400).get_json()
    assert body["status"] == 400 and body["error"]


def test_a_page_past_the_end_is_empty(feed):
    listing = _get(feed, "/services?page=9999").get_json()
    _valid("service_list.json", listing, "page past the end")
    assert listing["empty"] is True and listing["contents"] == [] and listing["last_page"] is True


def test_answers_are_reused_for_the_cache_time_and_say_so(feed, feed_settings):
    first = _get(feed, "/services?per_page=7&page=2")
    assert first.headers["Cache-Control"] == f"public, max-age={feed_settings.feed_cache_s}"
    assert _get(feed, "/services?per_page=7&page=2").get_data() == first.get_data()
    assert "Cache-Control" not in _get(feed, "/services/nope", 404).headers



def test_a_bug_is_a_json_500_with_cors_and_not_cached(feed, monkeypatch):
    from assetmap.web import openreferral

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(openreferral.build, "taxonomy_json", broken)
    body = _get(feed, "/taxonomies?search=bug-test", 500).get_json()
    assert body["status"] == 500 and "a bug" not in body["error"]
    monkeypatch.undo()
    assert _get(feed, "/taxonomies?search=bug-test").get_json()["empty"] is True
