"""The same six activities from a spreadsheet and an ORUK feed: listed once in the list, the map and
the API, each with its other listing; each activity page names every source and its check date."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assetmap import db
from assetmap.ingest import ingest_file
from assetmap.search import build_index
from assetmap.web import create_app

DATA = Path(__file__).resolve().parent.parent / "data"
LINKED_FEED_NAMES = {"Walking Group – Sale", "Knit and Natter Group", "Memory Cafe at St Marys", "Mens Shed Urmston",
                     "Chair Based Exercise Class", "Coffee Morning for Carers"}


@pytest.fixture(scope="module")
def dup_app(settings, postcodes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("duplicates")
    app_settings = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'dup.db'}", index_dir=str(folder / "index"), tile_url="")
    engine = db.make_engine(app_settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    for name in ("duplicates_sheet.csv", "duplicates_oruk.json"):
        ingest_file(app_settings, sessions, DATA / name, postcodes=postcodes)
    with sessions() as session:
        build_index(app_settings, session)
    engine.dispose()
    app = create_app(app_settings)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


@pytest.fixture
def dup_client(dup_app):
    return dup_app.test_client()


def all_items(client):
    return client.get("/api/activities?per_page=100").get_json()


def test_each_activity_is_listed_once_and_total_counts_activities_not_listings(dup_client):
    body = all_items(dup_client)
    names = [item["name"] for item in body["items"]]
    assert body["total"] == len(names) == 11          # 17 listings, 6 of them a second listing of the same activity
    assert sum(len(item["also_listed"]) for item in body["items"]) == 6
    assert sum(body["facets"]["freshness"].values()) == 11


def test_the_freshest_listing_is_shown_with_the_other_listed_by_source_and_date(dup_client):
    walk = next(item for item in all_items(dup_client)["items"] if "Walk" in item["name"] and "Sale" in item["name"])
    assert walk["name"] == "Walking Group – Sale"     # checked 3 Jun 2026, the sheet's row 3 May
    [other] = walk["also_listed"]
    assert (other["source"], other["last_verified"]) == ("duplicates_sheet", "2026-05-03")


def test_the_map_shows_the_same_activities_as_the_list(dup_client):
    listed = {item["id"] for item in all_items(dup_client)["items"]}
    features = dup_client.get("/api/activities.geojson?per_page=100").get_json()["features"]
    assert {f["properties"]["id"] for f in features} == listed
    assert sum(len(f["properties"]["also_listed"]) for f in features) == 6


def test_the_list_page_says_who_else_lists_an_activity(dup_client):
    html = dup_client.get("/?per_page=100").get_data(as_text=True)
    assert html.count('class="also-listed"') == 6
    assert "Also listed by <a href=\"/activities/" in html


def test_an_activity_page_lists_each_source_and_its_date(dup_client):
    walk = next(item for item in all_items(dup_client)["items"] if item["name"] == "Walking Group – Sale")
    sheet_id = walk["also_listed"][0]["id"]
    html = dup_client.get(f"/activities/{sheet_id}").get_data(as_text=True)
    assert "Also listed by duplicates_oruk, checked 3 Jun 2026" in html
    assert f'href="/activities/{walk["id"]}"' in html
    item = dup_client.get(f"/api/activities/{sheet_id}").get_json()
    assert item["also_listed"] == [{"id": walk["id"], "source": "duplicates_oruk", "last_verified": "2026-06-03"}]


def test_a_near_miss_is_listed_twice(dup_client):
    names = [item["name"] for item in all_items(dup_client)["items"]]
    assert names.count("Youth Club") == 2 and "Chair Yoga" in names and "Knit and Natter" in names
    assert not LINKED_FEED_NAMES.isdisjoint(names)
