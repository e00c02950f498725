"""All of ../shared/data/community plus the ORUK sample, ingested into one database: exact reports."""

import sqlalchemy as sa

from assetmap.models import Activity, Organisation

# file -> (counts that are not zero, rows with reasons as (line, reasons), organisations added from activity rows)
EXPECTED = {
    "community/gm_food_banks.geojson": ({"read": 171, "accepted": 171}, [], 0),
    "community/gm_libraries.geojson": ({"read": 141, "accepted": 141}, [], 0),
    "community/gm_pharmacies.geojson": ({"read": 631, "accepted": 631}, [], 0),
    "community/trafford_care_homes_cqc.geojson": ({"read": 56, "accepted": 56}, [], 46),
    "community/trafford_community_hubs.geojson": ({"read": 6, "accepted": 6}, [], 0),
    "community/trafford_gp_practices.geojson": ({"read": 26, "accepted": 26}, [], 0),
    "community/trafford_mental_health_services.geojson": ({"read": 60, "accepted": 59, "flagged": 1}, [(53, ["invalid_postcode"])], 0),
    "community/trafford_registered_charities_ccew.csv": (
        {"read": 736, "accepted": 734, "flagged": 2}, [(35, ["invalid_postcode"]), (174, ["invalid_url"])], 0),
    "community/trafford_sports_clubs.geojson": ({"read": 137, "accepted": 136, "flagged": 1}, [(42, ["far_from_postcode"])], 0),
    "feeds/oruk-sample/service_list.json": ({"read": 1, "accepted": 1}, [], 1),
    "feeds/oruk-sample/service_full.json": ({"read": 1, "flagged": 1}, [(1, ["invalid_postcode", "invalid_coordinates"])], 1),
    "feeds/oruk-sample/organization.json": ({"read": 1, "flagged": 1}, [(19, ["invalid_postcode", "invalid_coordinates"])], 1),
    "feeds/oruk-sample/organization_list.json": ({"read": 10, "accepted": 10}, [], 0),
    "feeds/oruk-sample/service_at_location_list.json": ({"read": 1, "flagged": 1}, [(10, ["invalid_coordinates"])], 1),
}
# Likely duplicates of records of files read before: the wellbeing centre is also in the libraries file (100 m away).
LINKED = {"community/trafford_mental_health_services.geojson": [("Partington Library & Wellbeing Centre", "Partington Library and Wellbeing Centre")]}
ZERO = dict.fromkeys(("read", "accepted", "updated", "unchanged", "flagged", "rejected", "duplicate", "blank", "closed"), 0)


def test_all_shared_community_data_and_the_oruk_sample_ingest_exactly(ingest, session, shared_data):
    for relative, (counts, reasons, added) in EXPECTED.items():
        report = ingest(shared_data / relative)
        assert report.counts == ZERO | counts, relative
        assert [(r.line, r.reasons) for r in report.rows if r.reasons] == reasons, relative
        assert report.organisations.get("added from activity rows", 0) == added, relative
        names = [(session.get(Activity, d["id"]).name, session.get(Activity, d["other_id"]).name) for d in report.duplicates]
        assert names == LINKED.get(relative, []), relative
    activities = sum(c["read"] for path, (c, _, _) in EXPECTED.items() if "charities" not in path and "organization_list" not in path)
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == activities == 1232
    assert session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 736 + 10 + 46 + 4


def test_community_layers_are_placed_in_their_wards(ingest, session, shared_data):
    ingest(shared_data / "community/gm_pharmacies.geojson")
    rows = session.execute(sa.select(Activity.precision, Activity.ward_code, Activity.lad_code, Activity.extra)).all()
    assert {r.precision for r in rows} == {"coordinates"}
    assert sum(r.lad_code == r.extra["la_code"] for r in rows) >= 0.98 * len(rows)  # the layer's own council codes agree


def test_second_ingest_of_the_whole_set_is_all_unchanged(ingest, shared_data):
    for relative in EXPECTED:
        ingest(shared_data / relative)
    for relative, (counts, _, _) in EXPECTED.items():
        report = ingest(shared_data / relative)
        assert report.counts == ZERO | {"read": counts["read"], "unchanged": counts["read"]}, relative
