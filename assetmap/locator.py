"""Answer "where is this?" for a postcode, a district or a "lat,lon": a point, its precision, its areas.

The ``assetmap locate`` command and the bulk CSV path share this, and both go through
``AreaIndex.assign`` once for all the points, never one polygon search per row.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence


from assetmap import geo
from assetmap.postcodes import PostcodeLookup

AREA_KINDS = ("ward", "lad", "stp", "icb")


@dataclasses.dataclass
class Location:
    query: str
    lat: float | None = None
    lon: float | None = None
    precision: str = "none"
    areas: dict[str, str | None] = dataclasses.field(default_factory=lambda: dict.fromkeys(AREA_KINDS))
    flags: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _point_for(query: str, postcodes: PostcodeLookup, allow_district: bool) -> Location:
    """Where one query is, before areas: postcode, district centroid, or coordinates as given."""
    location = Location(query)
    latlon = geo.parse_latlon(query)
    if latlon is not None:
        return _from_coordinates(location, *latlon)
    if geo.is_outward_code(query):
        if not allow_district:
            location.flags.append("district_only")
            return location
        lat, lon = postcodes.district_centroids([query.replace(" ", "").upper()])
        return _placed(location, lat[0], lon[0], "district", "unknown_district")
    postcode = geo.normalise_postcode(query)
    if postcode is None:
        location.flags.append("invalid_postcode")
        return location
    match = postcodes.find(postcode, allow_district=allow_district)
    if match is None:
        location.flags.append("unknown_postcode")
        return location
    if match.precision == "district":
        location.flags.append("unknown_postcode")
    return _placed(location, match.lat, match.lon, match.precision, "")


def _from_coordinates(location: Location, lat: float, lon: float) -> Location:
    """Coordinates are placed only when they are plainly in the UK; a swap is flagged, never guessed."""
    verdict = geo.classify_coordinates(lat, lon)
    if verdict == "ok":
        return _placed(location, lat, lon, "coordinates", "")
    location.flags.append({"swapped": "swapped_coordinates", "outside_uk": "outside_uk"}.get(verdict, "invalid_coordinates"))
    return location


def _placed(location: Location, lat: float, lon: float, precision: str, flag_if_missing: str) -> Location:
    if lat is None or not math.isfinite(lat):
        location.flags.append(flag_if_missing)
        return location
    location.lat, location.lon, location.precision = round(float(lat), 6), round(float(lon), 6), precision
    return location


def locate_many(queries: Sequence[str], postcodes: PostcodeLookup, areas: geo.AreaIndex, allow_district: bool = False) -> list[Location]:
    """Locate many queries, assigning areas to all placed points in one vectorised pass."""
    locations = [_point_for(str(q).strip(), postcodes, allow_district) for q in queries]
    placed = [loc for loc in locations if loc.lat is not None]
    if placed:
        codes = areas.assign([loc.lat for loc in placed], [loc.lon for loc in placed], AREA_KINDS)
        for i, loc in enumerate(placed):
            loc.areas = {kind: codes[kind][i] for kind in AREA_KINDS}
            if all(code is None for code in loc.areas.values()):
                loc.flags.append("outside_coverage")
    return locations


def to_csv_columns(location: Location) -> dict[str, str]:
    """The columns ``locate --file`` adds to each row."""
    cell = lambda v: "" if v is None else str(v)  # noqa: E731
    return {"lat": cell(location.lat), "lon": cell(location.lon), "precision": location.precision,
            **{kind: cell(location.areas.get(kind)) for kind in AREA_KINDS}, "flags": ";".join(location.flags)}
