"""The order results come in: relevance first, then nearness, with doubtful records sunk.

Scores are only comparable within one query, so relevance is cut into three bands relative to the
best match (strong, fair, weak). Inside a band, current records come before stale, never-checked
and paused ones, recently checked ones before ageing ones (checked over ``ageing_after_days`` ago),
then the nearest first: among equally relevant results, fresher and nearer first. A stale record that matches strongly still beats a fresh
one that barely matches: sinking must not hide the right answer. With no words, nearest first
(near) or most recently checked first (nothing at all).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BANDS = 3
MORE_ALTERNATIVES = 0.25   # share of the other alternatives' scores added to the best one
CATEGORY_SHARE = 0.3       # of the best score, added for being in a category the query names
GENERIC_SHARE = 0.3        # of a generic word's score ("group", "club"): it says little about the subject


def concept_score(best: np.ndarray, total: np.ndarray) -> np.ndarray:
    """A concept's score from its alternatives: the best match, plus a little for each other one.

    A record that says "befriending", "friendship" *and* "company" is more plainly about loneliness
    than one that says "social" once, but listing synonyms must not outweigh a direct match.
    """
    return (best + MORE_ALTERNATIVES * (total - best)).astype(np.float32)


def boost_category(scores: np.ndarray, in_category: np.ndarray) -> np.ndarray:
    """Matching records filed under a category the query names get a share of the best score on top.

    Categories are chosen by people at ingest, so "filed under befriending" is stronger evidence
    for "lonely" than a word's rarity in the text, which is all BM25 sees.
    """
    matched = (scores > 0) & in_category
    if not matched.any():
        return scores
    return (scores + CATEGORY_SHARE * float(scores.max()) * matched).astype(np.float32)


def combine_concepts(concept_scores: Sequence[np.ndarray], essential: Sequence[bool], n: int, min_match: int) -> tuple[np.ndarray, np.ndarray]:
    """A record's score (sum over concepts × share of essential concepts matched) and whether it matches enough.

    Generic words ("group") count for a little, so "womens group" ranks a women's network above a
    men's shed that says "(and women)" and "group".

    With no concepts (no words) every record matches with score 0.
    """
    if not concept_scores:
        return np.zeros(n, dtype=np.float32), np.ones(n, dtype=bool)
    total = np.zeros(n, dtype=np.float32)
    hits = np.zeros(n, dtype=np.int16)
    for scores, counts in zip(concept_scores, essential):
        if counts:
            total += scores
            hits += scores > 0
        else:
            total += GENERIC_SHARE * scores
    coverage = hits / max(1, sum(essential))
    return (total * coverage).astype(np.float32), hits >= min_match


def relevance_bands(scores: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """0 for scores within the top third of the best, 1 the middle third, 2 the rest (with ``bands`` = 3)."""
    best = float(scores.max()) if len(scores) else 0.0
    if best <= 0:
        return np.zeros(len(scores), dtype=np.int8)
    return np.minimum(bands - 1, np.floor((1 - scores / best) * bands)).astype(np.int8)


def order_rows(rows: np.ndarray, score: np.ndarray, sink: np.ndarray, verified: np.ndarray,
               sort_km: np.ndarray | None, has_text: bool, limit: int, ageing: np.ndarray | None = None,
               tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The first ``limit`` of ``rows`` in result order (``rows`` are indexes into the other arrays).

    ``ageing`` (true for a record due a check) breaks ties after relevance band and sinking, before
    distance and exact score: a fresher befriending service beats an equally relevant one last
    checked eleven months ago. Rows equal in everything are ordered by ``tiebreak`` (else by row).
    """
    if not len(rows):
        return rows
    scores = score[rows]
    group = sink[rows].astype(np.int64)
    if has_text:  # near a place, halves not thirds: a match half as good as the best, nearer, is what was asked for
        bands = relevance_bands(scores, BANDS if sort_km is None else 2).astype(np.int64)
        group = bands * (int(group.max()) - int(group.min()) + 1) + group - int(group.min())
    if ageing is not None and has_text:   # with no words, nearness is the whole question
        group = group * 2 + ageing[rows]
    first = _first_groups(group, limit)   # (band, sinking, ageing) decide first: sort only the groups the page reaches
    rows, scores, group = rows[first], scores[first], group[first]
    keys: list[np.ndarray] = [rows]                                 # last resort: stable order
    if tiebreak is not None:
        keys.append(tiebreak[rows])
    keys.append(-np.nan_to_num(verified[rows], nan=-np.inf))        # then most recently checked
    if has_text:
        keys.append(-scores)
    if sort_km is not None:
        keys.append(sort_km[rows])
    keys.append(group)
    order = np.lexsort(keys)
    return rows[order[:limit]]


def _first_groups(group: np.ndarray, limit: int) -> np.ndarray:
    """Mask of the rows in the lowest groups that hold the first ``limit`` rows (every group up to and including that one).

    Sorting 17,000 matches on six keys for a page of 20 was a sixth of a big search at a million records.
    """
    if limit >= len(group):
        return np.ones(len(group), dtype=bool)
    low = int(group.min())
    last = int(np.searchsorted(np.cumsum(np.bincount(group - low)), limit))
    return group - low <= last
