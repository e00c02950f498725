"""Where is this? One answer for what a person types and for what a record says.

Three callers share it: ``assetmap locate`` (a postcode, a district or "lat,lon"), search's "near"
(the same, or a place name) and ingest (a record's coordinates, its postcode, or a postcode written
in its address or description). Each reads its input into ``Clue`` values; ``locate_clues`` turns
them into ``Fix`` values (a point or none, its precision, and flags saying why), looking up all the
postcodes of a call at once and all the district centres at once; ``assign_areas`` then finds the
areas of every point in one ``AreaIndex.assign``, never one polygon search per row.

Coordinates are trusted only when they are plainly in the UK: swapped latitude/longitude is
flagged, and used only when the postcode confirms where the place is; a point outside every loaded
area is kept and flagged, never forced into the nearest ward.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from assetmap import geo
from assetmap.places.postcodes import PostcodeLookup
from assetmap.vocab import AREA_KINDS

CONFIRM_KM = 2.0          # swapped coordinates within this of the postcode are taken as confirmed
FAR_FROM_POSTCODE_KM = 5.0

Point = tuple[float, float]


@dataclasses.dataclass(frozen=True)
class Clue:
    """What a query or a record says about where it is; any part may be missing.

    ``texts`` are ``(field, text)`` pairs searched in order for a postcode when none is given.
    ``text`` is the query as typed (None for a record): a place name when it is nothing else.
    """

    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    district: str | None = None
    texts: tuple[tuple[str, str], ...] = ()
    text: str | None = None


@dataclasses.dataclass(frozen=True)
class Flag:
    """Why a place is not, or not quite, where it seems: the field, a reason code, the value, what was expected."""

    field: str
    reason: str
    value: str = ""
    expected: str = ""


@dataclasses.dataclass
class Fix:
    """Where a clue is: a point (or none), how precise it is, and its flags."""

    lat: float | None = None
    lon: float | None = None
    precision: str = "none"        # postcode | district | coordinates | place | none
    label: str = ""                # what was placed, as people read it: "M33 7XW", "M33", "53.4200, -2.3400", "Sale"
    postcode: str | None = None    # the postcode used: given, or found in the texts
    found_in: str = ""             # the text field that postcode was found in
    lad_code: str | None = None    # the postcode directory's council for that postcode
    codes: dict[str, Any] = dataclasses.field(default_factory=dict)   # a place's own area codes, or assign_areas's
    flags: list[Flag] = dataclasses.field(default_factory=list)


Postcodes = PostcodeLookup | Callable[[], PostcodeLookup]
FindPlace = Callable[[str], "Fix | None"]


def read_query(text: str) -> Clue:
    """What a typed query is: "lat,lon", a postcode district ("M33"), a postcode, or perhaps a place name."""
    latlon = geo.parse_latlon(text)
    if latlon is not None:
        return Clue(lat=latlon[0], lon=latlon[1], text=text)
    if geo.is_outward_code(text):
        return Clue(district="".join(text.split()).upper(), text=text)
    return Clue(postcode=geo.normalise_postcode(text), text=text)


def locate_clues(clues: Sequence[Clue], postcodes: Postcodes, allow_district: bool = False,
                 find_place: FindPlace | None = None) -> list[Fix]:
    """Where each clue is, with one postcode lookup and one district lookup for them all.

    ``postcodes`` may be a function that loads the directory: it is called only when a clue has a
    postcode or a district, so "lat,lon" and place names are placed without it. ``find_place``
    places a typed text that is no postcode (or a district the directory does not know).
    """
    fixes = [_written_postcode(clue) for clue in clues]
    points, lads, districts = _directory_points(clues, [f.postcode for f in fixes], postcodes, allow_district)
    return [_decide(clue, fix, points[i], lads[i], districts.get(i), allow_district, find_place)
            for i, (clue, fix) in enumerate(zip(clues, fixes))]


def _written_postcode(clue: Clue) -> Fix:
    """A fix holding the clue's postcode: the one given, else the first written in its texts."""
    if clue.postcode:
        return Fix(postcode=clue.postcode)
    for field, text in clue.texts:
        found = geo.find_postcodes(text or "")
        if found:
            return Fix(postcode=found[0], found_in=field)
    return Fix()


def _point(lat: float, lon: float) -> Point | None:
    return (float(lat), float(lon)) if math.isfinite(lat) and math.isfinite(lon) else None


def _directory_points(clues: Sequence[Clue], written: list[str | None], postcodes: Postcodes, allow_district: bool):
    """Each postcode's point and council, and the district centre wherever a district may place a clue."""
    none = [None] * len(clues)
    if not any(written) and not (allow_district and any(c.district for c in clues)):
        return none, none, {}
    directory = postcodes() if callable(postcodes) else postcodes
    lats, lons, lads = directory.lookup_many([p or "" for p in written])
    points = [_point(lat, lon) for lat, lon in zip(lats, lons)]
    wanted = {i: clue.district or geo.outward_code(written[i]) for i, clue in enumerate(clues)
              if allow_district and (clue.district or (written[i] and points[i] is None))}
    districts = {}
    if wanted:
        dlats, dlons = directory.district_centroids(list(wanted.values()))
        districts = {i: p for i, lat, lon in zip(wanted, dlats, dlons) if (p := _point(lat, lon))}
    return points, [str(lad) or None for lad in lads], districts


def _decide(clue: Clue, fix: Fix, point: Point | None, lad: str | None, district: Point | None,
            allow_district: bool, find_place: FindPlace | None) -> Fix:
    """Coordinates when they are plainly right, else the postcode, else its district, else a place name."""
    if fix.postcode and point is None:
        fix.flags.append(Flag("postcode", "unknown_postcode", fix.postcode, "is not a known postcode (ONS postcode directory)"))
    if clue.lat is not None and clue.lon is not None:
        chosen = _from_coordinates(clue.lat, clue.lon, fix, point)
        if chosen is not None:
            return _placed(fix, chosen, "coordinates", f"{chosen[0]:.4f}, {chosen[1]:.4f}")
    if point is not None:
        fix.lad_code = lad
        return _placed(fix, point, "postcode", fix.postcode)
    if district is not None:
        return _placed(fix, district, "district", fix.postcode or clue.district)
    if clue.district and not allow_district:
        fix.flags.append(Flag("postcode", "district_only", clue.district, "is a postcode district, placed only when district centres are allowed"))
    elif clue.text is not None and clue.lat is None and not fix.postcode:
        place = find_place(clue.text) if find_place else None
        if place is not None:
            return place
        reason = "unknown_district" if clue.district else "invalid_postcode"
        fix.flags.append(Flag("postcode", reason, clue.text, "is not a known postcode, district or place"))
    return fix


def _from_coordinates(lat: float, lon: float, fix: Fix, postcode_point: Point | None) -> Point | None:
    """The coordinates to use, or None; a swap is used only when the postcode confirms it."""
    verdict = geo.classify_coordinates(lat, lon)
    value = f"{lat}, {lon}"
    if verdict == "ok":
        if postcode_point and geo.haversine_km(lat, lon, *postcode_point) > FAR_FROM_POSTCODE_KM:
            expected = f"are more than {FAR_FROM_POSTCODE_KM:g} km from postcode {fix.postcode}"
            fix.flags.append(Flag("coordinates", "far_from_postcode", value, expected))
        return lat, lon
    if verdict == "swapped":
        confirmed = postcode_point is not None and geo.haversine_km(lon, lat, *postcode_point) <= CONFIRM_KM
        how = "the postcode confirms the place, so they were swapped back" if confirmed else "not placed from them"
        fix.flags.append(Flag("coordinates", "swapped_coordinates", value, f"look like latitude and longitude the wrong way round; {how}"))
        return (lon, lat) if confirmed else None
    if verdict == "outside_uk":
        reason, expected = "outside_uk", "are outside the UK"
    else:
        reason, expected = "invalid_coordinates", "are not a latitude and longitude"
    fix.flags.append(Flag("coordinates", reason, value, f"{expected}; not placed from them"))
    return None


def _placed(fix: Fix, point: Point, precision: str, label: str | None) -> Fix:
    fix.lat, fix.lon = point
    fix.precision, fix.label = precision, label or ""
    return fix


def assign_areas(fixes: Sequence[Fix], areas: geo.AreaIndex) -> None:
    """Keep each point to 6 decimals (about 10 cm, as stored) and give it its ward, LAD, STP and ICB codes.

    One pass for all the points; a point outside every area is flagged. With no areas loaded,
    nothing is assigned and nothing is called outside coverage.
    """
    placed = [fix for fix in fixes if fix.lat is not None]
    for fix in placed:
        fix.lat, fix.lon = round(float(fix.lat), 6), round(float(fix.lon), 6)
    if not placed or not len(areas):
        return
    codes = areas.assign([fix.lat for fix in placed], [fix.lon for fix in placed], AREA_KINDS)
    for i, fix in enumerate(placed):
        fix.codes = {kind: codes[kind][i] for kind in AREA_KINDS}
        if all(code is None for code in fix.codes.values()):
            field = "coordinates" if fix.precision == "coordinates" else "postcode"
            where = fix.postcode or f"{fix.lat}, {fix.lon}"
            fix.flags.append(Flag(field, "outside_coverage", where, "is outside every area loaded (wards, councils, NHS areas)"))


def codes_at(areas: geo.AreaIndex, fix: Fix) -> dict[str, str]:
    """The area codes known for one point: the polygons', and the directory's council where they name none."""
    codes = {kind: code for kind, code in areas.areas_at(fix.lat, fix.lon).items() if code} if len(areas) else {}
    if fix.lad_code and "lad" not in codes:
        codes["lad"] = fix.lad_code
    return codes


@dataclasses.dataclass
class Location:
    """What ``assetmap locate`` prints for one query: its JSON and CSV contract."""

    query: str
    lat: float | None = None
    lon: float | None = None
    precision: str = "none"
    areas: dict[str, str | None] = dataclasses.field(default_factory=lambda: dict.fromkeys(AREA_KINDS))
    flags: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_fix(cls, query: str, fix: Fix) -> Location:
        return cls(query, fix.lat, fix.lon, fix.precision, {kind: fix.codes.get(kind) for kind in AREA_KINDS},
                   [flag.reason for flag in fix.flags])

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def locate_many(queries: Sequence[str], postcodes: PostcodeLookup, areas: geo.AreaIndex, allow_district: bool = False) -> list[Location]:
    """Locate many typed queries, assigning areas to all placed points in one vectorised pass."""
    texts = [str(query).strip() for query in queries]
    fixes = locate_clues([read_query(text) for text in texts], postcodes, allow_district)
    assign_areas(fixes, areas)
    return [Location.from_fix(text, fix) for text, fix in zip(texts, fixes)]


CSV_COLUMNS = ("lat", "lon", "precision", *AREA_KINDS, "flags")


def to_csv_columns(location: Location) -> dict[str, str]:
    """The columns ``locate --file`` adds to each row."""
    cell = lambda v: "" if v is None else str(v)  # noqa: E731
    return {"lat": cell(location.lat), "lon": cell(location.lon), "precision": location.precision,
            **{kind: cell(location.areas.get(kind)) for kind in AREA_KINDS}, "flags": ";".join(location.flags)}
