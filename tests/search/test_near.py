"""Where "near" is: postcodes, districts, coordinates and place names from the Area table."""

from __future__ import annotations

import pytest

from assetmap.search import SearchError
from assetmap.search.near import resolve_near, split_place
from assetmap.words import typed_words, words_of

TRAFFORD, MANCHESTER = "E08000009", "E08000003"


def near(catalogue, text):
    return resolve_near(catalogue.session, catalogue.settings, text)


@pytest.mark.parametrize("text", ["M33 7XW", "m337xw", " m33  7xw "])
def test_a_postcode_is_its_point_and_areas(catalogue, text):
    point = near(catalogue, text)
    assert point.precision == "postcode" and point.label == "M33 7XW"
    assert abs(point.lat - 53.4251) < 0.002 and abs(point.lon + 2.3255) < 0.002
    assert point.codes["ward"] == "E05000833" and point.codes["lad"] == TRAFFORD
    assert point.area_code == "E05000833"


def test_a_postcode_district_is_the_middle_of_its_postcodes(catalogue):
    point = near(catalogue, "M33")
    assert point.precision == "district" and point.codes["lad"] == TRAFFORD
    assert 53.40 < point.lat < 53.44


def test_coordinates_are_used_as_given(catalogue):
    point = near(catalogue, "53.4794,-2.2453")
    assert (point.lat, point.lon, point.precision) == (53.4794, -2.2453, "coordinates")
    assert point.codes["lad"] == MANCHESTER


@pytest.mark.parametrize("text, message", [
    ("-2.2453,53.4794", "latitude first"), ("48.85,2.35", "not a place in the UK"),
    ("ZZ9 9ZZ", "postcode"), ("Atlantis", "could not find"),
])
def test_unusable_places_say_what_to_do(catalogue, text, message):
    with pytest.raises(SearchError, match=message):
        near(catalogue, text)


@pytest.mark.parametrize("text, ward", [("Stretford", "E05000836"), ("stretford", "E05000836"),
                                        ("Hale Barns", "E05000830"), ("st marys", "E05000834")])
def test_an_area_name_is_that_area(catalogue, text, ward):
    point = near(catalogue, text)
    assert point.precision == "place" and point.codes["ward"] == ward


def test_a_council_name_is_the_council(catalogue):
    point = near(catalogue, "Trafford")
    assert point.codes == {"lad": TRAFFORD, "stp": "E54000007", "icb": "E54000057"}


def test_an_ambiguous_name_means_the_one_where_the_directory_has_activities(catalogue):
    assert near(catalogue, "Village").codes["lad"] == TRAFFORD   # four wards are called Village
    assert near(catalogue, "St Mary's").codes["lad"] == TRAFFORD


def test_the_start_of_area_names_is_the_middle_of_those_areas(catalogue):
    point = near(catalogue, "Hale")   # Hale Barns + Hale Central
    assert point.label == "Hale" and "ward" not in point.codes and point.codes["lad"] == TRAFFORD
    barns, central = near(catalogue, "Hale Barns"), near(catalogue, "Hale Central")
    assert min(barns.lat, central.lat) <= point.lat <= max(barns.lat, central.lat)


def _split(catalogue, text):
    return split_place(catalogue.session, words_of(text), typed_words(text))


@pytest.mark.parametrize("text, words, place", [
    ("walking near Sale", ["walking"], "Sale"),
    ("walking near sale", ["walking"], "sale"),
    ("walking group in Stretford", ["walking", "group"], "Stretford"),
    ("singing in Altrincham on Sunday", ["singing", "on", "sunday"], "Altrincham"),
    ("knit and natter near hale barns", ["knit", "and", "natter"], "hale barns"),
    ("choir around the Village", ["choir"], "Village"),
    ("Stretford", [], "Stretford"),
    ("walking near m33", ["walking"], "M33"),
    ("vitamin b12", ["vitamin", "b12"], ""),
    ("lunch club in old age", ["lunch", "club", "in", "old", "age"], ""),
    ("walking in sale", ["walking", "in", "sale"], ""),
    ("support in person", ["support", "in", "person"], ""),
    ("near", ["near"], ""),
    ("", [], ""),
])
def test_a_place_in_the_query_is_taken_out_of_the_words(catalogue, text, words, place):
    assert _split(catalogue, text) == (words, place)
