"""Provision, counted two ways per area: ``activities`` located there, and ``reach``.

An activity *reaches* an area when any of these holds (each activity counts once per area):

1. it is located in the area;
2. its service area names the area, an area containing it (its council, STP or ICB), or an area
   inside it (a ward of a council that is asked about);
3. it is delivered by telephone or online: then it reaches its service area, or, when it names
   none, the council it is based in (a national helpline should say so in its service area);
4. it is held in person within walking distance (``ASSETMAP_COVERAGE_WALK_KM``) of the centre of one
   of the area's small areas (LSOAs), i.e. of where its people live.

Pure numpy and scipy: reach is a sparse activity × area matrix built once from the (activity, area) pairs
of every route (duplicates merged), then counted for a mask (all records, one category, fresh records
only …) with one sparse product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

REMOTE_MODES = ("telephone", "online")


def count_located(area_of: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Activities per area by where they are (``area_of``: area index per activity, -1 for none).

    >>> count_located(np.array([0, 0, 2, -1]), np.array([True, False, True, True]), 3).tolist()
    [1, 0, 1]
    """
    keep = mask & (area_of >= 0)
    return np.bincount(area_of[keep], minlength=n).astype(np.int64)


def service_pairs(service_areas: Sequence[Sequence[str]], covers: Mapping[str, np.ndarray],
                  rows: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(activity, area) for each area a listed service-area code covers (``covers``: code → area indices).

    ``rows`` limits the work to those activities (``service_areas[k]`` then belongs to activity ``rows[k]``).
    """
    owners, hits = [], []
    for k, codes in enumerate(service_areas):
        for code in codes or ():
            hit = covers.get(code)
            if hit is not None and len(hit):
                owners.append(k if rows is None else rows[k])
                hits.append(hit)
    if not hits:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    return np.repeat(np.array(owners, dtype=np.int64), lengths), np.concatenate(hits).astype(np.int64)


def remote_pairs(acts, covers: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(activity, area) for telephone and online activities without a service area: their own council's areas.

    Those with a service area are already counted by ``service_pairs``. ``acts`` is a ``data.Activities``.
    """
    remote = np.flatnonzero(acts.with_value("delivery", "telephone") | acts.with_value("delivery", "online"))
    councils = acts.codes["lad"]
    rows = [int(i) for i in remote if councils[i] and not acts.service_area[i]]
    return service_pairs([[councils[i]] for i in rows], covers, rows)


def walk_pairs(lsoa_act: np.ndarray, lsoa_idx: np.ndarray, lsoa_area: np.ndarray, in_person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(activity, area) for in-person activities within walking distance of one of the area's LSOA centres."""
    area = lsoa_area[lsoa_idx]
    keep = (area >= 0) & in_person[lsoa_act]
    return lsoa_act[keep], area[keep]


def reach_matrix(n_acts: int, n_areas: int, *pairs: tuple[np.ndarray, np.ndarray]) -> sparse.csr_matrix:
    """Activity × area matrix, 1 where the activity reaches the area by any route (each pair counted once)."""
    acts = np.concatenate([p[0] for p in pairs]) if pairs else np.zeros(0, dtype=np.int64)
    areas = np.concatenate([p[1] for p in pairs]) if pairs else np.zeros(0, dtype=np.int64)
    matrix = sparse.csr_matrix((np.ones(len(acts), dtype=np.float64), (acts, areas)), shape=(n_acts, n_areas))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def count_reach(matrix: sparse.csr_matrix, mask: np.ndarray) -> np.ndarray:
    """Activities reaching each area, among those the mask keeps: one sparse product.

    >>> m = reach_matrix(2, 2, (np.array([0, 1, 1, 1]), np.array([0, 0, 1, 1])))
    >>> count_reach(m, np.array([True, True])).tolist(), count_reach(m, np.array([False, True])).tolist()
    ([2, 1], [1, 1])
    """
    return np.rint(matrix.T @ mask.astype(np.float64)).astype(np.int64)


def per_10k(count: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Activities per 10,000 residents; NaN where the population is not known.

    >>> per_10k(np.array([3, 1]), np.array([6000.0, 0.0])).tolist()
    [5.0, nan]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(population > 0, count * 10_000.0 / np.where(population > 0, population, 1), np.nan)
