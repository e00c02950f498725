import math

import numpy as np

from assetmap.places.postcodes import PostcodeLookup


def _small():
    return PostcodeLookup.from_records(["M33 7XW", "M33 7ZF", "M32 0JT"], [53.4252, 53.4230, 53.4500], [-2.3255, -2.3200, -2.3100], ["E08000009"] * 3)


def test_bulk_lookup_returns_nan_for_unknown_and_invalid():
    lat, lon, lad = _small().lookup_many(["m337xw", "M99 9ZZ", "", None])
    assert lat[0] == 53.4252 and lad[0] == "E08000009"
    assert np.isnan(lat[1:]).all() and list(lad[1:]) == ["", "", ""]


def test_unknown_postcode_falls_back_to_district_only_when_asked():
    lookup = _small()
    assert lookup.find("M33 9ZZ") is None
    match = lookup.find("M33 9ZZ", allow_district=True)
    assert match.precision == "district"
    assert math.isclose(match.lat, (53.4252 + 53.4230) / 2)


def test_invalid_postcode_is_not_found_even_with_district():
    assert _small().find("M33 9Z", allow_district=True) is None


def test_real_directory_places_a_trafford_postcode(settings):
    match = PostcodeLookup.load(settings.cache_dir).find("M33 7XW")
    assert match.precision == "postcode" and match.lad_code == "E08000009"
    assert abs(match.lat - 53.425) < 0.01 and abs(match.lon + 2.3255) < 0.01
