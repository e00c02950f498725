"""``coverage_table``: one row per area with need, provision three ways, freshness and the gap score.

Figures are worked out for every area of the level in England (deprivation ranks are national, among
areas of the same level), then the areas ``within`` an ICB, STP or council are kept and compared with
each other for the gap score and flags. Every provision figure is computed twice: over all records
that count and over fresh ones (checked within ``ASSETMAP_AGEING_AFTER_DAYS``), so a gap in provision
can be told from a gap in the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from assetmap.config import Settings
from assetmap.coverage import access as access_mod
from assetmap.coverage import data, gaps, need, provision, spatial
from assetmap.errors import AssetmapError
from assetmap.vocab import DELIVERY_MODES

LEVELS = ("ward", "lad", "stp", "icb")
LEVEL_LABELS = {"ward": "Ward", "lad": "Council", "stp": "Sustainability and transformation partnership (STP)",
                "icb": "Integrated care board (ICB)"}
COLUMNS = (
    "code", "name", "level", "lad_code", "stp_code", "icb_code",
    "activities", "reach", "access", "population", "per_10k",
    "imd_score", "imd_rank", "imd_decile", "deprived_share", "fresh_share", "gap_score", "flagged",
    "activities_fresh", "reach_fresh", "access_fresh", "per_10k_fresh",
)
COLUMN_LABELS = {
    "code": "Code", "name": "Name", "level": "Level", "lad_code": "Council code", "stp_code": "STP code", "icb_code": "ICB code",
    "activities": "Activities located here", "reach": "Activities reaching here", "access": "Access (weekly sessions per 1,000 people)",
    "population": "Population", "per_10k": "Activities per 10,000 people", "imd_score": "Deprivation score (IMD, population-weighted)",
    "imd_rank": "Deprivation rank (1 = most deprived)", "imd_decile": "Deprivation decile (1 = most deprived tenth)",
    "deprived_share": "Share of people in England's most deprived tenth", "fresh_share": "Share of reaching records checked recently",
    "gap_score": "Gap score", "flagged": "Flagged", "activities_fresh": "Activities located here (recently checked)",
    "reach_fresh": "Activities reaching here (recently checked)", "access_fresh": "Access (recently checked records)",
    "per_10k_fresh": "Activities per 10,000 people (recently checked)",
}


class CoverageError(AssetmapError):
    """A coverage request that cannot be answered (an unknown level, area or delivery mode)."""


@dataclasses.dataclass
class CoverageRow:
    code: str
    name: str
    level: str
    lad_code: str | None
    stp_code: str | None
    icb_code: str | None
    activities: int
    reach: int
    access: float | None
    population: int | None
    per_10k: float | None
    imd_score: float | None
    imd_rank: int | None
    imd_decile: int | None
    deprived_share: float | None
    fresh_share: float | None
    gap_score: float | None
    flagged: bool
    activities_fresh: int
    reach_fresh: int
    access_fresh: float | None
    per_10k_fresh: float | None

    def as_dict(self) -> dict[str, Any]:
        return {column: getattr(self, column) for column in COLUMNS}


@dataclasses.dataclass
class Figures:
    """Every figure for every area of a level, as arrays (before ``within`` and ranking)."""

    areas: data.Areas
    activities: dict[bool, np.ndarray]      # fresh_only → counts
    reach: dict[bool, np.ndarray]
    access: dict[bool, np.ndarray]
    population: np.ndarray
    need: need.Need | None


def _num(value, digits: int) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), digits)


def activity_mask(acts: data.Activities, category: str | None, delivery: str | None) -> np.ndarray:
    """Which activities count for a category and delivery mode (no delivery given counts as in person)."""
    mask = np.ones(len(acts), dtype=bool)
    if category:
        mask &= acts.with_value("categories", category)
    if delivery:
        if delivery not in DELIVERY_MODES:
            raise CoverageError(f"unknown delivery mode {delivery!r}: use one of {', '.join(DELIVERY_MODES)}")
        mask &= acts.in_person if delivery == "in_person" else acts.with_value("delivery", delivery)
    return mask


@dataclasses.dataclass
class Inputs:
    """What the figures are made from, read from the database once (see ``data``)."""

    level: str
    areas: data.Areas
    activities: data.Activities
    small: data.SmallAreas | None
    direct_population: dict[str, float]


def load_inputs(session: Session, settings: Settings, level: str, now: dt.datetime) -> Inputs:
    """Read everything once; the garbage collector is paused meanwhile, since hundreds of thousands of
    fresh tuples would otherwise set off full collections that cost more than the reading."""
    with data.collector_paused():
        areas = data.load_areas(session, level)
        return Inputs(level, areas, data.load_activities(session, settings, now, level), data.load_small_areas(session),
                      data.direct_population(session, level, areas.codes))


def compute(session: Session, settings: Settings, level: str, category: str | None, delivery: str | None,
            now: dt.datetime) -> Figures:
    """All figures for all areas of the level (see the module docstring)."""
    return figures_from(load_inputs(session, settings, level, now), settings, category, delivery)


def figures_from(inputs: Inputs, settings: Settings, category: str | None, delivery: str | None, with_access: bool = True) -> Figures:
    """The figures from inputs already read: no database work (``with_access=False`` skips the access score)."""
    areas, acts, small, level = inputs.areas, inputs.activities, inputs.small, inputs.level
    n = len(areas)
    index = areas.index
    mask = activity_mask(acts, category, delivery)
    masks = {False: mask, True: mask & acts.fresh}

    located = data.index_of(acts.codes[level], index)
    pairs = [(np.flatnonzero(located >= 0), located[located >= 0]),
             provision.service_pairs([acts.service_area[i] for i in acts.with_service_area], areas.covers, acts.with_service_area),
             provision.remote_pairs(acts, areas.covers)]
    population = np.zeros(n)
    area_need = None
    access = {False: np.full(n, np.nan), True: np.full(n, np.nan)}
    if small is not None and len(small):
        group = data.index_of(small.parent[level], index)
        area_need = need.aggregate(group, n, small.population, small.imd_score, small.imd_rank, small.imd_decile)
        population = area_need.population.copy()
        walk = settings.coverage_walk_km
        catchment = (settings.coverage_catchment_km or walk) if with_access else walk
        src, dst, dist = spatial.pairs_within(spatial.project_km(acts.lat, acts.lon), spatial.project_km(small.lat, small.lon),
                                              max(walk, catchment))
        near = dist <= walk
        pairs.append(provision.walk_pairs(src[near], dst[near], group, acts.in_person))
        if with_access:
            access = area_access_scores(src, dst, dist, catchment, settings.coverage_decay, acts, small, group, masks, n)
    for code, people in inputs.direct_population.items():
        population[index[code]] = people
    reaching = provision.reach_matrix(len(acts), n, *pairs)
    return Figures(
        areas=areas,
        activities={f: provision.count_located(located, m, n) for f, m in masks.items()},
        reach={f: provision.count_reach(reaching, m) for f, m in masks.items()},
        access=access, population=population, need=area_need,
    )


def area_access_scores(src: np.ndarray, dst: np.ndarray, dist: np.ndarray, catchment: float, decay: str, acts: data.Activities,
                       small: data.SmallAreas, group: np.ndarray, masks: dict[bool, np.ndarray], n: int) -> dict[bool, np.ndarray]:
    """E2SFCA per small area over in-person activities, then population-weighted per area; once per mask."""
    weights = access_mod.parse_weights(decay)
    keep = (dist <= catchment) & acts.in_person[src]
    src, dst = src[keep], dst[keep]
    w = access_mod.band_weights(dist[keep], catchment, weights)
    result = {}
    for fresh_only, m in masks.items():
        chosen = m[src]
        lsoa_access = access_mod.e2sfca(src[chosen], dst[chosen], w[chosen], acts.capacity, small.population, len(small))
        result[fresh_only] = access_mod.area_access(lsoa_access, small.population, group, n)
    return result


def inside(areas: data.Areas, within: str | None) -> np.ndarray:
    """Indices of the areas inside ``within`` (an ICB, STP or council code), or all of them."""
    if not within:
        return np.arange(len(areas))
    chosen = np.array([within in parents.values() for parents in areas.parents], dtype=bool)
    return np.flatnonzero(chosen)


def coverage_table(session: Session, settings: Settings, level: str = "ward", within: str | None = None, category: str | None = None,
                   delivery: str | None = None, fresh_only: bool = False, now: dt.datetime | None = None) -> list[CoverageRow]:
    """One row per area of the level (inside ``within`` when given), highest gap score first.

    ``fresh_only`` bases the gap score, flags and order on the figures over fresh records.
    """
    if level not in LEVELS:
        raise CoverageError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    now = now or settings.clock()
    figures = compute(session, settings, level, category, delivery, now)
    chosen = inside(figures.areas, within)
    if within and not len(chosen) and within not in figures.areas.covers:
        raise CoverageError(f"no {LEVEL_LABELS[level].lower()} areas inside {within!r}: give an ICB, STP or council code")
    return rows_for(figures, chosen, fresh_only)


def rows_for(figures: Figures, chosen: np.ndarray, fresh_only: bool) -> list[CoverageRow]:
    """The rows of the chosen areas, gap-scored among themselves, highest first (areas with no score last, by name)."""
    areas, n_need = figures.areas, figures.need
    imd_rank = n_need.imd_rank[chosen] if n_need is not None else np.zeros(len(chosen), dtype=np.int64)
    imd_decile = n_need.imd_decile[chosen] if n_need is not None else np.zeros(len(chosen), dtype=np.int64)
    gap, flagged = gaps.gap_scores(imd_rank, imd_decile, figures.access[fresh_only][chosen])
    per = {f: provision.per_10k(figures.activities[f], figures.population) for f in (False, True)}
    rows = []
    for k, i in enumerate(chosen):
        parents = areas.parents[i]
        reach = int(figures.reach[False][i])
        people = figures.population[i]
        rows.append(CoverageRow(
            code=areas.codes[i], name=areas.names[i], level=areas.level,
            lad_code=parents.get("lad"), stp_code=parents.get("stp"), icb_code=parents.get("icb"),
            activities=int(figures.activities[False][i]), reach=reach, access=_num(figures.access[False][i], 3),
            population=int(round(people)) if people > 0 else None, per_10k=_num(per[False][i], 2),
            imd_score=_num(n_need.score[i], 2) if n_need is not None else None,
            imd_rank=int(imd_rank[k]) or None, imd_decile=int(imd_decile[k]) or None,
            deprived_share=_num(n_need.deprived_share[i], 3) if n_need is not None else None,
            fresh_share=round(int(figures.reach[True][i]) / reach, 3) if reach else None,
            gap_score=_num(gap[k], 1), flagged=bool(flagged[k]),
            activities_fresh=int(figures.activities[True][i]), reach_fresh=int(figures.reach[True][i]),
            access_fresh=_num(figures.access[True][i], 3), per_10k_fresh=_num(per[True][i], 2),
        ))
    rows.sort(key=lambda r: (r.gap_score is None, -(r.gap_score or 0.0), r.imd_rank or 10**9, r.name))
    return rows
