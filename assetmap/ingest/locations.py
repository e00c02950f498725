"""Pure: locations-table rows as venues, and a service placed at the venues it names.

A service at one venue keeps the id the single-file path gives a row (its name and place), and
only has its gaps filled from the venue (its own postcode stands). A service at several venues is
one activity per venue, each with an id from the service and the venue (``at_venue_key``), so a
re-import finds each even when the venue's postcode is corrected.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from assetmap import geo
from assetmap.ingest import headers, values
from assetmap.ingest.clean import normalise_name, record_key, stable_id
from assetmap.ingest.names import Match, NameIndex, resolve_names, unresolved
from assetmap.ingest.records import ActivityDraft, Problem, RawRow, Rejection

LOCATION_REF_COLUMNS = {"locationid", "locationids", "venueid", "venueids", "siteid", "locationref", "venueref"}


@dataclasses.dataclass
class Location:
    """A venue from a locations table (with its address from an Open Referral addresses table)."""

    file: str
    line: int
    name: str
    source_id: str | None = None
    address: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    accessibility: list[str] = dataclasses.field(default_factory=list)
    virtual: bool = False
    record: dict[str, Any] = dataclasses.field(default_factory=dict)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    used: bool = False

    @property
    def key(self) -> str:
        return f"id:{self.source_id}" if self.source_id else f"name:{normalise_name(self.name)}"


@dataclasses.dataclass(frozen=True)
class Place:
    """Where one activity of a service is: a location, a channel ("online", "telephone"), or a name that joined nothing."""

    key: str
    location: Location | None = None
    channel: str | None = None
    given: str = ""
    problem: Problem | None = None


def fields_of(record: Mapping[str, Any]) -> dict[str, Any]:
    fields, _ = headers.split_record(record, headers.map_headers(record))
    return fields


def _number(value: Any) -> float | None:
    try:
        return float(values.plain(value)) if values.plain(value) else None
    except ValueError:
        return None


def location_from_row(raw: RawRow, label: str) -> Location | Rejection:
    fields = fields_of(raw.record)
    name = values.plain(fields.get("name")) or values.plain(fields.get("venue"))
    source_id = values.identifier(fields.get("source_id"))
    if not name and not source_id:
        return Rejection(raw.file, raw.line, "name", "missing_name", "has no name or id: no service can name this location", raw.record)
    place = Location(raw.file, raw.line, name or source_id or "", source_id, values.plain(fields.get("address")) or None,
                     record=raw.record, lat=_number(fields.get("lat")), lon=_number(fields.get("lon")))
    place.accessibility = values.tidy_tags(values.split_values(fields.get("accessibility")))
    place.virtual = values.plain(raw.record.get("location_type")).lower() == "virtual"
    set_postcode(place, fields.get("postcode"), label)
    return place


def set_postcode(place: Location, value: Any, label: str) -> None:
    text = values.plain(value)
    if text and not values.is_placeholder(text):
        place.postcode = geo.normalise_postcode(text)
        if place.postcode is None:
            place.problems.append(Problem(label, "invalid_postcode", text[:40], f"is not a valid UK postcode (location {place.name!r})"))


def ids_in(record: Mapping[str, Any], columns: set[str]) -> list[str]:
    """Ids a row gives in id columns ("Location ID", "organization_id"), lists split."""
    found = [values.split_values(v) for k, v in record.items() if headers.header_key(k) in columns]
    return [i for ids in found for i in ids]


def places_of(raw: RawRow, fields: Mapping[str, Any], locations: NameIndex | None,
              sal_locations: Sequence[Location]) -> tuple[list[Place], list[Problem]]:
    """The places a service row names (through service_at_location rows, by id, or by name) and what went wrong.

    ``locations`` is None when there is no locations table: a venue cell is then left as the row gave it.
    """
    places: dict[str, Place] = {}
    problems: list[Problem] = []
    for location in sal_locations:
        places.setdefault(location.key, Place(location.key, location))
    for ref in ids_in(raw.record, LOCATION_REF_COLUMNS):
        found = locations.by_id.get(ref) if locations else None
        if found is None:
            problems.append(Problem("location id", "unresolved_location", ref, "names no location id in the locations table"))
        else:
            places.setdefault(found.key, Place(found.key, found))
    for match in resolve_names(fields.get("venue"), locations, channels=True) if locations else ():
        place = _place_of(match, locations.label)
        places.setdefault(place.key, place)
    return list(places.values()), problems


def _place_of(match: Match, table: str) -> Place:
    if match.how == "channel":
        return Place(f"channel:{match.item}", channel=match.item, given=match.given)
    if match.how in ("none", "ambiguous"):
        return Place(f"name:{normalise_name(match.given)}", given=match.given, problem=unresolved("venue", "location", match, table))
    location: Location = match.item
    problem = None
    if match.how == "near":
        problem = Problem("venue", "near_match_location", match.given, f'joined to the location "{location.name}" (a near miss: check the name)')
    return Place(location.key, location, given=match.given, problem=problem)


def at_venue_key(draft: ActivityDraft, place: Place) -> str:
    """The key of one activity of a service at several venues: the service, then the venue."""
    return f"{record_key(draft.source_id, draft.name, None)}|at:{place.key}"


def put_at(draft: ActivityDraft, place: Place, several: bool, delivery_given: bool) -> None:
    """Give one activity its venue: a location's name, address, postcode and point, or a channel.

    A service at one venue only has its gaps filled (its own postcode stands); each activity of a
    service at several takes its venue's place whole.
    """
    if place.problem is not None:
        draft.problems.append(place.problem)
    if place.location is not None:
        place.location.used = True
    if place.location is not None and place.location.virtual:
        _by_channel(draft, "online", several, delivery_given)
    elif place.location is not None:
        _at_location(draft, place.location, several, delivery_given)
    elif place.channel is not None:
        _by_channel(draft, place.channel, several, delivery_given)
    elif several:
        draft.venue, draft.address, draft.postcode, draft.given_lat, draft.given_lon = place.given, None, None, None, None


def _at_location(draft: ActivityDraft, location: Location, several: bool, delivery_given: bool) -> None:
    draft.venue = location.name
    if several or not draft.address:
        draft.address = location.address
    if several or not draft.postcode:
        draft.postcode = location.postcode
    if several or draft.given_lat is None:
        draft.given_lat, draft.given_lon = location.lat, location.lon
    draft.accessibility = list(dict.fromkeys(draft.accessibility + location.accessibility))
    if location.source_id:
        draft.extra["location_id"] = location.source_id
    if several or not delivery_given:
        draft.delivery = ["in_person"]


def _by_channel(draft: ActivityDraft, channel: str, several: bool, delivery_given: bool) -> None:
    draft.venue = None
    if several:
        draft.address = draft.postcode = draft.given_lat = draft.given_lon = None
    if several or not delivery_given:
        draft.delivery = [channel]


def expand_service(draft: ActivityDraft, places: Sequence[Place], delivery_given: bool) -> list[ActivityDraft]:
    """One activity per place; one place keeps the single-file id (name and place), several get service × venue ids."""
    if not places:
        return [draft]
    several = len(places) > 1
    drafts = [copy.deepcopy(draft) for _ in places[1:]]
    for one, place in zip([draft, *drafts], places):
        put_at(one, place, several, delivery_given)
        key = at_venue_key(one, place) if several else record_key(one.source_id, one.name, one.postcode, one.address or one.venue)
        one.id = stable_id("activity", one.source, key)
    return [draft, *drafts]
