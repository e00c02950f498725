"""Filters and facet counts over a ``Table``, and who is "near": the same rules for both backends.

Each filter is a boolean mask over the table's rows. Facet counts are *disjunctive*: a facet is
counted with every filter applied except its own, so after ticking "walking" the categories facet
still shows how many "exercise" activities there are, while the days facet shows walking on each day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from assetmap import geo
from assetmap.search import groups
from assetmap.search.near import NearPoint
from assetmap.search.params import SearchParams
from assetmap.search.table import Table, ended_mask, schedule_mask
from assetmap.vocab import FRESHNESS_STATES

REMOTE = ("online", "telephone")
# An online or phone service for the searcher's area sorts as if it were this far away: about as
# reachable as something a short bus ride away, so it neither floods nor vanishes from a near search.
REMOTE_SORT_KM = 3.0
STATUS_SETS = {"active": ("active", "paused"), "paused": ("paused",), "closed": ("closed",), "all": None}


def filter_masks(table: Table, params: SearchParams, states: np.ndarray, today: dt.date | None = None) -> dict[str, np.ndarray]:
    """One mask per filter the person set (AND between filters; OR within one, except accessibility).

    With ``today`` (the directory's local date), events that have ended are left out too, unless every
    status was asked for: an editor looking at everything still finds them.
    """
    n = len(table)
    multi = table.multi
    masks: dict[str, np.ndarray] = {}
    for key in ("categories", "audience", "delivery", "capacity"):
        if getattr(params, key):
            masks[key] = multi[key].rows_with_any(getattr(params, key), n)
    if params.accessibility:  # each need must be met: step-free *and* a hearing loop
        masks["accessibility"] = multi["accessibility"].rows_with_all(params.accessibility, n)
    if params.free_only:
        masks["free"] = multi["free"].rows_with_any(["yes"], n)
    statuses = STATUS_SETS[params.status]
    if statuses is not None:
        masks["status"] = multi["status"].rows_with_any(statuses, n)
    if params.freshness:
        masks["freshness"] = states == FRESHNESS_STATES.index(params.freshness)
    schedule = schedule_mask(table, params.days, params.times)
    if schedule is not None:
        masks["schedule"] = schedule
    if today is not None and params.status != "all":
        masks["ended"] = ~ended_mask(table, today)
    return masks


def combine(base: np.ndarray, masks: dict[str, np.ndarray], skip: str = "") -> np.ndarray:
    result = base.copy()
    for key, mask in masks.items():
        if key != skip:
            result &= mask
    return result


def facet_counts(table: Table, base: np.ndarray, masks: dict[str, np.ndarray], states: np.ndarray, params: SearchParams) -> dict[str, dict[str, int]]:
    """Counts for every facet key, each with all filters but its own applied; a group of linked duplicates counts once."""
    facets = {}
    for key in ("categories", "audience", "delivery", "accessibility", "free", "status", "capacity"):
        facets[key] = groups.count_values(table, table.multi[key], combine(base, masks, skip=key))
    without_schedule = combine(base, masks, skip="schedule")
    for key, multi, days, times in (("days", table.days, (), params.times), ("times", table.times, params.days, ())):
        own = schedule_mask(table, days, times)
        facets[key] = groups.count_values(table, multi, without_schedule if own is None else without_schedule & own)
    fresh = groups.count_codes(table, states, combine(base, masks, skip="freshness"), len(FRESHNESS_STATES))
    facets["freshness"] = {state: int(c) for state, c in zip(FRESHNESS_STATES, fresh) if c}
    return facets


@dataclasses.dataclass
class Reach:
    """Which rows a near search keeps, how far each is, and the distance each sorts by."""

    mask: np.ndarray
    distance: np.ndarray       # km, NaN where the row has no point
    sort_km: np.ndarray        # distance, REMOTE_SORT_KM for remote services to the area, inf when unknown


def reach(table: Table, candidates: np.ndarray, near: NearPoint, radius_km: float | None) -> Reach:
    """Rows within the radius, plus online and phone services that serve the searcher's area.

    A remote activity serves the area when its service area names the point's ward, council,
    STP or ICB, or when it has neither a location nor a service area (it serves everyone).
    With no radius every row stays, those with no known place last.
    """
    n = len(table)
    has_point = np.isfinite(table.lat)
    remote = table.multi["delivery"].rows_with_any(REMOTE, n)
    serves = table.multi["serves"]
    has_service_area = np.zeros(n, dtype=bool)
    has_service_area[serves.rows] = True
    serving = candidates & remote & (serves.rows_with_any(near.codes.values(), n) | (~has_point & ~has_service_area))
    rows = np.flatnonzero(candidates & has_point)
    if radius_km is not None:  # a cheap box first: only rows inside it need a great-circle distance
        box = radius_km / 110.0 + 0.01
        inside = (np.abs(table.lat[rows] - near.lat) <= box) & (np.abs(table.lon[rows] - near.lon) * np.cos(np.radians(near.lat)) <= box)
        rows = rows[inside | serving[rows]]
    distance = np.full(n, np.nan)
    distance[rows] = geo.haversine_km(near.lat, near.lon, table.lat[rows], table.lon[rows])
    if radius_km is None:
        in_reach = has_point | ~remote
    else:
        with np.errstate(invalid="ignore"):
            in_reach = has_point & (distance <= radius_km)
    sort_km = np.where(has_point, distance, np.inf)
    sort_km[serving] = np.minimum(sort_km[serving], REMOTE_SORT_KM)
    return Reach(candidates & (in_reach | serving), distance, sort_km)


def sink_levels(table: Table, states: np.ndarray) -> np.ndarray:
    """0 for current records; 1 stale or never checked; 2 paused; 3 closed (shown only when asked)."""
    n = len(table)
    status = table.multi["status"]
    level = np.where((states == FRESHNESS_STATES.index("stale")) | (states == FRESHNESS_STATES.index("unknown")), 1, 0)
    level = np.where(status.rows_with_any(["paused"], n), 2, level)
    return np.where(status.rows_with_any(["closed"], n), 3, level).astype(np.int8)
