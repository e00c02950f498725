import doctest

import numpy as np
import pytest
import shapely

from assetmap import freshness, geo

from . import geo_samples as gs


def test_doctests_in_geo_and_freshness_pass():
    for module in (geo, freshness):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        (" m33  7xw", "M33 7XW"),
        ("M337XW", "M33 7XW"),
        ("sw1a1aa", "SW1A 1AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("GIR 0AA", "GIR 0AA"),
        ("M32 0Q", None),  # inward code too short
        ("M33 7XWX", None),
        ("33 7XW", None),
        ("M33 7CW", None),  # C is never used in the inward letters
        ("", None),
        (None, None),
        ("not a postcode", None),
    ],
)
def test_normalise_postcode(text, expected):
    assert geo.normalise_postcode(text) == expected


def test_find_postcodes_in_free_text():
    text = "Meet at the Sale Waterside (m33 7zf) or online; Stretford M32 0JT too. Ref 12345."
    assert geo.find_postcodes(text) == ["M33 7ZF", "M32 0JT"]


@pytest.mark.parametrize(
    "lat, lon, verdict",
    [
        (53.42, -2.34, "ok"),
        (-2.34, 53.42, "swapped"),
        (48.85, 2.35, "outside_uk"),  # Paris
        (0.0, 0.0, "outside_uk"),
        (200.0, 400.0, "invalid"),
        (float("nan"), -2.3, "invalid"),
        (None, -2.3, "invalid"),
    ],
)
def test_classify_coordinates(lat, lon, verdict):
    assert geo.classify_coordinates(lat, lon) == verdict


def test_parse_latlon_rejects_text():
    assert geo.parse_latlon("53.42,-2.34") == (53.42, -2.34)
    assert geo.parse_latlon("53.42 -2.34") == (53.42, -2.34)
    assert geo.parse_latlon("Sale") is None


def test_haversine_km_manchester_to_london_is_about_262_km():
    assert geo.haversine_km(53.4808, -2.2426, 51.5072, -0.1276) == pytest.approx(262, abs=3)


def test_repair_polygon_makes_a_bowtie_valid_and_keeps_its_area():
    repaired = geo.repair_polygon(gs.BOWTIE)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(50.0)


def _index():
    return geo.AreaIndex([
        geo.AreaShape("ward", "A", gs.SQUARE, {"lad": "LAD1", "stp": "STP1"}),
        geo.AreaShape("ward", "B", gs.NEIGHBOUR, {"lad": "LAD1", "stp": "STP2"}),
        geo.AreaShape("ward", "H", gs.SQUARE_WITH_HOLE, {}),
        geo.AreaShape("lad", "LAD1", shapely.box(0, 0, 20, 10)),
        geo.AreaShape("lad", "LAD9", shapely.box(25, -5, 45, 15)),
    ])


def test_point_inside_gets_ward_and_parents_from_lookup():
    (x, y) = gs.INSIDE_A
    assert _index().areas_at(y, x) == {"ward": "A", "lad": "LAD1", "stp": "STP1", "icb": None}


def test_point_on_shared_boundary_is_covered_not_dropped():
    (x, y) = gs.ON_SHARED_EDGE
    assert _index().areas_at(y, x)["ward"] in {"A", "B"}


def test_point_in_a_hole_is_not_in_the_ward_but_lad_polygon_still_counts():
    (x, y) = gs.IN_HOLE
    assert _index().areas_at(y, x) == {"ward": None, "lad": "LAD9", "stp": None, "icb": None}


def test_ward_lookup_parent_wins_over_own_polygon_and_polygon_fills_gaps():
    index = _index()
    result = index.assign([5.0, 5.0], [15.0, 35.0])  # ward B (lookup LAD1), hole (polygon LAD9)
    assert list(result["lad"]) == ["LAD1", "LAD9"]
    assert list(result["stp"]) == ["STP2", None]


def test_assign_in_bulk_handles_outside_and_nan_points():
    result = _index().assign([5.0, 100.0, np.nan], [5.0, 100.0, np.nan])
    assert list(result["ward"]) == ["A", None, None]


def test_to_feature_keeps_properties_and_allows_no_location():
    feature = geo.to_feature(-2.3, 53.4, {"name": "<b>x</b>"})
    assert feature["geometry"] == {"type": "Point", "coordinates": [-2.3, 53.4]}
    assert feature["properties"]["name"] == "<b>x</b>"
    assert geo.to_feature(None, None, {})["geometry"] is None
