"""The pure builders: ORUK dicts from records, schedules as RFC 5545 fields that read back the same."""

from __future__ import annotations

import doctest
import importlib

import pytest

from assetmap.ingest import feeds
from assetmap.openreferral import build
from assetmap.openreferral.schedules import oruk_schedules
from assetmap.schedule import parse_schedule

from ..factories import make_activity, make_organisation
from .oruk_schema import errors

SCHEDULE_TEXTS = [
    "Every Tuesday 10:00-11:00",
    "Mon & Wed 10-3",
    "2nd and 4th Wednesday 2pm-4pm",
    "Last Friday of the month 1pm - 3pm",
    "Every other Thursday 7pm-9pm",
    "Daily 9am-5pm",
    "Saturday 14 December 2025 10am-2pm",
    "Tuesdays 6 Jan 2026 - 24 Mar 2026 10am-12pm",
    "Every Tuesday 10am-12pm from 6 January 2026 until 24 March 2026",
    "Term time only, Mondays 9.30-11.30",
    "Fridays 10-12, not on bank holidays",
    "Tuesdays & Fridays 12pm - 3pm, Saturdays 10am-1pm",
    "Ring for details",
]


@pytest.mark.parametrize("module", ["assetmap.openreferral.build", "assetmap.openreferral.schedules", "assetmap.openreferral.ids",
                                    "assetmap.openreferral.cache"])
def test_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text", SCHEDULE_TEXTS)
def test_a_schedule_reads_back_from_its_oruk_rules_as_it_was(text):
    parsed = parse_schedule(text)
    entries = oruk_schedules("a1", {"schedule": parsed.detail} if parsed.detail else {}, text, ["in_person"])
    assert entries, text
    assert all(errors("schedule.json", e) == [] for e in entries)
    fields, _ = feeds.oruk_fields({"id": "x", "name": "n", "schedules": entries})
    back = fields["schedule_parsed"]
    assert fields["schedule"] == text
    assert back.detail == parsed.detail and sorted(back.tokens) == sorted(parsed.tokens), text


def test_rules_follow_rfc_5545_as_oruk_asks():
    def rules(text):
        return [{k: v for k, v in e.items() if k not in ("id", "description", "attending_type")}
                for e in oruk_schedules("a1", {"schedule": parse_schedule(text).detail}, text, [])]
    assert rules("2nd and 4th Wednesday 2pm-4pm") == [{"freq": "MONTHLY", "interval": 1, "byday": "2WE,4WE",
                                                       "opens_at": "14:00", "closes_at": "16:00"}]
    assert rules("Every other Thursday 7pm-9pm")[0]["interval"] == 2
    assert rules("Daily 9am-5pm")[0]["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    assert rules("Saturday 14 December 2025 10am-2pm") == [{"dtstart": "2025-12-14", "valid_from": "2025-12-14", "valid_to": "2025-12-14",
                                                            "opens_at": "10:00", "closes_at": "14:00"}]
    ranged = rules("Every Tuesday 10am-12pm from 6 January 2026 until 24 March 2026")[0]
    assert (ranged["valid_from"], ranged["valid_to"], ranged["byday"]) == ("2026-01-06", "2026-03-24", "TU")


def test_a_delivery_without_a_schedule_still_says_how_to_attend():
    assert [{k: v for k, v in e.items() if k != "id"} for e in oruk_schedules("a1", {}, "", ["telephone"])] == [{"attending_type": "By telephone"}]
    assert oruk_schedules("a1", {}, "", []) == []


def _walk(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def test_a_sparse_record_has_no_nulls_and_validates():
    activity = make_activity(description="", website=None, email=None, phone=None, postcode=None, lat=None, lon=None, ward_code=None,
                             icb_code=None, categories=[], delivery=[], schedule_text="", last_verified=None, cost_text="", is_free=None,
                             organisation_id=None)
    found = build.service_json(activity, build.Context(), full=True)
    assert errors("service.json", found) == []
    assert not [k for k, v in _walk(found) if v is None or v == "" or v == []]
    assert set(found) == {"id", "name", "status"}   # nothing else is known of it


def test_private_and_unsafe_values_are_never_built():
    org = make_organisation(email="chair@home.example", phone="07700 900123", website="javascript:alert(1)", charity_number="1234567")
    activity = make_activity(organisation_id=org.id, contact_name="Margaret Whitworth", website="javascript:alert(1)", flags=["invalid_email"],
                             extra={"editor_note": "ring after 6", "alert": "Closed in August"})
    context = build.Context(organisations={org.id: org}, assurer_email="team@assetmap.example")
    found = build.service_json(activity, context, full=True)
    text = repr(found)
    for private in ("chair@home.example", "07700 900123", "Margaret Whitworth", "javascript:", "ring after 6", "invalid_email"):
        assert private not in text
    assert found["alert"] == "Closed in August" and found["assurer_email"] == "team@assetmap.example"
    assert found["organization"]["organization_identifiers"][0]["identifier"] == "1234567"
    assert errors("service.json", found) == []


def test_a_service_delivered_only_by_phone_has_a_postal_address_not_a_place_to_go():
    activity = make_activity(delivery=["telephone"], address="1 High Street, Sale")
    location = build.location_json(activity, build.Context())
    assert location["location_type"] == "postal" and location["addresses"][0]["address_type"] == "postal"
    assert (location["addresses"][0]["address_1"], location["addresses"][0]["city"]) == ("1 High Street", "Sale")
    assert feeds.oruk_fields({"id": "x", "name": "n", "service_at_locations": [{"location": location}]})[0]["delivery"] == []


def test_the_same_venue_is_one_location_for_every_activity_held_there():
    one, two = make_activity(venue="Sale Library", postcode="M33 7ZF"), make_activity(venue="Sale Library", postcode="M33 7ZF")
    other = make_activity(venue="Sale Library", postcode="M33 7ZF", lat=53.0)
    assert build.location_id(one) == build.location_id(two) != build.location_id(other)
    assert build.service_at_location_json(one, build.Context())["id"] != build.service_at_location_json(two, build.Context())["id"]


def test_a_description_that_disagrees_with_the_rules_is_not_read_for_the_schedule():
    rules = [{"freq": "WEEKLY", "byday": "MO", "opens_at": "10:00", "closes_at": "12:00", "description": "Wednesdays 2pm-4pm, term time only"}]
    fields, _ = feeds.oruk_fields({"id": "x", "name": "n", "schedules": rules})
    schedule = fields["schedule_parsed"].schedule
    assert schedule.days == ("mon",) and not schedule.term_time_only
    agreeing = [dict(rules[0], description="Mondays 10am-12pm, term time only")]
    assert feeds.oruk_fields({"id": "x", "name": "n", "schedules": agreeing})[0]["schedule_parsed"].schedule.term_time_only
