"""Place names people type ("Sale", "Stretford", "Trafford"), from the areas loaded.

Names come from the Area table, so a new boundary load brings new names with it, and they are
matched on their words ("St. Mary's" = "st marys"). A name that is only the start of area names
("Sale" → Sale Central, Sale Moor) means the middle of those areas, and so, failing that, does a name
found whole inside area names ("Glossop" → Old Glossop, for a town with no ward of its own name); an ambiguous name ("Village"
names wards in four councils) means the one where the directory has activities.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.areas.queries import area_fingerprint
from assetmap.models import Activity, Area
from assetmap.places.cache import cached
from assetmap.places.resolve import Fix
from assetmap.vocab import AREA_KINDS, PLACE_KINDS
from assetmap.words import words_of

KIND_PREFERENCE = {kind: rank for rank, kind in enumerate(PLACE_KINDS)}


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

    def containing(self, words: Sequence[str]) -> list[Place]:
        """Places whose name holds these whole words anywhere ("glossop" → "Old Glossop"): the last resort for a town
        that names no ward or council of its own."""
        needle = " " + " ".join(words) + " "
        return [place for name in self._names if needle in f" {name} " for place in self.by_name[name]]

    def similar(self, text: str, limit: int = 3) -> list[str]:
        """Names close to a misspelt or unknown one ("Stretferd" → "Stretford"), best first, each once."""
        from rapidfuzz import fuzz, process

        query = " ".join(words_of(text))
        if not query:
            return []
        size = len(query.split())

        def score(wanted: str, name: str, **_ignored) -> float:
            """The whole name, or its closest run of as many words ("glosop" ~ the "glossop" of "old glossop")."""
            words = name.split()
            runs = (" ".join(words[i:i + size]) for i in range(max(1, len(words) - size + 1)))
            return max(fuzz.WRatio(wanted, name), max(fuzz.ratio(wanted, run) for run in runs) - 1)

        found = process.extract(query, self._names, scorer=score, limit=limit * 3, score_cutoff=80)
        names = [self.by_name[name][0].name for name, _score, _i in found]
        return list(dict.fromkeys(names))[:limit]


def load_places(session: Session) -> list[Place]:
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
    """The gazetteer of the current areas, built once per process until the Area table changes."""
    return cached(("gazetteer", *area_fingerprint(session)), lambda: Gazetteer(load_places(session)))


def find_place(session: Session, text: str) -> Fix | None:
    """Where a place name is: one area named exactly so, else the middle of the areas whose names start so."""
    words = words_of(text)
    if words[:1] == ["the"]:
        words = words[1:]
    if not words:
        return None
    places = gazetteer(session).exact(words)
    if places:
        return _fix_for_places(session, places, text.strip(), exact=True)
    places = gazetteer(session).starting_with(words) or gazetteer(session).containing(words)
    if places:
        return _fix_for_places(session, places, " ".join(w.capitalize() for w in words), exact=False)
    return None


def suggest_places(session: Session, text: str, limit: int = 3) -> list[str]:
    """Loaded place names close to one that could not be found, for "Did you mean" links on the search page."""
    return gazetteer(session).similar(text, limit)


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


def _fix_for_places(session: Session, places: list[Place], label: str, exact: bool) -> Fix:
    """One point for the matched areas: the likeliest one for an exact name, the middle of a group otherwise."""
    counts = _activity_counts(session, places)
    if exact:
        best = min(places, key=lambda p: _likeliness(p, counts))
        return Fix(best.lat, best.lon, "place", best.name, codes={k: v for k, v in best.codes.items() if k in AREA_KINDS})
    by_lad: dict[str, list[Place]] = {}
    for place in places:
        by_lad.setdefault(place.codes.get("lad", place.code), []).append(place)
    group = min(by_lad.values(), key=lambda g: min(_likeliness(p, counts) for p in g))
    above_wards = AREA_KINDS[1:]   # what wards of one council can share
    shared = {k: v for k, v in group[0].codes.items() if k in above_wards and all(p.codes.get(k) == v for p in group)}
    if len(group) == 1:
        shared = {k: v for k, v in group[0].codes.items() if k in AREA_KINDS}
    lat, lon = float(np.mean([p.lat for p in group])), float(np.mean([p.lon for p in group]))
    return Fix(lat, lon, "place", label, codes=shared)
