"""Known venues: a record that names its venue only in words ("at Sale Waterside") is placed where
other records of that venue are.

Real feeds often give no postcode at all, but the same halls and libraries recur across records
and sources. A venue name is used only when it is distinctive (two words or more, not a generic
"church hall") and unambiguous (every record naming it puts it in the same place, within
``SAME_PLACE_KM``); a place found this way has precision ``venue`` and is flagged for a person to
check, never passed off as a postcode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from assetmap import geo
from assetmap.words import words_of

SAME_PLACE_KM = 0.2
MIN_WORDS, MAX_WORDS, MIN_LETTERS = 2, 6, 8
GENERIC = frozenset({
    "church hall", "community centre", "community center", "village hall", "the library", "public library", "town hall",
    "parish hall", "scout hut", "sports centre", "leisure centre", "health centre", "medical centre", "the park",
    "local park", "community hall", "main hall", "function room", "meeting room", "youth centre", "family hub",
    "childrens centre", "day centre", "the pub", "coffee shop", "high street", "online", "by phone", "various venues",
})


@dataclasses.dataclass(frozen=True)
class Venue:
    name: str
    lat: float
    lon: float
    postcode: str | None = None


def venue_key(name: str) -> str | None:
    """The words a venue is known by, or None when the name is too short or too generic to trust.

    >>> venue_key("Sale Waterside Arts Centre"), venue_key("Church Hall")
    ('sale waterside arts centre', None)
    """
    words = words_of(name or "")
    key = " ".join(words)
    if not MIN_WORDS <= len(words) <= MAX_WORDS or len(key.replace(" ", "")) < MIN_LETTERS or key in GENERIC:
        return None
    return key


class VenueIndex:
    """Distinctive venue names and the one place each stands; names seen in two places are dropped."""

    def __init__(self, venues: Iterable[Venue] = ()):
        self._by_key: dict[str, Venue | None] = {}
        self.add(venues)

    def __len__(self) -> int:
        return sum(1 for v in self._by_key.values() if v is not None)

    def add(self, venues: Iterable[Venue]) -> None:
        for venue in venues:
            key = venue_key(venue.name)
            if key is None:
                continue
            held = self._by_key.get(key, venue)
            same = held is not None and geo.haversine_km(held.lat, held.lon, venue.lat, venue.lon) <= SAME_PLACE_KM
            self._by_key[key] = held if same else None

    def find(self, text: str) -> Venue | None:
        """The first known venue named in the text, longest names first (so "Sale Waterside" loses to its arts centre)."""
        words = words_of(text or "", limit=None)
        for size in range(min(MAX_WORDS, len(words)), MIN_WORDS - 1, -1):
            for start in range(len(words) - size + 1):
                venue = self._by_key.get(" ".join(words[start:start + size]))
                if venue is not None:
                    return venue
        return None
