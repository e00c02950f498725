"""Known venues: distinctive names placed where other records put them; generic or ambiguous names never."""

import pytest

from assetmap.places.venues import Venue, VenueIndex, venue_key

WATERSIDE = Venue("Sale Waterside Arts Centre", 53.4237, -2.3186, "M33 7ZF")


@pytest.mark.parametrize("name, key", [
    ("Sale Waterside Arts Centre", "sale waterside arts centre"),
    ("St. Mary's Church, Davyhulme", "st marys church davyhulme"),
    ("Church Hall", None),                # generic
    ("Library", None),                    # one word
    ("A B", None),                        # too few letters
])
def test_venue_key(name, key):
    assert venue_key(name) == key


def test_a_venue_named_in_a_description_is_found_longest_name_first():
    index = VenueIndex([WATERSIDE, Venue("Sale Waterside", 53.0, -2.0)])
    assert index.find("We meet in the studio at Sale Waterside Arts Centre on Fridays.") == WATERSIDE


def test_a_name_seen_in_two_places_is_ambiguous_and_never_used():
    index = VenueIndex([Venue("St Johns Church", 53.42, -2.32), Venue("St John's Church", 53.50, -2.10)])
    assert len(index) == 0 and index.find("at St Johns Church") is None


def test_the_same_venue_a_few_metres_apart_is_one_place():
    index = VenueIndex([WATERSIDE, Venue("Sale Waterside Arts Centre", 53.4238, -2.3187)])
    assert index.find("Sale Waterside Arts Centre") == WATERSIDE
