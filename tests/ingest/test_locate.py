import datetime as dt

import pytest

from assetmap.geo import AreaIndex
from assetmap.ingest.clean import clean_row
from assetmap.ingest.locate import locate_drafts
from assetmap.ingest.records import RawRow

from .scenarios import GOOD_ROW, SCENARIOS

TODAY = dt.date(2026, 6, 15)
SALE = {"ward": "E05000833", "lad": "E08000009", "stp": "E54000007", "icb": "E54000057"}


def located(changes, postcodes, area_index, allow_district=False):
    draft = clean_row(RawRow("sheet.csv", 3, GOOD_ROW | changes), TODAY, "sheet")
    locate_drafts([draft], postcodes, area_index, allow_district)
    return draft


def areas_of(draft):
    return {"ward": draft.ward_code, "lad": draft.lad_code, "stp": draft.stp_code, "icb": draft.icb_code}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.stage == "locate"], ids=lambda s: s.name)
def test_location_scenario_gives_its_reason_and_field(scenario, postcodes, area_index):
    draft = located(scenario.changes, postcodes, area_index)
    assert draft.flags == list(scenario.reasons) and [p.field for p in draft.problems] == [scenario.field]


def test_known_postcode_is_placed_with_all_its_areas(postcodes, area_index):
    draft = located({}, postcodes, area_index)
    assert (draft.precision, round(draft.lat, 3), round(draft.lon, 3)) == ("postcode", 53.425, -2.326)
    assert areas_of(draft) == SALE and draft.flags == []


def test_good_coordinates_win_over_the_postcode(postcodes, area_index):
    draft = located({"Lat": "53.4260", "Lng": "-2.3240"}, postcodes, area_index)
    assert (draft.precision, draft.lat, draft.lon) == ("coordinates", 53.426, -2.324)


def test_swapped_coordinates_are_not_placed_without_a_postcode(postcodes, area_index):
    draft = located({"Post Code": "", "Lat": "-2.3255", "Lng": "53.4252"}, postcodes, area_index)
    assert (draft.lat, draft.precision, draft.ward_code) == (None, "none", None)


def test_swapped_coordinates_confirmed_by_the_postcode_are_swapped_back(postcodes, area_index):
    draft = located({"Lat": "-2.3256", "Lng": "53.4251"}, postcodes, area_index)
    assert (draft.lat, draft.lon, draft.precision) == (53.4251, -2.3256, "coordinates")
    assert draft.flags == ["swapped_coordinates"] and "postcode confirms" in draft.problems[0].expected


def test_coordinates_outside_the_uk_fall_back_to_the_postcode(postcodes, area_index):
    draft = located({"Lat": "48.8566", "Lng": "2.3522"}, postcodes, area_index)
    assert draft.flags == ["outside_uk"] and draft.precision == "postcode" and areas_of(draft) == SALE


def test_unknown_postcode_stays_unplaced_unless_district_centres_are_allowed(postcodes, area_index):
    strict = located({"Post Code": "M33 9ZZ"}, postcodes, area_index)
    assert (strict.precision, strict.lat) == ("none", None)
    loose = located({"Post Code": "M33 9ZZ"}, postcodes, area_index, allow_district=True)
    assert loose.precision == "district" and loose.lad_code == "E08000009" and loose.flags == ["unknown_postcode"]


def test_invalid_postcode_is_not_placed(postcodes, area_index):
    draft = located({"Post Code": "M32 0Q"}, postcodes, area_index)
    assert (draft.precision, draft.flags) == ("none", ["invalid_postcode"])


def test_outside_coverage_is_kept_with_its_point(postcodes, area_index):
    draft = located({"Post Code": "SW1A 1AA"}, postcodes, area_index)
    assert draft.precision == "postcode" and draft.lat is not None and areas_of(draft) == dict.fromkeys(SALE)


def test_coordinates_far_from_their_postcode_are_flagged(postcodes, area_index):
    draft = located({"Lat": "53.4808", "Lng": "-2.2426"}, postcodes, area_index)
    assert draft.flags == ["far_from_postcode"] and draft.precision == "coordinates"


def test_without_boundaries_nothing_is_called_outside_coverage(postcodes):
    draft = located({}, postcodes, AreaIndex([]))
    assert draft.flags == [] and draft.precision == "postcode" and draft.ward_code is None


def test_many_drafts_are_located_in_one_pass(postcodes, area_index):
    drafts = [clean_row(RawRow("s.csv", i, GOOD_ROW | {"Activity": f"Group {i}", "Post Code": pc}), TODAY, "s")
              for i, pc in enumerate(["M33 7XW", "M41 0NA", "M32 8AP", "M33 9ZZ", ""], start=2)]
    locate_drafts(drafts, postcodes, area_index)
    assert [d.precision for d in drafts] == ["postcode", "postcode", "postcode", "none", "none"]
    assert len({d.ward_code for d in drafts[:3]}) == 3 and {d.lad_code for d in drafts[:3]} == {"E08000009"}


def test_service_area_named_in_words_gets_its_code():
    from assetmap.ingest.locate import assign_service_areas, codes_by_name

    names = {"E08000009": "Trafford", "E05000833": "Sale Moor", "E54000057": "NHS Greater Manchester", "E05999999": "Trafford"}
    draft = clean_row(RawRow("s.csv", 2, {"Activity": "Phone befriending", "Service area": "Trafford; Mars"}), TODAY, "s")
    assign_service_areas([draft], codes_by_name(names))
    assert draft.service_area == ["E08000009"] and draft.extra["service_area_text"] == ["Trafford", "Mars"]
    assert draft.delivery == ["telephone"]   # no place given: the name says how


def test_a_record_naming_a_known_venue_is_placed_there_and_flagged(ingest, session, tmp_path):
    import sqlalchemy as sa

    from assetmap.models import Activity

    from .scenarios import GOOD_ROW, sheet
    from .test_run_ingest import write

    at_venue = GOOD_ROW | {"Venue": "Sale Waterside Arts Centre", "Post Code": "M33 7ZF"}
    named = GOOD_ROW | {"Activity": "Friday Sketching", "Venue": "", "Post Code": "",
                        "Description": "Bring a pencil: we meet in the studio at Sale Waterside Arts Centre."}
    report = ingest(write(tmp_path, sheet(at_venue, named)))
    sketching = session.scalars(sa.select(Activity).where(Activity.name == "Friday Sketching")).one()
    walking = session.scalars(sa.select(Activity).where(Activity.name == "Sale Walking Group")).one()
    assert (sketching.precision, sketching.lat, sketching.lon) == ("venue", walking.lat, walking.lon)
    assert sketching.lad_code == "E08000009"
    assert "placed_by_venue_name" in sketching.flags
    assert [r.outcome for r in report.rows] == ["accepted", "flagged"]
