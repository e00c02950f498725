"""Pure: put each activity on the map, or say exactly why it is not there.

Where a record is, is decided in ``assetmap.places.resolve`` for all drafts of a run together (one
postcode lookup, one area assignment): coordinates against the postcode, swapped coordinates, a
postcode written in the text, the district fallback. This step reads each draft's clues and writes
the answer back as its point, its area codes and its Problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assetmap import geo
from assetmap.ingest.records import ActivityDraft, Problem
from assetmap.places.postcodes import PostcodeLookup
from assetmap.places.resolve import Clue, Fix, Flag, assign_areas, locate_clues
from assetmap.places.venues import Venue, VenueIndex
from assetmap.taxonomy import normalise_term
from assetmap.vocab import AREA_KINDS

POSTCODE_TEXT_FIELDS = ("address", "venue", "description")   # feeds often hide the only address in a description


def locate_drafts(drafts: Sequence[ActivityDraft], postcodes: PostcodeLookup, areas: geo.AreaIndex,
                  allow_district: bool = False, venues: VenueIndex | None = None) -> list[ActivityDraft]:
    """Place every activity (the drafts are updated in place and returned).

    A draft with no coordinates and no postcode anywhere in its text is placed at a known venue its
    venue, address or description names (``venues``: those already held, and those this run places).
    """
    located = [d for d in drafts if isinstance(d, ActivityDraft) and not d.deleted]
    if not located:
        return list(drafts)
    fixes = locate_clues([_clue(draft) for draft in located], postcodes, allow_district)
    if venues is not None:
        _place_by_venue(located, fixes, venues)
    assign_areas(fixes, areas)
    for draft, fix in zip(located, fixes):
        _write_back(draft, fix)
    return list(drafts)


def _place_by_venue(drafts: Sequence[ActivityDraft], fixes: list[Fix], venues: VenueIndex) -> None:
    venues.add(Venue(d.venue, f.lat, f.lon, f.postcode) for d, f in zip(drafts, fixes)
               if d.venue and f.lat is not None and f.precision in ("postcode", "coordinates"))
    if not len(venues):
        return
    for draft, fix in zip(drafts, fixes):
        if fix.lat is not None or fix.postcode or draft.given_lat is not None or _said_where(draft):
            continue
        for field in POSTCODE_TEXT_FIELDS:
            venue = venues.find(getattr(draft, field) or "")
            if venue is not None:
                fix.lat, fix.lon, fix.precision, fix.label = venue.lat, venue.lon, "venue", venue.name
                fix.flags.append(Flag(field, "placed_by_venue_name", venue.name,
                                      f"names {venue.name}, placed where other records put it; check the place"))
                break


def _said_where(draft: ActivityDraft) -> bool:
    """A record whose own postcode or coordinates were wrong is left for a person, not placed by a guess."""
    return any(p.reason.endswith("_postcode") or "coordinates" in p.reason or p.reason == "outside_uk" for p in draft.problems)


def _clue(draft: ActivityDraft) -> Clue:
    texts = tuple((field, getattr(draft, field) or "") for field in POSTCODE_TEXT_FIELDS)
    return Clue(postcode=draft.postcode, lat=draft.given_lat, lon=draft.given_lon, texts=texts)


def _write_back(draft: ActivityDraft, fix: Fix) -> None:
    if fix.found_in:
        draft.extra["postcode_found_in"] = fix.found_in
    if fix.postcode and not draft.postcode:
        draft.postcode = fix.postcode
    draft.lat, draft.lon, draft.precision = fix.lat, fix.lon, fix.precision
    if fix.codes:
        for kind in AREA_KINDS:
            setattr(draft, f"{kind}_code", fix.codes[kind])
    draft.problems.extend(Problem(flag.field, flag.reason, flag.value, flag.expected) for flag in fix.flags)


def assign_service_areas(drafts: Sequence[ActivityDraft], codes_by_name: Mapping[str, str]) -> None:
    """A service that covers a whole area ("Trafford") gets that area's code, found by its name."""
    for draft in drafts:
        names = draft.extra.get("service_area_text") or []
        if draft.service_area or not names:
            continue
        found = [codes_by_name.get(normalise_term(name)) for name in names]
        draft.service_area = [code for code in dict.fromkeys(found) if code]


def codes_by_name(names: Mapping[str, str]) -> dict[str, str]:
    """Area name → code from ``{code: name}``; where names clash, a council beats an NHS area beats a ward."""
    rank = lambda code: 0 if code[:3] in ("E06", "E07", "E08", "E09", "W06") else 1 if code.startswith("E54") else 2  # noqa: E731
    found: dict[str, str] = {}
    for code, name in sorted(names.items(), key=lambda item: rank(item[0]), reverse=True):
        found[normalise_term(name)] = code
    return found
