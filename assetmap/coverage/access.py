"""Access: the enhanced two-step floating catchment area score (E2SFCA; Luo & Qi 2009, after Luo & Wang 2003).

Step 1: each activity j's ratio R_j = S_j / Σ_i P_i·W(d_ij), its capacity S_j (weekly sessions)
shared among the people P_i of the small areas i whose centres lie within the catchment, nearer
ones weighing more. Step 2: each small area's access A_i = Σ_j R_j·W(d_ij) over the activities
within the catchment of its centre. W is stepped: the catchment is cut into equal distance bands
weighted by ``ASSETMAP_COVERAGE_DECAY`` (1, 0.68, 0.22 by default, the weights Luo & Qi used for
their three travel-time zones). A is reported per 1,000 residents (weekly sessions available per
1,000 people); an area's access is the population-weighted mean of its small areas'.

Capacity comes from the typed schedule (``assetmap.schedule``): sessions a week (a weekly Tuesday
and Thursday club is 2, fortnightly halves, monthly counts 12/52 per week named, daily is 7);
when the schedule says nothing countable the capacity is 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from assetmap.errors import AssetmapError

PER_PEOPLE = 1_000


def parse_weights(text: str) -> np.ndarray:
    """``"1,0.68,0.22"`` → array; each weight in (0, 1], nearest band first.

    >>> parse_weights("1, 0.5").tolist()
    [1.0, 0.5]
    """
    try:
        weights = np.array([float(part) for part in str(text).split(",") if part.strip()])
    except ValueError:
        weights = np.zeros(0)
    if not len(weights) or np.any(weights <= 0) or np.any(weights > 1):
        raise AssetmapError(f"ASSETMAP_COVERAGE_DECAY: {text!r} is not a list of weights between 0 and 1, e.g. 1,0.68,0.22")
    return weights


def band_weights(distance: np.ndarray, catchment_km: float, weights: np.ndarray) -> np.ndarray:
    """Weight of each distance: band k of len(weights) equal bands of the catchment; 0 beyond it.

    >>> band_weights(np.array([0.0, 0.5, 1.0, 1.5, 1.6]), 1.5, np.array([1, 0.68, 0.22])).tolist()
    [1.0, 0.68, 0.22, 0.22, 0.0]
    """
    bands = np.minimum((np.asarray(distance) / catchment_km * len(weights)).astype(np.int64), len(weights) - 1)
    return np.where(np.asarray(distance) <= catchment_km, weights[bands], 0.0)


def e2sfca(supply: np.ndarray, demand: np.ndarray, weight: np.ndarray, capacity: np.ndarray, population: np.ndarray,
           n_demand: int) -> np.ndarray:
    """Access per small area (per ``PER_PEOPLE`` residents) from (supply index, demand index, weight) pairs.

    An activity with nobody in its catchment serves nobody and adds nothing.
    """
    population = np.nan_to_num(np.asarray(population, dtype=float))
    capacity = np.asarray(capacity, dtype=float)
    weighted_people = np.bincount(supply, weights=population[demand] * weight, minlength=len(capacity))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(weighted_people > 0, capacity / np.where(weighted_people > 0, weighted_people, 1), 0.0)
    return np.bincount(demand, weights=ratio[supply] * weight, minlength=n_demand) * PER_PEOPLE


def area_access(access: np.ndarray, population: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Population-weighted mean of small-area access per area; NaN for an area with no people in small areas."""
    population = np.nan_to_num(np.asarray(population, dtype=float))
    inside = group >= 0
    people = np.bincount(group[inside], weights=population[inside], minlength=n)
    summed = np.bincount(group[inside], weights=(access * population)[inside], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(people > 0, summed / np.where(people > 0, people, 1), np.nan)


def weekly_sessions(schedule: Mapping[str, Any] | None) -> float:
    """Sessions a week from a stored typed schedule (``Activity.extra["schedule"]``); 1 when it cannot say.

    >>> weekly_sessions({"frequency": "weekly", "days": ["tue", "thu"]})
    2.0
    >>> weekly_sessions({"frequency": "fortnightly", "days": ["wed"]})
    0.5
    >>> round(weekly_sessions({"frequency": "monthly", "days": ["sat"], "week_of_month": [2, 4]}), 3)
    0.462
    >>> weekly_sessions(None)
    1.0
    """
    if not isinstance(schedule, Mapping):
        return 1.0
    sessions = [s for s in schedule.get("sessions") or () if isinstance(s, Mapping)]
    day_count = sum(len(s.get("days") or ()) for s in sessions) or len(schedule.get("days") or ())
    frequency = schedule.get("frequency")
    if frequency == "daily":
        return float(day_count or 7)
    if not day_count:
        return 1.0
    if frequency == "weekly":
        return float(day_count)
    if frequency == "fortnightly":
        return day_count / 2
    if frequency == "monthly":
        weeks = schedule.get("week_of_month")
        n_weeks = len(weeks) if isinstance(weeks, list) else 1
        return day_count * max(n_weeks, 1) * 12 / 52
    return 1.0
