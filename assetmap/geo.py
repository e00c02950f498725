"""Pure geometry: postcodes as text, coordinates, and which areas a point falls in.

Nothing here touches a database or a file, so it tests fast and the same code serves ingest, the
``locate`` command and the web. Areas are worked out once, in bulk, when records are loaded
(``AreaIndex.assign``), and stored on each record: a per-request point-in-polygon would cost far more.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from assetmap.vocab import AREA_KINDS

# The UK postcode format (BS 7666), with the special case GIR 0AA.
POSTCODE_RE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
# A generous box around the UK, Channel Islands and Isle of Man included.
UK_LAT = (49.8, 60.95)
UK_LON = (-8.7, 1.8)


def normalise_postcode(text: str | None) -> str | None:
    """Upper-case a postcode with one space before the inward code, or None if it is not one.

    >>> normalise_postcode(" m33  7xw")
    'M33 7XW'
    >>> normalise_postcode("M32 0Q") is None
    True
    """
    if not text:
        return None
    compact = re.sub(r"\s+", "", str(text)).upper()
    if not POSTCODE_RE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def outward_code(postcode: str) -> str:
    """The district part of a normalised postcode: ``"M33 7XW"`` → ``"M33"``."""
    return postcode.split(" ")[0]


def is_outward_code(text: str) -> bool:
    return bool(OUTWARD_RE.match(re.sub(r"\s+", "", text).upper()))


def find_postcodes(text: str) -> list[str]:
    """Postcodes written inside free text (feeds often hide the only address in a description)."""
    candidates = re.findall(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2})\b", text or "")
    return [pc for pc in (normalise_postcode(c) for c in candidates) if pc]


def parse_latlon(text: str) -> tuple[float, float] | None:
    """Read ``"53.42,-2.34"`` (latitude first, as people write it) into floats, or None.

    >>> parse_latlon("53.42, -2.34")
    (53.42, -2.34)
    """
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*", text or "")
    if not match:
        return None
    return float(match.group(1)), float(match.group(2))


def is_in_uk(lat: float, lon: float) -> bool:
    return UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]


def classify_coordinates(lat: float | None, lon: float | None) -> str:
    """``ok``, ``swapped`` (latitude and longitude given the wrong way round), ``outside_uk`` or ``invalid``.

    >>> classify_coordinates(-2.34, 53.42)
    'swapped'
    """
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return "invalid"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) and not (-90 <= lon <= 90):
        return "invalid"
    if is_in_uk(lat, lon):
        return "ok"
    if is_in_uk(lon, lat):
        return "swapped"
    return "outside_uk"


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on floats or numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * np.arcsin(np.sqrt(a))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points, for one pair at a time (no numpy overhead).

    >>> round(distance_m(53.425168, -2.325509, 53.425168, -2.32438))
    75
    """
    a = (math.sin(math.radians(lat2 - lat1) / 2) ** 2
         + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371008.8 * 2 * math.asin(math.sqrt(a))


def repair_polygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    """A valid MultiPolygon from any polygonal geometry; slivers of lower dimension are dropped.

    Published boundaries often self-intersect after generalisation; ``make_valid`` keeps their area.
    """
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part])]
    return shapely.MultiPolygon(polygons)


@dataclasses.dataclass(frozen=True)
class AreaShape:
    """One polygon of the area index: its kind, ONS code, shape and the codes of its parents."""

    kind: str
    code: str
    geometry: BaseGeometry
    parent_codes: Mapping[str, str] = dataclasses.field(default_factory=dict)


class AreaIndex:
    """Which ward, LAD, STP and ICB each point falls in, in bulk.

    One STRtree per kind, queried with ``covered_by`` so a point on a boundary still counts. A kind
    is taken from the ward's parent codes (an ONS lookup) first, and from its own polygons only
    where the lookup says nothing: generalised LAD/STP/ICB polygons misplace points near coasts and
    borders, and LADs do not nest in STPs.
    """

    def __init__(self, shapes: Iterable[AreaShape]):
        by_kind: dict[str, list[AreaShape]] = {}
        for shape in shapes:
            by_kind.setdefault(shape.kind, []).append(shape)
        self.kinds = tuple(by_kind)
        self._codes = {k: np.array([s.code for s in v], dtype=object) for k, v in by_kind.items()}
        self._trees = {k: shapely.STRtree([s.geometry for s in v]) for k, v in by_kind.items()}
        self._parents = {s.code: dict(s.parent_codes) for v in by_kind.values() for s in v if s.parent_codes}

    def __len__(self) -> int:
        return sum(len(c) for c in self._codes.values())

    def _locate_kind(self, kind: str, points: np.ndarray) -> np.ndarray:
        """Code of the ``kind`` area covering each point, None where none does (first hit wins)."""
        result = np.full(len(points), None, dtype=object)
        point_idx, area_idx = self._trees[kind].query(points, predicate="covered_by")
        first = np.unique(point_idx, return_index=True)[1]
        result[point_idx[first]] = self._codes[kind][area_idx[first]]
        return result

    def assign(self, lats: Sequence[float], lons: Sequence[float], kinds: Sequence[str] = AREA_KINDS) -> dict[str, np.ndarray]:
        """Area codes for many points at once: ``{kind: array of codes or None}``.

        Points with NaN coordinates get None everywhere.
        """
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        found = {k: self._locate_kind(k, points) for k in self.kinds}
        wards = found.get("ward", np.full(len(points), None, dtype=object))
        result = {}
        for kind in kinds:
            from_parent = np.array([self._parents.get(w, {}).get(kind) if w else None for w in wards], dtype=object)
            own = found.get(kind)
            if kind == "ward":
                result[kind] = wards
            elif own is None:
                result[kind] = from_parent
            else:
                result[kind] = np.where(from_parent != None, from_parent, own)  # noqa: E711 (elementwise)
        return result

    def areas_at(self, lat: float, lon: float) -> dict[str, str | None]:
        """The areas one point falls in: ``{"ward": "E05…", "lad": …, "stp": …, "icb": …}``."""
        return {kind: codes[0] for kind, codes in self.assign([lat], [lon]).items()}


def to_feature(lon: float | None, lat: float | None, properties: Mapping[str, Any]) -> dict[str, Any]:
    """One GeoJSON Feature; a record with no location gets a null geometry (RFC 7946 allows it)."""
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    return {"type": "Feature", "geometry": geometry, "properties": dict(properties)}
