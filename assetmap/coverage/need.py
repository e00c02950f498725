"""Need: population and deprivation of small areas (LSOAs) summed and averaged up to wards and larger areas.

Pure numpy. Each LSOA belongs to one area of the level asked for (``group``: the area's index, or -1).
An area's deprivation is the population-weighted average of its LSOAs' IMD scores, ranked among the
areas of the same level (1 = most deprived), as MHCLG ranks councils by "average score". When the
edition loaded has no scores (the 2019 file here has ranks and deciles only) the population-weighted
average national rank is used instead (MHCLG's "average rank" measure), so a lower value is more deprived.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import numpy as np


@dataclasses.dataclass
class Need:
    """Per area: people, average IMD score (or average rank), its rank and decile among the areas, share in decile 1."""

    population: np.ndarray          # float, 0 when no LSOA
    score: np.ndarray               # population-weighted IMD score, NaN when none
    average_rank: np.ndarray        # population-weighted national LSOA rank, NaN when none
    imd_rank: np.ndarray            # int, 0 when unranked (no deprivation figures)
    imd_decile: np.ndarray          # int 1–10, 0 when unranked
    deprived_share: np.ndarray      # share of people in LSOAs of national decile 1, NaN when unknown


def _weighted_mean(values: np.ndarray, weights: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    known = ~np.isnan(values) & (group >= 0)
    total = np.bincount(group[known], weights=weights[known], minlength=n)
    summed = np.bincount(group[known], weights=(values * weights)[known], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, summed / np.where(total > 0, total, 1), np.nan)


def rank_areas(score: np.ndarray, average_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank 1 = most deprived (highest score; or lowest average rank when no area has a score), and deciles from it.

    >>> rank_areas(np.array([10.0, 30.0, np.nan, 20.0]), np.full(4, np.nan))[0].tolist()
    [3, 1, 0, 2]
    """
    use_score = bool(np.any(~np.isnan(score)))
    key = -score if use_score else average_rank
    ranked = np.flatnonzero(~np.isnan(key))
    order = ranked[np.argsort(key[ranked], kind="stable")]
    ranks = np.zeros(len(key), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    deciles = np.where(ranks > 0, np.ceil(ranks * 10 / max(len(order), 1)), 0).astype(np.int64)
    return ranks, deciles


def aggregate(group: np.ndarray, n: int, population: np.ndarray, score: np.ndarray, rank: np.ndarray, decile: np.ndarray) -> Need:
    """Sum people and weight deprivation by people, per area (see the module docstring)."""
    group = np.asarray(group, dtype=np.int64)
    population = np.nan_to_num(np.asarray(population, dtype=float))
    inside = group >= 0
    people = np.bincount(group[inside], weights=population[inside], minlength=n)
    mean_score = _weighted_mean(np.asarray(score, dtype=float), population, group, n)
    mean_rank = _weighted_mean(np.asarray(rank, dtype=float), population, group, n)
    decile = np.asarray(decile, dtype=float)
    in_first = np.where(np.isnan(decile), np.nan, (decile == 1).astype(float))
    share = _weighted_mean(in_first, population, group, n)
    imd_rank, imd_decile = rank_areas(mean_score, mean_rank)
    return Need(people, mean_score, mean_rank, imd_rank, imd_decile, share)


def bridge_population(population: Mapping[str, float], pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Carry populations from old LSOAs to new ones: a split LSOA's people are shared equally among its parts,
    merged LSOAs add up.

    >>> bridge_population({"a": 100, "b": 50, "c": 10}, [("a", "A1"), ("a", "A2"), ("b", "BC"), ("c", "BC")])
    {'A1': 50.0, 'A2': 50.0, 'BC': 60.0}
    """
    pairs = list(pairs)
    parts: dict[str, int] = {}
    for old, _new in pairs:
        parts[old] = parts.get(old, 0) + 1
    result: dict[str, float] = {}
    for old, new in pairs:
        if old in population:
            result[new] = result.get(new, 0.0) + float(population[old]) / parts[old]
    return result
