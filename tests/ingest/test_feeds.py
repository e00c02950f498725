"""Feed records (ORUK 3.0, ORUK 1.x, OpenActive) through clean_row and locate."""

import datetime as dt
from pathlib import Path

import pytest

from assetmap.ingest.clean import clean_row
from assetmap.ingest.locate import locate_drafts
from assetmap.ingest.readers import read_rows
from assetmap.ingest.records import ActivityDraft, Rejection

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = dt.date(2026, 6, 15)


def cleaned(path, fmt=None):
    return [clean_row(raw, TODAY, "feed") for raw in read_rows(path, fmt)]


@pytest.fixture
def counselling(shared_data):
    (draft,) = cleaned(shared_data / "feeds/oruk-sample/service_full.json")
    return draft


def test_oruk_3_service_fields(counselling):
    d = counselling
    assert (d.name, d.website, d.email, d.status, d.contact_name) == (
        "Community Counselling", "http://example.com/counselling", "email@example.com", "active", "Ann Persona")
    assert (d.cost_text, d.is_free) == ("£35 per 1 hour session (Under 18s and Over 60s)", False)
    assert d.audience == ["Ages 12 to 100", "Young people", "Adults"] and d.venue == "MyCity Civic Center"
    assert d.accessibility[0].startswith("The building is equipped with induction loops")
    assert d.extra["alert"].startswith("Following COVID-19")


def test_oruk_schedule_is_structured_and_its_description_kept(counselling):
    assert counselling.schedule == ["thu morning", "thu afternoon", "thu evening", "fri morning", "fri afternoon", "fri evening"]
    assert counselling.extra["schedule"]["opens"] == "10:00" and counselling.extra["schedule"]["closes"] == "18:00"
    assert counselling.schedule_text.startswith("The service is available from 10 am to 6pm")


def test_oruk_assured_date_is_the_verification(counselling):
    assert counselling.last_verified == dt.datetime(2005, 1, 1, tzinfo=dt.UTC)
    assert (counselling.verified_by, counselling.verified_how) == ("email@example.com", "source_assured")
    assert counselling.extra["source_last_modified"] == "2023-03-15"


def test_oruk_nested_organisation_with_identifiers(counselling):
    org = counselling.organisation
    assert (org.name, org.company_number, org.source_id) == ("Example Organization Inc.", "1234567", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")


def test_oruk_sample_impossible_place_is_flagged_not_placed(counselling, postcodes, area_index):
    locate_drafts([counselling], postcodes, area_index)
    assert counselling.flags == ["invalid_postcode", "invalid_coordinates"] and counselling.precision == "none"


@pytest.fixture(scope="module")
def legacy():
    return cleaned(DATA / "oruk_legacy_services.json", "oruk")


def test_legacy_html_description_is_clean_text_and_raw_is_kept(legacy):
    first = legacy[0]
    assert first.description == ("Breathe Easy\n\nA friendly support group for people living with a lung condition and their carers."
                                 "\n\nCall 0161 000 0001 or see our page (https://example.org/breathe).")
    assert "<h3>" in first.raw["description"] and first.website == "https://example.org/breathe"


def test_legacy_fields_audience_schedule_and_supplier_extras(legacy):
    first = legacy[0]
    assert first.audience == ["Older people", "Parents", "Grandparents"]
    assert first.categories == ["lung-health", "older-people", "parents-families"]
    assert first.schedule == ["tue afternoon"] and first.extra["schedule"]["week_of_month"] == 2
    assert first.accessibility == ["Step-free access"] and first.extra["pc_metadata"] == {"source": "supplier extra field"}
    assert first.last_verified == dt.datetime(2019, 5, 1, tzinfo=dt.UTC)


def test_legacy_record_saying_suspended_is_flagged(legacy):
    assert legacy[1].status == "active" and legacy[1].flags == ["says_suspended"]


def test_legacy_record_with_no_name_is_rejected_with_its_line(legacy):
    assert isinstance(legacy[2], Rejection) and (legacy[2].line, legacy[2].reason, legacy[2].source_id) == (28, "missing_name", "svc-003")


def test_legacy_several_venues_keep_the_others_and_status_words_map(legacy):
    carers = legacy[3]
    assert carers.status == "paused" and carers.venue == "Urmston Library"
    assert [loc["postcode"] for loc in carers.extra["other_locations"]] == ["M31 4FA", "WA14 2SZ"]


def test_postcode_only_in_the_description_places_the_record(legacy, postcodes, area_index):
    memory = legacy[1]
    locate_drafts([memory], postcodes, area_index)
    assert (memory.postcode, memory.precision, memory.lad_code) == ("M32 8AP", "postcode", "E08000009")
    assert memory.extra["postcode_found_in"] == "description"


def test_openactive_session_series():
    walking_netball, chair_yoga = cleaned(DATA / "openactive_page1.json")
    assert (walking_netball.name, walking_netball.cost_text, walking_netball.is_free) == ("Walking Netball", "£3.50", False)
    assert walking_netball.schedule == ["wed morning"] and walking_netball.audience == ["Ages 50 and over", "Older people"]
    assert walking_netball.organisation.name == "Trafford Netball Club" and walking_netball.postcode == "M33 2AL"
    assert (walking_netball.given_lat, walking_netball.given_lon) == (53.4237, -2.3186)
    assert chair_yoga.is_free is True and chair_yoga.schedule == ["mon evening"]


def test_openactive_deleted_item_is_a_closure_with_the_same_id():
    deleted, _ = cleaned(DATA / "openactive_page2.json")
    _, chair_yoga = cleaned(DATA / "openactive_page1.json")
    assert isinstance(deleted, ActivityDraft) and deleted.deleted and deleted.id == chair_yoga.id
