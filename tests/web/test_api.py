import pytest

ITEM_KEYS = {"id", "name", "organisation", "lat", "lon", "delivery", "status", "areas", "freshness", "flags", "url"}


def test_list_has_the_contract_shape(client):
    data = client.get("/api/activities?q=walk").get_json()
    assert set(data) >= {"items", "total", "facets", "page", "per_page", "near", "suggestion"}
    item = data["items"][0]
    assert set(item) >= ITEM_KEYS and "distance_km" not in item
    assert set(item["areas"]) == {"ward", "lad", "stp", "icb"}
    assert set(item["freshness"]) >= {"state", "last_verified", "verified_by", "label"}


def test_near_adds_distance_and_the_resolved_point(client):
    data = client.get("/api/activities?near=M33+7XW").get_json()
    assert data["near"]["areas"]["lad"] == "E08000009"
    located = [i for i in data["items"] if i["lat"] is not None]
    assert located and all(isinstance(i["distance_km"], float) for i in located)


def test_default_hides_closed_and_status_all_shows_it(client):
    names = lambda url: {i["name"] for i in client.get(url).get_json()["items"]}  # noqa: E731
    assert "Closed carers café" not in names("/api/activities?per_page=100")
    assert {"Closed carers café", "Paused lunch club"} <= names("/api/activities?status=all&per_page=100")


def test_stale_record_reports_its_state(client):
    items = client.get("/api/activities?q=befriending").get_json()["items"]
    assert items[0]["freshness"]["state"] == "stale" and "out of date" in items[0]["freshness"]["label"]


@pytest.mark.parametrize("query, word", [("day=someday", "day"), ("per_page=500", "per_page"), ("page=x", "page"),
                                          ("radius_km=-3", "distance"), ("bbox=1,2,3", "bbox"), ("status=gone", "status")])
def test_bad_parameters_are_400_json_naming_the_parameter(client, query, word):
    response = client.get(f"/api/activities.geojson?{query}" if "bbox" in query else f"/api/activities?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and word in body["error"]


def test_unknown_activity_is_404_json(client):
    response = client.get("/api/activities/no-such-id")
    assert response.status_code == 404 and response.get_json()["ok"] is False


def test_geojson_twin_holds_the_located_items_of_the_same_query(client):
    listed = client.get("/api/activities?per_page=100").get_json()["items"]
    features = client.get("/api/activities.geojson?per_page=100").get_json()["features"]
    assert {f["properties"]["id"] for f in features} == {i["id"] for i in listed if i["lat"] is not None}
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_bbox_keeps_only_points_inside(client):
    features = client.get("/api/activities.geojson?per_page=100&bbox=-2.32,53.44,-2.30,53.45").get_json()["features"]
    assert [f["properties"]["name"] for f in features] == ["Stretford singing for lung health"]


def test_javascript_url_is_never_given_as_a_website(client):
    items = client.get("/api/activities?per_page=100").get_json()["items"]
    assert all(i["website"] is None or i["website"].startswith("http") for i in items)


def test_ward_outlines_for_a_box_carry_code_and_name(client):
    data = client.get("/api/areas.geojson?kind=ward&bbox=-2.33,53.42,-2.32,53.43").get_json()
    codes = {f["properties"]["code"] for f in data["features"]}
    assert "E05000833" in codes and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])


def test_outlines_need_a_known_kind_and_a_box(client):
    assert client.get("/api/areas.geojson?kind=parish&bbox=0,0,1,1").status_code == 400
    assert client.get("/api/areas.geojson?kind=ward").status_code == 400
