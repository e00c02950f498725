"""Where "near" is, for search: the point a near box means, and a place named inside the query.

People type "M33 7XW", "M33", "Sale", "Stretford" or "53.42,-2.34", in a near box or inside the
query ("walking near Sale"). ``assetmap.places`` says where each of those is; this module turns
its answer into a ``NearPoint`` or a ``SearchError`` a resident can act on, and takes a place out
of the query's words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.config import Settings
from assetmap.places.cache import area_index, postcode_lookup
from assetmap.places.gazetteer import Gazetteer, find_place, gazetteer
from assetmap.places.resolve import Clue, Fix, codes_at, locate_clues, read_query
from assetmap.search.errors import SearchError
from assetmap.vocab import AREA_KINDS

PREPOSITIONS = ("near", "in", "around", "at", "nr", "by", "round")
MAX_PLACE_WORDS = 4


@dataclasses.dataclass(frozen=True)
class NearPoint:
    lat: float
    lon: float
    label: str
    precision: str                 # postcode | district | place | coordinates
    codes: dict[str, str]          # area codes of the point: ward, lad, stp, icb (those known)

    @property
    def area_code(self) -> str | None:
        """The most local area code known: what the search log records instead of the postcode."""
        return next((self.codes[k] for k in AREA_KINDS if self.codes.get(k)), None)


def resolve_near(session: Session, settings: Settings, text: str) -> NearPoint:
    """The point a "near" text means, or a SearchError a resident can act on."""
    text = " ".join(str(text).split())[:100]
    clue = read_query(text)
    fix = locate_clues([clue], lambda: postcode_lookup(settings), allow_district=True,
                       find_place=lambda name: find_place(session, name))[0]
    if fix.lat is None:
        raise SearchError(_not_found(text, clue, fix))
    codes = fix.codes if fix.precision == "place" else codes_at(area_index(session), fix)
    return NearPoint(fix.lat, fix.lon, fix.label, fix.precision, codes)


def _not_found(text: str, clue: Clue, fix: Fix) -> str:
    if clue.lat is not None:
        if any(flag.reason == "swapped_coordinates" for flag in fix.flags):
            return f"{text!r} looks like longitude then latitude; write the latitude first, e.g. 53.42,-2.34"
        return f"{text!r} is not a place in the UK; try a postcode or a town"
    if clue.postcode:
        return f"We could not find the postcode {clue.postcode}. Check it, or try a town or area name."
    return f"We could not find {text!r}. Try a postcode (like M33 7XW) or a town or area name."


def _is_place(places: Gazetteer, words: Sequence[str], typed: Sequence[str], after_near: bool) -> bool:
    """A run of query words names a place: exactly, or as the start of names when typed like a name."""
    if places.exact(words):
        return True
    capitalised = bool(typed) and typed[0][:1].isupper()
    if not ((after_near or capitalised) and len(words[0]) >= 3):
        return False
    if places.starting_with(words):
        return True
    # "walking near Glossop": a town that names no ward or council of its own, inside a ward's name ("Old Glossop");
    # only a capitalised name after "near", so everyday words ("near water") stay words.
    return after_near and capitalised and len(words[0]) >= 4 and bool(places.containing(words))


def split_place(session: Session, words: Sequence[str], typed: Sequence[str]) -> tuple[list[str], str]:
    """("walking near Sale") → (["walking"], "Sale"): a place or postcode district after near/in/around…
    taken out of the words.

    ``typed`` are the same words as the person typed them (capitals kept), or [] when unknown.
    A whole query that is exactly a place name is a place too ("Stretford").
    """
    typed = list(typed) if len(typed) == len(words) else list(words)
    if not words:
        return [], ""
    places = gazetteer(session)
    if places.exact(words):
        return [], " ".join(typed)
    for i in range(len(words) - 2, -1, -1):
        if words[i] not in PREPOSITIONS:
            continue
        start = i + 2 if words[i + 1] == "the" and i + 2 < len(words) else i + 1
        if geo.is_outward_code(words[start]) and any(ch.isdigit() for ch in words[start]):  # "near M33"
            return [*words[:i], *words[start + 1:]], words[start].upper()
        for length in range(min(MAX_PLACE_WORDS, len(words) - start), 0, -1):
            candidate = list(words[start:start + length])
            if _is_place(places, candidate, typed[start:start + length], words[i] == "near"):
                return [*words[:i], *words[start + length:]], " ".join(typed[start:start + length])
    return list(words), ""
