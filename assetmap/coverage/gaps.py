"""The gap score: need against provision among the areas compared, and which areas to flag."""

from __future__ import annotations

import numpy as np

GAP_SCORE_RULE = (
    "Gap score = need percentile minus access percentile, among the areas compared. The need percentile "
    "places an area by deprivation (100 = the most deprived of the areas shown, 0 = the least); the access "
    "percentile places it by the access score (100 = the best served, 0 = the least served). The score runs "
    "from -100 to 100: high means many deprived people and little within reach. An area is flagged when it is "
    "in the two most deprived tenths of its level in England (IMD decile 1 or 2) and its access is in the "
    "lowest fifth of the areas compared."
)
LOWEST_FIFTH = 20.0


def percentile(values: np.ndarray) -> np.ndarray:
    """0–100 by position among the known values (ties take the lowest place); NaN stays NaN.

    >>> percentile(np.array([5.0, 0.0, 0.0, 10.0, np.nan])).tolist()
    [66.66666666666667, 0.0, 0.0, 100.0, nan]
    """
    values = np.asarray(values, dtype=float)
    known = np.flatnonzero(~np.isnan(values))
    result = np.full(len(values), np.nan)
    if len(known) == 1:
        result[known] = 50.0
    elif len(known) > 1:
        ordered = np.sort(values[known])
        places = np.searchsorted(ordered, values[known], side="left")   # number of areas strictly lower
        result[known] = 100.0 * places / (len(known) - 1)
    return result


def gap_scores(imd_rank: np.ndarray, imd_decile: np.ndarray, access: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gap score, flagged) per area compared; the score is NaN when need or access is not known.

    >>> gap, flagged = gap_scores(np.array([1, 2, 3]), np.array([1, 1, 2]), np.array([0.0, 5.0, 1.0]))
    >>> gap.tolist(), flagged.tolist()
    ([100.0, -50.0, -50.0], [True, False, False])
    """
    rank = np.where(np.asarray(imd_rank) > 0, np.asarray(imd_rank, dtype=float), np.nan)
    need_pct = percentile(-rank)
    access_pct = percentile(access)
    gap = np.round(need_pct - access_pct, 1)
    flagged = (np.asarray(imd_decile) >= 1) & (np.asarray(imd_decile) <= 2) & (np.nan_to_num(access_pct, nan=101.0) <= LOWEST_FIFTH)
    return gap, flagged
