"""Linked duplicates in search: a group of records that are one activity is shown once.

Each row's group comes from the index (the ``group`` keyword, ``DuplicateGroup.group_id``, written
when links change), so collapsing costs array operations, never a query per result. Rows with no
group are groups of one. Of a group's rows that match the search, one is shown: the most recently
verified, then the most complete (most of the searched fields filled in), then the first by id;
the others are "also listed". Totals count groups, and so do facets: a group counts once for each
value any of its matching rows has (as an activity with two categories counts under both).
"""

from __future__ import annotations

import numpy as np

from assetmap.search.table import Multi, Table

COMPLETENESS_FIELDS = ("categories", "audience", "delivery", "accessibility", "when", "serves")


def group_codes(table: Table) -> np.ndarray:
    """A group number per row: rows of one duplicate group share it, every other row has one of its own."""
    if ("groups",) not in table.cache:
        multi = table.multi.get("group")
        offset = len(multi.values) if multi is not None else 0
        codes = np.arange(len(table), dtype=np.int64) + offset
        if multi is not None and len(multi.rows):
            codes[multi.rows] = multi.codes
        table.cache[("groups",)] = codes
    return table.cache[("groups",)]


def grouped_rows(table: Table) -> np.ndarray:
    """Mask of rows in a group of two or more (only linked records have a group value)."""
    if ("grouped",) not in table.cache:
        multi = table.multi.get("group")
        table.cache[("grouped",)] = multi.filled(len(table)) if multi is not None else np.zeros(len(table), dtype=bool)
    return table.cache[("grouped",)]


def completeness(table: Table) -> np.ndarray:
    """How many of the searched fields a row fills in (a place and a known cost count too)."""
    if ("completeness",) not in table.cache:
        n = len(table)
        filled = np.isfinite(table.lat).astype(np.int16)
        for field in COMPLETENESS_FIELDS:
            if field in table.multi:
                filled += table.multi[field].filled(n)
        if "free" in table.multi:
            filled += ~table.multi["free"].rows_with_any(["unknown"], n)
        table.cache[("completeness",)] = filled
    return table.cache[("completeness",)]


def _members_in_order(table: Table, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` that are in a group, best first within each group, and their group numbers."""
    linked = rows[grouped_rows(table)[rows]]
    if not len(linked):   # most searches: nothing to order (and no columns to read for it)
        return linked, linked
    codes = group_codes(table)[linked]
    verified = np.nan_to_num(table.verified[linked], nan=-np.inf)
    order = np.lexsort((linked, -completeness(table)[linked], -verified, codes))
    return linked[order], codes[order]


def collapse(table: Table, rows: np.ndarray) -> np.ndarray:
    """``rows`` (sorted row numbers) with one row per group: the group's best (see the module's rule)."""
    linked, codes = _members_in_order(table, rows)
    if not len(linked):
        return rows
    later = np.ones(len(linked), dtype=bool)
    later[0] = False
    later[1:] = codes[1:] == codes[:-1]
    keep = np.zeros(len(table), dtype=bool)
    keep[rows] = True
    keep[linked[later]] = False
    return np.flatnonzero(keep)


def others_in_group(table: Table, rows: np.ndarray, shown: np.ndarray) -> dict[int, list[int]]:
    """For each shown row in a group, the other rows of ``rows`` in its group, best first."""
    linked, codes = _members_in_order(table, rows)
    if not len(linked):
        return {}
    by_code: dict[int, list[int]] = {}
    for row, code in zip(linked.tolist(), codes.tolist()):
        by_code.setdefault(code, []).append(row)
    numbers, shown = group_codes(table), np.asarray(shown)
    return {int(r): [o for o in by_code.get(int(numbers[r]), []) if o != r] for r in shown[grouped_rows(table)[shown]]}


def _excess(table: Table, rows: np.ndarray, codes: np.ndarray, width: int) -> np.ndarray:
    """Per value: how many more rows than groups of ``rows`` have it (rows paired with ``codes``)."""
    if not len(rows):
        return np.zeros(width, dtype=np.int64)
    pairs = np.unique(group_codes(table)[rows] * width + codes)
    return np.bincount(codes, minlength=width) - np.bincount(pairs % width, minlength=width)


def count_values(table: Table, multi: Multi, mask: np.ndarray) -> dict[str, int]:
    """``multi.counts(mask)``, counting a group once per value."""
    counts = multi.counts(mask)
    if not grouped_rows(table).any():   # no linked duplicates among these rows: nothing to take off
        return counts
    key = ("grouped_entries", id(multi))
    if key not in table.cache:
        table.cache[key] = np.flatnonzero(grouped_rows(table)[multi.rows])
    entries = table.cache[key]
    entries = entries[mask[multi.rows[entries]]]
    excess = _excess(table, multi.rows[entries], multi.codes[entries].astype(np.int64), max(len(multi.values), 1))
    for code in np.flatnonzero(excess):
        counts[multi.values[code]] -= int(excess[code])
    return counts


def count_codes(table: Table, codes: np.ndarray, mask: np.ndarray, width: int) -> np.ndarray:
    """``bincount(codes[mask])`` for one code per row (freshness), counting a group once per code."""
    counts = np.bincount(codes[mask], minlength=width)
    linked = np.flatnonzero(mask & grouped_rows(table))
    return counts - _excess(table, linked, codes[linked].astype(np.int64), width)
