"""The self-healing index: every process that finds the Whoosh index behind the database catches it up.

The database is the truth and the index on local disk follows it after each commit, so a process
killed between the two (SIGKILL, a power cut) leaves the index behind — once 50,000 records that
search could not find, which a re-run of the same file then called "unchanged". To heal that
without a person noticing:

- every write transaction that changes activities adds one ``IndexChange`` row (the ids it
  changed) *in the same transaction* (``record_change``), so the database itself says what any
  index must hold;
- each index folder keeps a mark file, ``seen.json``: the last change id it holds and which
  database that id belongs to, written only after the index has committed (a crash in between
  leaves the mark behind, and the changes are re-indexed once more: harmless);
- ``catch_up`` re-indexes every change above the mark, rebuilds a missing, unreadable or
  too-far-behind index from the database, then moves the mark. Ingest and editors' edits call it
  after their commit, the web app in a background thread at start and every ``CHECK_EVERY_S``,
  ``assetmap index --check`` before it compares. Readers never wait for it: searches keep
  answering from the last committed generation (``whoosh_backend.current_snapshot``).

Only SpatiaLite needs this. On PostgreSQL the search tables are kept by a trigger inside each
writer's own transaction, so they cannot be behind; ``catch_up`` only builds them when missing.
Old ``IndexChange`` rows are pruned after ``KEEP_CHANGES_DAYS``; an index whose mark is older than
the oldest row kept has missed changes nobody remembers, and is rebuilt.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import LockError

from assetmap.config import Settings
from assetmap.db import is_postgres
from assetmap.search import whoosh_backend
from assetmap.search.marks import (
    database_key,
    healing_lock,
    is_readable,
    latest_change,
    pending_ids,
    read_mark,
    write_mark,
)
from assetmap.search.schema import INDEX_NAME

CHECK_EVERY_S = 10.0          # the web app's background check
WRITER_WAIT_S = 30.0          # how long a catch-up waits for another process's index writer
PG_BUILD_LOCK = 20_212        # advisory lock key: one process builds the PostgreSQL search tables at a time

log = logging.getLogger(__name__)


@dataclasses.dataclass
class CatchUp:
    """What one ``catch_up`` did: ``reindexed`` ids, or ``rebuilt`` the whole index; ``busy`` when it had to leave it for later."""

    reindexed: int = 0
    rebuilt: bool = False
    busy: str = ""
    seen_through: int = 0

    def __bool__(self) -> bool:
        return bool(self.reindexed or self.rebuilt)


# -- catching up ------------------------------------------------------------------------------------
def catch_up(settings: Settings, sessions: sessionmaker, already: Mapping[int, set[str]] | None = None,
             wait_s: float = WRITER_WAIT_S, forking: bool = True) -> CatchUp:
    """Bring the index up to every committed change: re-index what it missed, or rebuild it; then move its mark.

    Safe to call from any number of processes at once (one works, the others find nothing left or
    leave it for later: ``busy``). Never raises for a busy index; database errors do propagate.
    ``forking`` False keeps a rebuild in this process (a web server's threads must not be forked).
    """
    with sessions() as session:
        if is_postgres(session):
            return _catch_up_postgres(sessions)
        database = database_key(session)
    with healing_lock(settings.index_dir, wait_s) as held:
        if not held:
            return CatchUp(busy="another process is catching the index up")
        try:
            return _catch_up_whoosh(settings, sessions, database, already or {}, wait_s, forking)
        except LockError:
            return CatchUp(busy="another process is writing the index")


def _catch_up_postgres(sessions: sessionmaker) -> CatchUp:
    from assetmap.search import pg_backend

    with sessions() as session:
        if pg_backend.is_ready(session) and pg_backend.is_announced(session):
            return CatchUp()
    with sessions.begin() as session:
        # One builder at a time: two processes creating the extension and tables at once collide.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_BUILD_LOCK})
        if pg_backend.is_ready(session):
            pg_backend.ensure_schema(session)   # an older version's tables: add what is new (its announcements), no rebuild
            return CatchUp()
        pg_backend.build(session)
    return CatchUp(rebuilt=True)


def _catch_up_whoosh(settings: Settings, sessions: sessionmaker, database: str, already: Mapping[int, set[str]],
                     wait_s: float, forking: bool) -> CatchUp:
    from assetmap.search.index import REBUILD_AT, build_index, count_activities, reindex

    mark = read_mark(settings.index_dir, database) if is_readable(settings.index_dir) else None
    if mark is not None and not forking and _writer_busy(settings.index_dir):
        return CatchUp(busy="another process is writing the index")   # a big ingest's writer: it catches up after its commit
    with sessions() as session:
        through = latest_change(session)
        ids = None if mark is None else pending_ids(session, mark, through, already)
        if ids is not None and through <= mark:
            return CatchUp(seen_through=mark)
        whole = ids is None or (len(ids) >= REBUILD_AT and len(ids) * 4 >= count_activities(session))
    if whole:
        with sessions() as session:
            build_index(settings, session, fresh=mark is None, parallel=forking)
        result = CatchUp(rebuilt=True, seen_through=through)
    else:
        if ids:
            reindex(settings, sessions, sorted(ids), wait_s)
        result = CatchUp(reindexed=len(ids), seen_through=through)
    write_mark(settings.index_dir, database, max(through, read_mark(settings.index_dir, database)))
    whoosh_backend.refresh(settings.index_dir)   # also after a big ingest's background writer committed
    return result


def _writer_busy(index_dir: str) -> bool:
    """Whether another process holds Whoosh's writer lock on this index now (checked without waiting)."""
    lock = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME).lock("WRITELOCK")
    if lock.acquire(False):
        lock.release()
        return False
    return True


# -- the web app's background keeper ------------------------------------------------------------------
def keep_caught_up(settings: Settings, sessions: sessionmaker, every_s: float = CHECK_EVERY_S,
                   stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread that catches the index up now and every ``every_s`` seconds, then warms the new snapshot.

    Requests never wait for it: until it has loaded the new generation, searches answer from the old one.
    """
    stop = stop or threading.Event()

    def run() -> None:
        while True:
            try:
                catch_up(settings, sessions, wait_s=0.0, forking=False)
                with sessions() as session:
                    if session.get_bind().dialect.name != "postgresql" and whoosh_backend.index_exists(settings.index_dir):
                        whoosh_backend.current_snapshot(settings.index_dir, wait=True)
            except Exception:  # a missing table before `assetmap init`, a busy database: try again next time
                log.warning("the search index could not be caught up; trying again in %.0f s", every_s, exc_info=True)
            if stop.wait(every_s):
                return

    thread = threading.Thread(target=run, name="assetmap-index-keeper", daemon=True)
    thread.start()
    return thread
