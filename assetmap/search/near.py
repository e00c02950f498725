"""Where "near" is: a postcode, a postcode district, a place (ward or council name) or "lat,lon".

People type "M33 7XW", "M33", "Sale", "Stretford" or "53.42,-2.34", in a near box or inside the
query ("walking near Sale"). Place names come from the Area table, so a new boundary load brings
new names with it. A name that is only the start of area names ("Sale" → Sale Central, Sale
Moor) means the middle of those areas. Area names, polygons and the postcode table are cached per
process and reloaded when the Area table changes.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from typing import Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.config import Settings
from assetmap.models import Activity, Area
from assetmap.search.params import SearchError
from assetmap.search.text import words_of

PLACE_KINDS = ("ward", "lad", "utla", "county")
KIND_PREFERENCE = {"ward": 0, "lad": 1, "utla": 2, "county": 3}
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
        return next((self.codes[k] for k in ("ward", "lad", "stp", "icb") if self.codes.get(k)), None)


@dataclasses.dataclass(frozen=True)
class Place:
    kind: str
    code: str
    name: str
    lat: float
    lon: float
    codes: dict[str, str]


class Gazetteer:
    """Area names → places, matched on their words ("St. Mary's" = "st marys")."""

    def __init__(self, places: Sequence[Place]):
        self.by_name: dict[str, list[Place]] = {}
        for place in places:
            self.by_name.setdefault(" ".join(words_of(place.name)), []).append(place)
        self._names = sorted(self.by_name)

    def exact(self, words: Sequence[str]) -> list[Place]:
        return self.by_name.get(" ".join(words), [])

    def starting_with(self, words: Sequence[str]) -> list[Place]:
        """Places whose name begins with these whole words ("sale" → "sale moor", not "salford")."""
        prefix = " ".join(words) + " "
        start = bisect.bisect_left(self._names, prefix)
        found = []
        for name in self._names[start:]:
            if not name.startswith(prefix):
                break
            found.extend(self.by_name[name])
        return found


_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()


def _area_fingerprint(session: Session) -> tuple:
    """Changes whenever areas are added, removed, renamed or made (not) current."""
    row = session.execute(sa.select(
        sa.func.count(Area.id), sa.func.max(Area.id), sa.func.sum(sa.func.length(Area.name)),
        sa.func.sum(sa.case((Area.is_current.is_(True), Area.id), else_=0)),
    )).one()
    return (str(session.get_bind().engine.url), *row)


def _cached(key: tuple, build):
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    value = build()
    with _cache_lock:
        stale = [k for k in _cache if k[0] == key[0] and k[1:2] == key[1:2] and k != key]
        for old in stale:
            del _cache[old]
        _cache[key] = value
    return value


def _load_places(session: Session) -> list[Place]:
    point = sa.func.ST_PointOnSurface(Area.geom)
    rows = session.execute(
        sa.select(Area.kind, Area.code, Area.name, Area.parent_codes, sa.func.ST_Y(point), sa.func.ST_X(point))
        .where(Area.is_current.is_(True), Area.kind.in_(PLACE_KINDS), Area.geom.is_not(None))
    )
    return [
        Place(kind, code, name, float(lat), float(lon), {**(parents or {}), kind: code})
        for kind, code, name, parents, lat, lon in rows if lat is not None
    ]


def gazetteer(session: Session) -> Gazetteer:
    return _cached(("gazetteer", *_area_fingerprint(session)), lambda: Gazetteer(_load_places(session)))


def area_index(session: Session) -> geo.AreaIndex:
    from assetmap.queries import load_area_index

    return _cached(("areas", *_area_fingerprint(session)), lambda: load_area_index(session))


def postcode_lookup(settings: Settings):
    from assetmap.postcodes import PostcodeLookup

    key = ("postcodes", settings.cache_dir)
    return _cached(key, lambda: PostcodeLookup.load(settings.cache_dir))


def _codes_at(session: Session, lat: float, lon: float, lad: str | None = None) -> dict[str, str]:
    areas = area_index(session)
    codes = {k: v for k, v in areas.areas_at(lat, lon).items() if v} if len(areas) else {}
    if lad and "lad" not in codes:
        codes["lad"] = lad
    return codes


def _activity_counts(session: Session, places: Sequence[Place]) -> dict[str, int]:
    """Activities per candidate ward and council (a ward's own council included).

    An ambiguous name ("Village" names wards in four councils) means the place where the
    directory has activities: the busier ward, else the ward in the busier council.
    """
    wards = [p.code for p in places if p.kind == "ward"]
    lads = list({p.codes["lad"] for p in places if p.codes.get("lad")})
    counts: dict[str, int] = {}
    for column, codes in ((Activity.ward_code, wards), (Activity.lad_code, lads)):
        if codes:
            counts.update(session.execute(sa.select(column, sa.func.count()).where(column.in_(codes)).group_by(column)).all())
    return counts


def _likeliness(place: Place, counts: dict[str, int]) -> tuple:
    return (-counts.get(place.code, 0), -counts.get(place.codes.get("lad", ""), 0), KIND_PREFERENCE.get(place.kind, 9), place.code)


def _point_for_places(session: Session, places: list[Place], label: str, exact: bool) -> NearPoint:
    """One point for the matched areas: the likeliest one for an exact name, the middle of a group otherwise."""
    counts = _activity_counts(session, places)
    if exact:
        best = min(places, key=lambda p: _likeliness(p, counts))
        return NearPoint(best.lat, best.lon, best.name, "place", {k: v for k, v in best.codes.items() if k in ("ward", "lad", "stp", "icb")})
    by_lad: dict[str, list[Place]] = {}
    for place in places:
        by_lad.setdefault(place.codes.get("lad", place.code), []).append(place)
    group = min(by_lad.values(), key=lambda g: min(_likeliness(p, counts) for p in g))
    shared = {k: v for k, v in group[0].codes.items() if k in ("lad", "stp", "icb") and all(p.codes.get(k) == v for p in group)}
    if len(group) == 1:
        shared = {k: v for k, v in group[0].codes.items() if k in ("ward", "lad", "stp", "icb")}
    lat, lon = float(np.mean([p.lat for p in group])), float(np.mean([p.lon for p in group]))
    return NearPoint(lat, lon, label, "place", shared)


def _from_place(session: Session, text: str) -> NearPoint | None:
    words = words_of(text)
    if words[:1] == ["the"]:
        words = words[1:]
    if not words:
        return None
    places = gazetteer(session).exact(words)
    if places:
        return _point_for_places(session, places, text.strip(), exact=True)
    places = gazetteer(session).starting_with(words)
    if places:
        return _point_for_places(session, places, " ".join(w.capitalize() for w in words), exact=False)
    return None


def _from_coordinates(session: Session, text: str, latlon: tuple[float, float]) -> NearPoint:
    lat, lon = latlon
    verdict = geo.classify_coordinates(lat, lon)
    if verdict == "swapped":
        raise SearchError(f"{text!r} looks like longitude then latitude; write the latitude first, e.g. 53.42,-2.34")
    if verdict != "ok":
        raise SearchError(f"{text!r} is not a place in the UK; try a postcode or a town")
    return NearPoint(lat, lon, f"{lat:.4f}, {lon:.4f}", "coordinates", _codes_at(session, lat, lon))


def _from_postcode(session: Session, settings: Settings, text: str) -> NearPoint | None:
    postcode = geo.normalise_postcode(text)
    if postcode is None:
        return None
    match = postcode_lookup(settings).find(postcode, allow_district=True)
    if match is None:
        raise SearchError(f"We could not find the postcode {postcode}. Check it, or try a town or area name.")
    return NearPoint(match.lat, match.lon, postcode, match.precision, _codes_at(session, match.lat, match.lon, match.lad_code))


def _from_district(session: Session, settings: Settings, text: str) -> NearPoint | None:
    if not geo.is_outward_code(text):
        return None
    outward = "".join(text.split()).upper()
    lat, lon = postcode_lookup(settings).district_centroids([outward])
    if not np.isfinite(lat[0]):
        return None
    return NearPoint(float(lat[0]), float(lon[0]), outward, "district", _codes_at(session, float(lat[0]), float(lon[0])))


def resolve_near(session: Session, settings: Settings, text: str) -> NearPoint:
    """The point a "near" text means, or a SearchError a resident can act on."""
    text = " ".join(str(text).split())[:100]
    latlon = geo.parse_latlon(text)
    if latlon is not None:
        return _from_coordinates(session, text, latlon)
    found = _from_postcode(session, settings, text) or _from_district(session, settings, text) or _from_place(session, text)
    if found is None:
        raise SearchError(f"We could not find {text!r}. Try a postcode (like M33 7XW) or a town or area name.")
    return found


def _is_place(places: Gazetteer, words: Sequence[str], typed: Sequence[str], after_near: bool) -> bool:
    """A run of query words names a place: exactly, or as the start of names when typed like a name."""
    if places.exact(words):
        return True
    looks_like_name = after_near or (typed and typed[0][:1].isupper())
    return bool(looks_like_name and len(words[0]) >= 3 and places.starting_with(words))


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
