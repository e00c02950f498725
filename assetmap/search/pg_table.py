"""The directory's filter columns on PostgreSQL, held in each process and kept current by the database.

A search on PostgreSQL once fetched every matching record's filter columns (JSON lists as text),
joined with the whole ``activity`` table, and decoded them again for each query: most of its
time, and 180 ms for a map of a few thousand points. Instead each process holds every activity's
filter columns as one ``Table`` (the arrays the Whoosh backend keeps per index generation), so
PostgreSQL answers only which records match the words and how well, and a search with no words
(a map, a browse) needs no query beyond the check below.

Kept current by the database, not by trusting the process: each write to ``activity_search``
stamps its row with the writing transaction's id (``changed_xid``), a deleted activity leaves a
row in ``search_removed``, and a change of duplicate links stamps the linked rows again. Before
each search one statement returns every row stamped at or after the oldest transaction still
running at the previous look — so one that began earlier but committed later is not missed — and
the search tables' ``token``, which a rebuild renews (everything is then loaded again). A changed
activity's new row is added at the end and its old row marked not live; when a change is large,
or too many rows are dead, the table is read again in a background thread while searches go on
with the one they have. A search inside a transaction that has written (its own changes are not
committed, so not in the table) is answered the old way, from the rows themselves.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import threading
import time
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap import db
from assetmap.search import postings
from assetmap.search.filters import REMOTE
from assetmap.search.match_cache import MatchCache
from assetmap.search.near import NearPoint
from assetmap.search.pg_listen import Listener
from assetmap.search.postings import Postings
from assetmap.search.schema import FACET_RULES
from assetmap.search.table import MULTI_FIELDS, Table, as_timestamp, concatenated, id_tiebreak, multi_from_keys
from assetmap.search.text import load_synonyms, phrase_alternatives

FILTER_COLUMNS = ("id", "lat", "lon", "last_verified", "categories", "audience", "delivery", "accessibility",
                  "schedule", "status", "is_free", "service_area", "group_id", "capacity")
JSON_COLUMNS = {"categories", "audience", "delivery", "accessibility", "schedule", "service_area"}
# Each activity's group of linked duplicates, so a group is shown once (rows only for linked activities).
FROM_ACTIVITY = "activity a JOIN activity_search s ON s.activity_id = a.id LEFT JOIN duplicate_group g ON g.activity_id = a.id"
INLINE_CHANGES = 2_000       # changed rows a search applies itself; more are read in a background thread
INLINE_LOAD_ROWS = 50_000    # a directory this small is read by the first search itself, a bigger one in the background
DEAD_SHARE = 0.25            # read everything again once this share of the rows is dead
LOAD_CHUNK = 20_000          # rows read into a table at a time (a server-side cursor)
KEPT_DATABASES = 4           # tables kept per process (tests use many databases; a server one)
READY_SECONDS = 30.0         # after a look found the search tables, they are taken to be there this long
KNOWN_WORDS_SECONDS = 60.0   # whether a word is in any record, remembered this long (it only decides spelling hints)
KNOWN_WORDS_KEPT = 20_000
LOOK_AT_LEAST_S = 10.0      # a search looks for changes at least this often, announced or not
NOTIFY_TRIGGER = "activity_search_notify"   # made by ``pg_backend.TRIGGERS``; without it every search looks
LOG_GENERATIONS = 256        # batches of changed records each held table remembers (``match_cache`` re-matches only those)
LOG_IDS = 20_000             # changed records remembered in all
_epochs = itertools.count(1)

log = logging.getLogger(__name__)


def select_columns() -> str:
    """Filter columns, JSON lists as their text: identical lists are then decoded once per table, not per row."""
    return ", ".join(f"a.{c}::text AS {c}" if c in JSON_COLUMNS else "g.group_id" if c == "group_id" else f"a.{c}" for c in FILTER_COLUMNS)


def _multi(rows: Sequence, field: str):
    column, rule = FACET_RULES[field]
    position = FILTER_COLUMNS.index(column)
    decode = json.loads if column in JSON_COLUMNS else (lambda value: value)
    return multi_from_keys([row[position] for row in rows], lambda key: rule(None if key is None else decode(key)))


def table_of(rows: Sequence) -> Table:
    """A Table of rows holding ``FILTER_COLUMNS`` in that order (any further columns are ignored)."""
    ids = [row[0] for row in rows]
    return Table(
        ids=np.array(ids, dtype=object),
        live=np.ones(len(rows), dtype=bool),
        lat=np.array([row[1] for row in rows], dtype=float),
        lon=np.array([row[2] for row in rows], dtype=float),
        verified=np.array([as_timestamp(row[3]) for row in rows], dtype=float),
        multi={field: _multi(rows, field) for field in MULTI_FIELDS},
        tiebreak=id_tiebreak(ids),
    )


def reach_box(near: NearPoint, radius_km: float) -> tuple[float, float, float, float]:
    """South, north, west, east of a box holding the circle (with a little to spare): a superset of ``filters.reach``."""
    box = radius_km / 110.0 + 0.01
    widen = box / max(math.cos(math.radians(near.lat)), 0.1)
    return near.lat - box, near.lat + box, near.lon - widen, near.lon + widen


def candidates(table: Table, near: NearPoint | None, radius_km: float | None,
               box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Live rows that may be in reach (as ``pg_backend``'s reach clause), and inside ``box`` (west, south, east, north)."""
    return np.flatnonzero(reach_mask(table, slice(None), near, radius_km, box))


def reach_mask(table: Table, rows, near: NearPoint | None, radius_km: float | None,
               box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Which of ``rows`` (an index array, or ``slice(None)`` for all) are live and may be in reach, and inside ``box``."""
    keep = table.live[rows].copy()   # a slice gives a view: never change the table
    lat, lon = table.lat[rows], table.lon[rows]
    with np.errstate(invalid="ignore"):
        if box is not None:
            west, south, east, north = box
            keep &= (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        if near is not None and radius_km is not None:
            n = len(table)
            south, north, west, east = reach_box(near, radius_km)
            nearby = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
            serves = table.multi["serves"]
            has_area = np.zeros(n, dtype=bool)
            has_area[serves.rows] = True
            remote = table.multi["delivery"].rows_with_any(REMOTE, n)[rows]
            keep &= nearby | (remote & serves.rows_with_any(near.codes.values(), n)[rows]) | (remote & np.isnan(lat) & ~has_area[rows])
    return keep


@dataclasses.dataclass
class Held:
    """One process's table of a database, and how far it has read the database's changes."""

    table: Table
    row_of: dict[str, int]        # activity id → its current row (only ever grows; readers check the row is theirs)
    row_of_key: np.ndarray        # search_key → its current row, -1 for none: a search's matches found in one gather
    horizon: int                  # changes stamped at or after this transaction id are read again at the next look
    token: str
    seen: set[tuple[bool, str, int]] = dataclasses.field(default_factory=set)   # (removed, id, xid) at or above horizon, applied
    epoch: int = 0                # a new number each time the table is read whole
    generation: int = 0           # one more each time changed records are applied
    log: tuple[tuple[int, tuple[str, ...], np.ndarray], ...] = ()   # (generation, ids, search keys old and new) of the last few
    key_of_row: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))   # each row's search key
    postings: Postings | None = None   # each word's matches, as of the read (``search.postings``)

    def changed_since(self, generation: int) -> tuple[tuple[str, ...], np.ndarray] | None:
        """Ids and search keys (before and after) of the activities written or deleted after ``generation`` (None: no longer known)."""
        if generation < self.generation - len(self.log):
            return None
        later = [entry for entry in self.log if entry[0] > generation]
        ids = tuple(i for entry in later for i in entry[1])
        return ids, (np.concatenate([entry[2] for entry in later]) if later else np.zeros(0, np.int64))

    def rows(self, keys: np.ndarray, table: Table) -> np.ndarray:
        """The live row in ``table`` (a table this one was, or is) of each search key, -1 where it has none."""
        lookup = self.row_of_key
        rows = np.full(len(keys), -1, dtype=np.int64)
        known = keys < len(lookup)
        rows[known] = lookup[keys[known]]
        ours = (rows >= 0) & (rows < len(table))
        ours[ours] = table.live[rows[ours]]
        rows[~ours] = -1
        return rows


def _with_keys(lookup: np.ndarray, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``lookup`` (grown when a key is past its end, else changed in place) with ``keys`` now at ``rows``."""
    if len(keys) and keys.max() >= len(lookup):
        grown = np.full(max(int(keys.max()) + 1, len(lookup) * 5 // 4), -1, dtype=np.int64)
        grown[:len(lookup)] = lookup
        lookup = grown
    lookup[keys] = rows
    return lookup


LOOK_SQL = f"""
    WITH look AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, (SELECT token FROM search_state LIMIT 1) AS token,
                         pg_current_xact_id_if_assigned() IS NOT NULL AS writing,
                         EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'activity_search'::regclass AND tgname = '{NOTIFY_TRIGGER}')
                         AS announced)
    SELECT look.horizon, look.token, look.writing, look.announced, c.* FROM look LEFT JOIN (
        (SELECT s.changed_xid::text AS xid, false AS removed, s.search_key AS key, {select_columns()} FROM {FROM_ACTIVITY}
         WHERE s.changed_xid >= CAST(:since AS xid8)
         UNION ALL
         SELECT r.removed_xid::text, true, NULL, r.activity_id {', NULL' * (len(FILTER_COLUMNS) - 1)} FROM search_removed r
         WHERE r.removed_xid >= CAST(:since AS xid8))
        LIMIT :limit) AS c ON true"""
LOOK_FIRST_COLUMN = 7      # a look's row: horizon, token, writing, announced, xid, removed, key, then ``FILTER_COLUMNS``
_LOOK = sa.text(LOOK_SQL)   # made once: parsing the text for its parameters cost a fifth of a millisecond a search
LOAD_SQL = f"SELECT {select_columns()}, s.search_key AS key, s.changed_xid::text AS xid FROM {FROM_ACTIVITY}"
STATE_SQL = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, (SELECT token FROM search_state LIMIT 1) AS token"


def load(connection: sa.Connection) -> Held:
    """Read every activity's filter columns, and where the changes stood, in one snapshot (the caller's REPEATABLE READ).

    Read ``LOAD_CHUNK`` rows at a time, each made a table at once, so a million records never sit in
    memory as rows of Python objects.
    """
    state = connection.execute(sa.text(STATE_SQL)).one()
    horizon = int(state.horizon)
    parts, keys, seen = [], [], set()
    for rows in connection.execution_options(stream_results=True).execute(sa.text(LOAD_SQL)).partitions(LOAD_CHUNK):
        parts.append(table_of(rows))
        keys.append(np.fromiter((row[-2] for row in rows), dtype=np.int64, count=len(rows)))
        seen.update((False, row[0], int(row[-1])) for row in rows if int(row[-1]) >= horizon)
    table = concatenated(parts) if parts else table_of([])
    table.multi.update(days=table.days, times=table.times)   # worked out once here, then carried by every ``take``
    table.epoch = next(_epochs)
    keys = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    lookup = _with_keys(np.full(0, -1, dtype=np.int64), keys, np.arange(len(keys), dtype=np.int64))
    return Held(table, {activity_id: i for i, activity_id in enumerate(table.ids)}, lookup, horizon, state.token or "", seen,
                epoch=table.epoch, key_of_row=keys,
                postings=postings.read(connection, table, keys, phrase_alternatives(load_synonyms())))


def apply(held: Held, rows: Sequence, horizon: int) -> Held:
    """``held`` with the changes ``rows`` (from ``LOOK_SQL``: xid, removed, key, then the columns) applied; the new look's horizon.

    Changes already applied (re-read because an older transaction was still running) are skipped;
    the rest are taken in transaction order, a removal before a write of the same transaction, so an
    activity deleted and written again in one transaction stays, and one written then deleted goes.
    """
    new = sorted((r for r in rows if r.xid is not None and (r.removed, r.id, int(r.xid)) not in held.seen),
                 key=lambda r: (int(r.xid), not r.removed))
    seen = {key for key in held.seen if key[2] >= horizon} | {(r.removed, r.id, int(r.xid)) for r in new if int(r.xid) >= horizon}
    if not new:
        return dataclasses.replace(held, horizon=horizon, seen=seen)
    latest = {r.id: r for r in new}   # the last change of each activity wins
    dead = [held.row_of[i] for i in latest if i in held.row_of]
    written = [r for r in latest.values() if not r.removed]
    added = table_of([tuple(r)[LOOK_FIRST_COLUMN:] for r in written])
    table = held.table.appended(added, dead)
    for i in latest:
        if latest[i].removed:
            held.row_of.pop(i, None)
    new_rows = np.arange(len(held.table), len(table), dtype=np.int64)
    held.row_of.update(zip(added.ids, new_rows.tolist()))
    keys = np.array([r.key for r in written], dtype=np.int64)
    lookup = _with_keys(held.row_of_key, keys, new_rows)
    changed = (held.generation + 1, tuple(latest), np.concatenate([held.key_of_row[np.array(dead, dtype=np.int64)], keys]))
    return Held(table, held.row_of, lookup, horizon, held.token, seen, held.epoch, changed[0], _kept_log((*held.log, changed)),
                np.concatenate([held.key_of_row, keys]), None if held.postings is None else held.postings.touched_by(changed[2]))


def _kept_log(log: tuple) -> tuple:
    """The newest entries of a change log, at most ``LOG_GENERATIONS`` of them and ``LOG_IDS`` ids in all."""
    log = log[-LOG_GENERATIONS:]
    while len(log) > 1 and sum(len(entry[1]) for entry in log) > LOG_IDS:
        log = log[1:]
    return log


class Directory:
    """The held table of one database in this process, and the background reading of a new one."""

    def __init__(self, engine: sa.Engine, clock=time.monotonic):
        self.engine = engine
        self.held: Held | None = None
        self.lock = threading.Lock()
        self.reading: threading.Thread | None = None
        self.clock = clock
        self.ready_until = 0.0
        self.known_words: dict[str, bool] = {}
        self.words_until = 0.0
        self.matches = MatchCache()   # word matches of recent questions, kept exact through the held table's changes
        self.lexemes: dict[str, tuple[str, ...] | None] = {}   # an alternative's words → its lexemes (``postings.ask_lexemes``)
        self.listener = Listener(engine.url)
        self.looked: tuple[tuple[int, int], int, float] | None = None   # (listener's stamp, commits, clock) at the last trusted look

    def seen_ready(self) -> bool:
        """Whether a recent look found the search tables (saves asking the catalogue before every search)."""
        return self.held is not None and self.clock() < self.ready_until

    def remembered_words(self) -> dict[str, bool]:
        return self.known_words if self.clock() < self.words_until else {}

    def remember_words(self, known: dict[str, bool]) -> None:
        """Keep whether these words are in committed records, for ``KNOWN_WORDS_SECONDS`` (all are forgotten together)."""
        if self.clock() >= self.words_until or len(self.known_words) > KNOWN_WORDS_KEPT:
            self.known_words, self.words_until = {}, self.clock() + KNOWN_WORDS_SECONDS
        self.known_words = {**self.known_words, **known}   # a new dict: readers in other threads hold the old one

    def current(self, session: Session) -> Held | None:
        """The table as of now (None: answer from the rows themselves, while it is read or in a writing transaction)."""
        with self.lock:
            if self.reading is not None and self.reading.is_alive():
                return None if self.held is None or self._writing(session) else self.held
            if self.held is None:
                return self._first_read(session)
            if self._nothing_new(session):
                return self.held
            stamp, commits, self.looked = self.listener.stamp(), db.commits_here(self.engine), None   # before the look: later ones differ
            look = session.execute(_LOOK, {"since": str(self.held.horizon), "limit": INLINE_CHANGES + 1}).all()
            first = look[0]
            if first.writing:
                return None
            if first.token != self.held.token:   # rebuilt: nothing held is known to be true
                self.held = None
                return self._first_read(session)
            if len(look) > INLINE_CHANGES or self._mostly_dead():
                self._read_aside()
                return self.held
            self.held = apply(self.held, look, int(first.horizon))
            if self._postings_behind():
                self._read_aside()   # searches go on with the table just brought up to date meanwhile
            self.ready_until = self.clock() + READY_SECONDS
            self.looked = (stamp, commits, self.clock()) if first.announced and stamp is not None else None
            return self.held

    def _nothing_new(self, session: Session) -> bool:
        """Whether the database has announced no change since the last look (``pg_listen``), so this search need not look.

        Only for a session that has not begun (it cannot have written), for ``LOOK_AT_LEAST_S`` at most, and not after a
        commit in this process (``db.commits_here``): its own announcement may still be on its way.
        """
        return (self.looked is not None and not session.in_transaction() and db.commits_here(self.engine) == self.looked[1]
                and self.clock() - self.looked[2] < LOOK_AT_LEAST_S and self.listener.stamp() == self.looked[0])

    def close(self) -> None:
        with self.lock:
            self.listener.close()

    def _writing(self, session: Session) -> bool:
        return bool(session.scalar(sa.text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")))

    def _postings_behind(self) -> bool:
        postings_now = self.held.postings
        return postings_now is not None and len(postings_now.touched) > postings.TOUCHED_MAX

    def _mostly_dead(self) -> bool:
        table = self.held.table
        return len(table) > 1000 and (len(table) - len(self.held.row_of)) > DEAD_SHARE * len(table)

    def _first_read(self, session: Session) -> Held | None:
        if self._writing(session):
            return None
        if (session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'activity_search'::regclass")) or 0) > INLINE_LOAD_ROWS:
            self._read_aside()
            return None
        self.held = self._read()
        return self.held

    def _read(self) -> Held:
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
            return load(connection)

    def _read_aside(self) -> None:
        """Read the whole table again in a thread; searches keep the one held meanwhile."""
        def read() -> None:
            try:
                held = self._read()
                with self.lock:
                    self.held = held
            except Exception:   # the next search tries again; meanwhile searches answer from the rows
                log.exception("reading the search table failed")

        self.reading = threading.Thread(target=read, name="assetmap-pg-table", daemon=True)
        self.reading.start()


_directories: dict[str, Directory] = {}
_directories_lock = threading.Lock()


def directory(session: Session) -> Directory:
    """This process's Directory for the session's database (a few kept, the oldest dropped)."""
    engine = session.get_bind().engine
    key = engine.url.render_as_string(hide_password=True)
    with _directories_lock:
        found = _directories.get(key)
        if found is None:
            found = _directories[key] = Directory(engine)
            while len(_directories) > KEPT_DATABASES:
                _directories.pop(next(iter(_directories))).close()
        return found


def forget(engine: sa.Engine) -> None:
    """Drop this process's Directory of a database (its listening connection closes): before the database goes."""
    with _directories_lock:
        found = _directories.pop(engine.url.render_as_string(hide_password=True), None)
    if found is not None:
        found.close()
