"""Each map point's GeoJSON bytes, kept in the web process between requests and dropped when its record changes.

A map box of 900 points spent most of its time reading each point's few columns and building and
writing its feature. A point's bytes depend only on its record (id, name, categories, place, last
check, source) and on the time (its freshness state), so they are kept here by activity id, each with
the moment its freshness state next changes (``state_until``): nothing is ever served past it.

Before each map the version (``read_version``: one small statement, the same cost at any size) says
whether anything committed since the last look; only then does a look read which records changed,
and drops those:

- SQLite: the one write path (``assetmap.changes``) writes an audit entry or a verification for every
  change to a record (ingest's new, changed, re-checked and closed records, edits, checks, added
  records), and SQLite has one writer at a time, so entries commit in id order: the entries after the
  last id seen name every record changed since.
- PostgreSQL: transactions commit out of id order (an ingest holding audit ids 1-50,000 commits after
  an editor's check numbered 50,001), so a highest id cannot say what is new. The process's search
  table (``search/pg_table.py``) already follows the search's own change log before every search
  (every write to an activity stamps its search entry, a deletion leaves a row in ``search_removed``,
  in whatever order they commit; writes that bypass the audit trail too) and numbers each batch of
  changes it applies: the version is its (epoch, generation, token), and the records changed since
  the last map are ``Held.changed_since``. It usually needs no statement at all (``search/pg_listen.py``).
  While it holds no table (a transaction that has written, a first read in the background) nothing
  is kept and the version is the database's snapshot, which moves whenever any transaction ends.

Thread-safe for gunicorn's threads: looks and writes take a lock; reads are single dict lookups.
A point read from the database is kept only if no look dropped anything while it was read (``epoch``),
so a record changed meanwhile is never kept in its old state. Memory is bounded by a count of
points (``ASSETMAP_MAP_CACHE_POINTS``; about 450 bytes each); past it the oldest kept are forgotten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import threading
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.db import as_utc, is_postgres
from assetmap.freshness import Thresholds
from assetmap.search import pg_table

NO_POINT = b""             # a record without a place: kept too, so a map of everything does not ask for it again
LOOK_LIMIT = 5000          # more changed records than this at one look: forget every point rather than list them
EVICT_SHARE = 10           # when full, forget the oldest tenth at once (not one point per new one)
NEVER = math.inf           # a kept point's "valid until" (POSIX seconds: comparing datetimes cost a third of a map's lookups) when none

SQLITE_VERSION = sa.text("SELECT (SELECT max(id) FROM audit_entry), (SELECT max(id) FROM verification), (SELECT max(rowid) FROM activity)")
# The snapshot (which transactions are still running, and the newest ended) changes whenever any transaction that
# wrote ends, whatever ids it wrote: alone it says whether anything was committed. (A highest id says less there, and
# while a big ingest's uncommitted rows sit at the top of an index, finding the highest committed one walks past them all.)
PG_VERSION = sa.text("SELECT 0, 0, pg_current_snapshot()::text")
SQLITE_LOOK = sa.text("""
    SELECT record_id FROM (
        SELECT record_id FROM audit_entry WHERE id > :audit_from AND id <= :audit_to AND record_type = 'activity'
        UNION ALL
        SELECT activity_id FROM verification WHERE id > :checks_from AND id <= :checks_to)
    LIMIT :limit""")


@dataclasses.dataclass(frozen=True)
class Version:
    """Where the database's changes stood: on SQLite the newest audit entry, check and record; on PostgreSQL
    the search table's epoch, generation and token (or the snapshot). Any committed change to a record moves it;
    the map's ETag is made from it."""

    audit: int
    checks: int
    other: str


def read_version(session: Session) -> Version:
    audit, checks, other = session.execute(PG_VERSION if is_postgres(session) else SQLITE_VERSION).one()
    return Version(audit or 0, checks or 0, str(other or 0))


def state_until(last_verified: dt.datetime | None, limits: Thresholds, now: dt.datetime) -> dt.datetime | None:
    """When a record's freshness state next changes after ``now`` (None: never, until it is checked again).

    ``freshness_of`` counts whole days since the check, so the state turns ageing, then stale, exactly
    when that many days have passed since it.

    >>> checked = dt.datetime(2026, 1, 1, 15, 30, tzinfo=dt.UTC)
    >>> state_until(checked, Thresholds(180, 365), dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    datetime.datetime(2026, 6, 30, 15, 30, tzinfo=datetime.timezone.utc)
    >>> state_until(checked, Thresholds(180, 365), dt.datetime(2027, 6, 1, tzinfo=dt.UTC)) is None
    True
    """
    if last_verified is None:
        return None
    checked = as_utc(last_verified)
    for days in (limits.ageing_after_days, limits.stale_after_days):
        moment = checked + dt.timedelta(days=days)
        if as_utc(now) < moment:
            return moment
    return None


class MapPoints:
    """One process's map points of one database: ``{activity id: (feature bytes, valid until in POSIX seconds)}``."""

    def __init__(self, limit: int):
        self.limit = limit
        self.points: dict[str, tuple[bytes, float]] = {}   # bytes, and until when (POSIX seconds) they are true
        self.lock = threading.Lock()
        self.epoch = 0                     # moves whenever a look forgets points
        self.version: Version | None = None
        self.keeping = True                # PostgreSQL: False while the search table is not held (see ``_follow``)

    # -- keeping up with the database ------------------------------------------------------------
    def check(self, session: Session) -> Version:
        """The database's version now, after forgetting every point whose record changed since the last look."""
        if is_postgres(session):
            return self._follow(session)
        version = read_version(session)
        if version != self.version:
            with self.lock:
                version = read_version(session)   # read again inside the lock, so looks happen in order
                if version != self.version:
                    self._look(session, version)
                    self.version = version
        return version

    def _follow(self, session: Session) -> Version:
        """PostgreSQL: follow the process's search table (see the module's docstring)."""
        held = pg_table.directory(session).current(session)
        with self.lock:
            if held is None:   # nothing kept meanwhile: the points read may be this transaction's own, uncommitted
                self._forget_all()
                self.version, self.keeping = None, False
                return read_version(session)
            self.keeping = True
            version = Version(held.epoch, held.generation, held.token)
            if version != self.version:
                kept = self.version
                changed = held.changed_since(kept.checks) if kept is not None and (kept.audit, kept.other) == (held.epoch, held.token) else None
                if changed is None:
                    self._forget_all()
                else:
                    self._forget(changed[0])
                self.version = version
        return version

    def _look(self, session: Session, version: Version) -> None:
        held = self.version
        if held is None:
            return
        if version.audit < held.audit or version.checks < held.checks or int(version.other) < int(held.other):
            self._forget_all()   # ids went backwards or records went: a restore or a deletion, so nothing kept is known true
            return
        changed = session.scalars(SQLITE_LOOK, {"audit_from": held.audit, "audit_to": version.audit, "checks_from": held.checks,
                                                "checks_to": version.checks, "limit": LOOK_LIMIT + 1}).all()
        self._forget(changed)

    def _forget(self, ids: Sequence[str]) -> None:
        if len(ids) > LOOK_LIMIT:
            self._forget_all()
        elif ids:
            for activity_id in ids:
                self.points.pop(activity_id, None)
            self.epoch += 1

    def _forget_all(self) -> None:
        self.points = {}
        self.epoch += 1

    # -- the points ------------------------------------------------------------------------------
    def get(self, ids: Iterable[str], now: dt.datetime) -> tuple[list[bytes | None], int]:
        """Each id's kept bytes (None where not kept or its state has changed since), and the epoch to ``put`` with."""
        epoch, points, moment = self.epoch, self.points, as_utc(now).timestamp()
        return [kept[0] if kept is not None and moment < kept[1] else None for kept in map(points.get, ids)], epoch

    def put(self, entries: dict[str, tuple[bytes, dt.datetime | None]], epoch: int) -> None:
        """Keep points read from the database, unless a look forgot points since ``epoch`` (they may be old)."""
        if not entries or self.limit <= 0:
            return
        with self.lock:
            if epoch != self.epoch or not self.keeping:
                return
            room = self.limit - len(self.points)
            if room < len(entries):
                for activity_id in list(itertools.islice(self.points, max(len(entries) - room, self.limit // EVICT_SHARE))):
                    del self.points[activity_id]
            self.points.update((activity_id, (data, NEVER if until is None else as_utc(until).timestamp()))
                               for activity_id, (data, until) in itertools.islice(entries.items(), self.limit))


def for_app(state: dict, limit: int) -> MapPoints:
    """The app's ``MapPoints`` (``app.extensions["assetmap"]``), made at first use: one per app, so per database."""
    found = state.get("map_points")
    return found if found is not None else state.setdefault("map_points", MapPoints(limit))
