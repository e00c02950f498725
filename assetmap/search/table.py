"""The columns a search filters, counts and sorts on, as numpy arrays: one row per activity.

Both backends hand the query layer a ``Table``: the Whoosh backend one row per index document
(built once per index generation and cached), the PostgreSQL backend one row per fetched record.
Filters are boolean masks over rows and facet counts are ``bincount``s, so applying nine filters
and counting nine facets over 100,000 activities costs milliseconds and never touches the database.
Multi-valued fields (categories, audience, schedule tokens …) are stored as parallel
``(row, value code)`` arrays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np

from assetmap.schedule import days_of_token, is_past_token, is_token_at, times_of_token

MULTI_FIELDS = ("categories", "audience", "delivery", "accessibility", "when", "status", "free", "serves", "group", "capacity")
MASK_CACHE = 64   # filter masks kept per field (a snapshot lives as long as its index generation)


@dataclasses.dataclass
class Multi:
    """A multi-valued field: entry ``i`` says row ``rows[i]`` has value ``values[codes[i]]``."""

    rows: np.ndarray
    codes: np.ndarray
    values: list[str]

    def __post_init__(self) -> None:
        self._code_of = {v: i for i, v in enumerate(self.values)}
        self._masks: dict[tuple, np.ndarray] = {}

    def codes_for(self, wanted: Iterable[str]) -> np.ndarray:
        return np.array([self._code_of[v] for v in wanted if v in self._code_of], dtype=np.int32)

    def rows_with_any(self, wanted: Iterable[str], n: int) -> np.ndarray:
        """Mask of rows having at least one of the wanted values (cached: treat it as read-only)."""
        key = (n, *sorted(set(wanted)))
        mask = self._masks.get(key)
        if mask is None:
            mask = np.zeros(n, dtype=bool)
            codes = self.codes_for(key[1:])
            if len(codes):
                wanted_code = np.zeros(len(self.values), dtype=bool)   # a gather, not np.isin's sort: 2 ms, not 25, at a million
                wanted_code[codes] = True
                mask[self.rows[wanted_code[self.codes]]] = True
            mask.flags.writeable = False
            if len(self._masks) >= MASK_CACHE:
                self._masks.clear()  # atomic, unlike evicting one entry while another thread reads
            self._masks[key] = mask
        return mask

    def filled(self, n: int) -> np.ndarray:
        """Mask of rows having at least one value."""
        return np.bincount(self.rows, minlength=n)[:n] > 0

    def rows_with_all(self, wanted: Sequence[str], n: int) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        for value in wanted:
            mask &= self.rows_with_any([value], n)
        return mask

    def take(self, rows: np.ndarray) -> Multi:
        """The entries of these rows only, renumbered 0, 1, … in the order given (``self.rows`` must be sorted)."""
        return Multi(*_entries_of(self, rows), self.values)

    def taken(self, rows: np.ndarray, n: int) -> Multi:
        """``take(rows)`` worked out only if its entries are read; ``n``: this Multi's table's length (see ``TakenMulti``)."""
        return TakenMulti(self, n, rows)

    def counts(self, rows_mask: np.ndarray) -> dict[str, int]:
        """How many selected rows have each value (rows counted once per value)."""
        picked = self.codes[rows_mask[self.rows]]
        counts = np.bincount(picked, minlength=len(self.values))
        return {self.values[i]: int(c) for i, c in enumerate(counts) if c}


def _entries_of(multi: Multi, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, codes) of ``multi``'s entries for these rows, renumbered 0, 1, … in the order given."""
    bounds = _row_bounds(multi)
    rows = np.minimum(rows, len(bounds) - 2)   # a row past the last entry's has none (its bounds are equal)
    starts = bounds[rows]
    lengths = bounds[rows + 1] - starts
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.arange(len(rows), dtype=np.int64), lengths), multi.codes[np.repeat(starts, lengths) + within]


def _row_bounds(multi: Multi) -> np.ndarray:
    """Where each row's entries start in ``multi`` (one more for the end), worked out once per Multi.

    Looking each taken row up by binary search read all over a held table's million entries (a
    search's candidates in random order): 25 ms a search at 1,000,000 activities; two gathers do not.
    """
    bounds = multi.__dict__.get("_bounds")
    if bounds is None:
        last = int(multi.rows[-1]) + 1 if len(multi.rows) else 0
        bounds = np.searchsorted(multi.rows, np.arange(last + 3), "left")   # rows past the last have none
        bounds = bounds.astype(np.int32) if len(multi.rows) < 2**31 else bounds
        multi.__dict__["_bounds"] = bounds
    return bounds


class TakenMulti(Multi):
    """A Multi's entries for some rows (``Multi.take``), copied only when its ``rows`` or ``codes`` are first read.

    A search takes its candidates' rows of all twelve multi-valued columns, though a map of a box
    reads few of them (status, the schedule's end): copying them all was a sixth of its time.
    A mask of rows with some values is the whole Multi's mask (kept by it, shared by every search
    of the same held table) at the taken rows, so the common filters copy nothing at all.
    Read-only like every Multi a search holds.
    """

    def __init__(self, whole: Multi, whole_n: int, rows: np.ndarray):   # not the dataclass's: nothing is copied yet
        if isinstance(whole, TakenMulti):   # a take of a take: of the first whole, at its rows
            whole, whole_n, rows = whole._whole, whole._whole_n, whole._taken_rows[rows]
        self._whole, self._whole_n, self._taken_rows = whole, whole_n, np.asarray(rows, dtype=np.int64)
        self.values = whole.values
        self._code_of = whole._code_of
        self._masks: dict[tuple, np.ndarray] = {}
        self._made: tuple[np.ndarray, np.ndarray] | None = None

    def _entries(self) -> tuple[np.ndarray, np.ndarray]:
        made = self._made
        if made is None:
            made = self._made = _entries_of(self._whole, self._taken_rows)
        return made

    @property
    def rows(self) -> np.ndarray:   # type: ignore[override]
        return self._entries()[0]

    def counts(self, rows_mask: np.ndarray) -> dict[str, int]:
        """As ``Multi.counts``, reading only the selected rows' entries of the whole (a facet's rows are a few of those taken)."""
        if self._made is not None:
            return super().counts(rows_mask)
        counts = np.bincount(_entries_of(self._whole, self._taken_rows[rows_mask])[1], minlength=len(self.values))
        return {self.values[i]: int(c) for i, c in enumerate(counts) if c}

    @property
    def codes(self) -> np.ndarray:   # type: ignore[override]
        return self._entries()[1]

    def rows_with_any(self, wanted: Iterable[str], n: int) -> np.ndarray:
        if n != len(self._taken_rows):
            return super().rows_with_any(wanted, n)
        key = (n, *sorted(set(wanted)))
        mask = self._masks.get(key)
        if mask is None:
            mask = self._whole.rows_with_any(key[1:], self._whole_n)[self._taken_rows]
            mask.flags.writeable = False
            if len(self._masks) >= MASK_CACHE:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def filled(self, n: int) -> np.ndarray:
        if n != len(self._taken_rows):
            return super().filled(n)
        return self._whole.rows_with_any(self.values, self._whole_n)[self._taken_rows]   # every value: kept by the whole

    def taken(self, rows: np.ndarray, n: int) -> Multi:
        return TakenMulti(self, n, rows)


def multi_from_keys(keys: Sequence[Hashable], values_of: Callable[[Hashable], Iterable[str]]) -> Multi:
    """A Multi for rows whose values follow from a key (a JSON text, a flag), worked out once per distinct key.

    Most rows share their category list or schedule with many others, so the Python work is per
    distinct key and the per-row work is numpy.
    """
    index: dict = {}
    inverse = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    values: dict[str, int] = {}
    per_key = [[values.setdefault(v, len(values)) for v in dict.fromkeys(values_of(k))] for k in index]
    lengths_of_key = np.array([len(c) for c in per_key], dtype=np.int64)
    starts_of_key = np.concatenate([[0], np.cumsum(lengths_of_key)[:-1]]) if len(per_key) else np.zeros(0, np.int64)
    flat = np.array([c for codes in per_key for c in codes], dtype=np.int32)
    lengths = lengths_of_key[inverse] if len(keys) else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    codes = flat[np.repeat(starts_of_key[inverse], lengths) + within] if len(rows) else np.zeros(0, np.int32)
    return Multi(rows, codes.astype(np.int32), list(values))


def merged(parts: Sequence[tuple[Multi, int]]) -> Multi:
    """Several Multis as one: each one's rows moved by its base, codes mapped to shared values (rows stay sorted)."""
    index: dict[str, int] = {}
    rows, codes = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
    for multi, base in parts:
        remap = np.array([index.setdefault(v, len(index)) for v in multi.values], dtype=np.int32)
        if len(multi.rows):
            rows.append(multi.rows + base)
            codes.append(remap[multi.codes])
    return Multi(np.concatenate(rows), np.concatenate(codes).astype(np.int32), list(index))


def multi_from_lists(lists: Sequence[Sequence[str]]) -> Multi:
    """A Multi from one list of values per row (tests, small tables)."""
    return multi_from_keys([tuple(items or ()) for items in lists], lambda items: items)


def _derived(when: Multi, parts_of) -> Multi:
    """A Multi of days or times worked out from schedule tokens ("tue morning"), each once per row."""
    names: list[str] = []
    rows, codes = [], []
    for code, token in enumerate(when.values):
        token_rows = when.rows[when.codes == code]
        for part in parts_of(token):
            if part not in names:
                names.append(part)
            rows.append(token_rows)
            codes.append(np.full(len(token_rows), names.index(part), dtype=np.int64))
    if not rows:
        return Multi(np.zeros(0, np.int64), np.zeros(0, np.int32), [])
    width = len(names)
    unique = np.unique(np.concatenate(rows) * width + np.concatenate(codes))
    return Multi(unique // width, (unique % width).astype(np.int32), names)


@dataclasses.dataclass
class Table:
    ids: np.ndarray            # activity ids (object array)
    live: np.ndarray           # False for index documents deleted since the last merge
    lat: np.ndarray            # NaN where the activity has no point
    lon: np.ndarray
    verified: np.ndarray       # last_verified as POSIX seconds, NaN when nobody ever checked
    multi: dict[str, Multi]
    # Orders rows that tie on everything else; None: by row. Tables assembled per search (PostgreSQL) need a key
    # every process and every page agrees on, or a page boundary between equal records moves between requests.
    tiebreak: np.ndarray | None = None

    cache: dict = dataclasses.field(default_factory=dict)   # per-table results that depend only on the table
    # A table a process holds and keeps current (``pg_table``) has an epoch (0: none): within one epoch a row stands for
    # one version of one record, so (epoch, row) names what a result page shows (``search.records``). ``origin``: the
    # held table's row of each row of a table taken from it (None: this is the held table).
    epoch: int = 0
    origin: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> Table:
        """A table of these rows only, in the order given: a search then works over its candidates, not the whole directory."""
        return Table(ids=self.ids[rows], live=self.live[rows], lat=self.lat[rows], lon=self.lon[rows], verified=self.verified[rows],
                     multi={field: multi.taken(rows, len(self)) for field, multi in self.multi.items()},
                     tiebreak=None if self.tiebreak is None else self.tiebreak[rows],
                     epoch=self.epoch, origin=rows if self.origin is None else self.origin[rows])

    def versions(self, rows) -> list[tuple[int, int]] | None:
        """(epoch, held row) of these rows: what each one is, exactly, in this process (None: not a held table's)."""
        if not self.epoch:
            return None
        held = rows if self.origin is None else self.origin[rows]
        return [(self.epoch, int(r)) for r in held]

    def appended(self, other: Table, dead: Iterable[int] = ()) -> Table:
        """This table with ``other``'s rows added at the end and the ``dead`` rows no longer live (neither is changed)."""
        both = concatenated([self, other])
        both.live[np.fromiter(dead, dtype=np.int64)] = False
        both.epoch = self.epoch   # rows already held keep their numbers: each still stands for the same version
        return both

    def _field(self, name: str) -> Multi:
        return getattr(self, name) if name in ("days", "times") else self.multi[name]

    @property
    def days(self) -> Multi:
        if "days" not in self.multi:
            self.multi["days"] = _derived(self.multi["when"], days_of_token)
        return self.multi["days"]

    @property
    def times(self) -> Multi:
        if "times" not in self.multi:
            self.multi["times"] = _derived(self.multi["when"], times_of_token)
        return self.multi["times"]


def concatenated(tables: Sequence[Table]) -> Table:
    """One table of these tables' rows, in order (each Multi merged, with its days and times when a part has them)."""
    bases = np.concatenate([[0], np.cumsum([len(t) for t in tables])[:-1]]).astype(np.int64) if tables else []
    fields = dict.fromkeys(f for t in tables for f in [*t.multi, "days", "times"] if f in t.multi or "when" in t.multi)

    def joined(column: str) -> np.ndarray:
        return np.concatenate([getattr(t, column) for t in tables])

    return Table(ids=joined("ids"), live=joined("live"), lat=joined("lat"), lon=joined("lon"), verified=joined("verified"),
                 multi={f: merged([(t._field(f), int(base)) for t, base in zip(tables, bases)]) for f in fields},
                 tiebreak=joined("tiebreak") if tables and all(t.tiebreak is not None for t in tables) else None)


def id_tiebreak(ids: Sequence[str]) -> np.ndarray:
    """A number per id that is the same in every process (a CRC of its text), to order otherwise equal rows by."""
    return np.fromiter((zlib.crc32(str(i).encode()) for i in ids), dtype=np.int64, count=len(ids))


def as_timestamp(value: dt.datetime | None) -> float:
    """POSIX seconds; a naive datetime (SQLite gives those back) is taken to be UTC."""
    if value is None:
        return float("nan")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def table_freshness(table: Table, now: dt.datetime, ageing_after_days: int, stale_after_days: int) -> np.ndarray:
    """``freshness_codes`` for a table, worked out again at most once a minute."""
    key = ("freshness", int(as_timestamp(now) // 60), ageing_after_days, stale_after_days)
    if key not in table.cache:
        table.cache = {k: v for k, v in table.cache.items() if k[0] != "freshness"}
        table.cache[key] = freshness_codes(table.verified, now, ageing_after_days, stale_after_days)
    return table.cache[key]


def table_unchecked_for(table: Table, now: dt.datetime, days: int) -> np.ndarray:
    """Rows last checked ``days`` or more ago (never-checked rows have no date, so are not among them)."""
    with np.errstate(invalid="ignore"):
        return (as_timestamp(now) - table.verified) >= days * 86400.0


def freshness_codes(verified: np.ndarray, now: dt.datetime, ageing_after_days: int, stale_after_days: int) -> np.ndarray:
    """Index into FRESHNESS_STATES per row, by the same rule as ``freshness.freshness_of``."""
    with np.errstate(invalid="ignore"):
        days = np.maximum(0, np.floor((as_timestamp(now) - verified) / 86400.0))
        codes = np.where(days >= stale_after_days, 2, np.where(days >= ageing_after_days, 1, 0))
    return np.where(np.isnan(verified), 3, codes).astype(np.int8)


def schedule_mask(table: Table, days: Sequence[str], times: Sequence[str]) -> np.ndarray | None:
    """Rows with a schedule token on one of the days at one of the times (None: no such filter).

    The day and the time must belong to the same token: "Tuesday morning" does not match an
    activity on Tuesday evenings and Thursday mornings.
    """
    if not days and not times:
        return None
    wanted = [token for token in table.multi["when"].values if is_token_at(token, days, times)]
    return table.multi["when"].rows_with_any(wanted, len(table))


def ended_mask(table: Table, today: dt.date) -> np.ndarray:
    """Rows whose schedule stopped before ``today``: a one-off event whose dates are past, a date range that ended.

    Read from the ``until <date>`` schedule token, so an event drops out the day after it ends with no
    re-indexing. Worked out once per table and day (the distinct tokens, not the rows, are looked at).
    """
    key = ("ended", today)
    if key not in table.cache:
        when = table.multi["when"]
        past = [token for token in when.values if is_past_token(token, today)]
        table.cache = {k: v for k, v in table.cache.items() if k[0] != "ended"}
        table.cache[key] = when.rows_with_any(past, len(table))
    return table.cache[key]
