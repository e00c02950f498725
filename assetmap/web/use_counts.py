"""Page views and shortlistings, counted in the web process's memory and written many at a time.

The review queue's harm counts how often people met a record (``assetmap.review``). Each activity
page once wrote its view at once, an upsert and a commit of its own: the most expensive part of the
page. Now each process adds its counts up here and writes them in one statement
(``review.add_uses``) once ``FLUSH_SECONDS`` have passed or ``FLUSH_ROWS`` records are waiting, and
when it stops cleanly (``atexit``, and gunicorn's ``worker_exit`` in ``gunicorn_conf.py``). A process
that dies without stopping (SIGKILL, a crash, a power cut) loses the counts it had not written: at
most ``FLUSH_SECONDS`` of its page views. A write the database refuses while busy (a long ingest on
SQLite) is kept for the next try; one it rejects (a record removed meanwhile) is dropped and logged.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
import weakref
from collections.abc import Iterable

import sqlalchemy as sa

FLUSH_SECONDS = 5.0
FLUSH_ROWS = 500          # (activity, day) pairs waiting: written sooner on a busy site
KEEP_ROWS = 100_000       # past this many waiting (the database refusing writes for long), new counts are dropped

_counters: weakref.WeakSet[UseCounts] = weakref.WeakSet()


class UseCounts:
    """One process's unwritten counts for one database: ``{(activity id, day): [shown, shortlisted]}``."""

    def __init__(self, engine: sa.Engine, clock=time.monotonic):
        self.engine = engine
        self.clock = clock
        self.lock = threading.Lock()
        self.waiting: dict[tuple[str, dt.date], list[int]] = {}
        self.due = clock() + FLUSH_SECONDS
        _counters.add(self)

    def add(self, activity_ids: Iterable[str], day: dt.date, column: str) -> None:
        """Count one view (``shown``) or shortlisting (``shortlisted``) of each activity; writes them all when due."""
        slot = 0 if column == "shown" else 1
        with self.lock:
            for activity_id in dict.fromkeys(activity_ids):
                counts = self.waiting.get((activity_id, day))
                if counts is None:
                    if len(self.waiting) >= KEEP_ROWS:
                        continue
                    counts = self.waiting[activity_id, day] = [0, 0]
                counts[slot] += 1
            due = len(self.waiting) >= FLUSH_ROWS or self.clock() >= self.due
        if due:
            self.flush()

    def flush(self) -> bool:
        """Write every waiting count now; False when the database was busy (they wait for the next try)."""
        from assetmap.review import add_uses

        from . import write_briefly

        with self.lock:
            waiting, self.waiting, self.due = self.waiting, {}, self.clock() + FLUSH_SECONDS
        if not waiting:
            return True
        counts = {key: (shown, shortlisted) for key, (shown, shortlisted) in waiting.items()}
        try:
            written = write_briefly(self.engine, lambda conn: add_uses(conn, counts), "page view counts")
        except sa.exc.IntegrityError:
            logging.getLogger(__name__).warning("%d page view counts dropped: the database refused them", len(counts))
            return False
        if not written:
            self._put_back(waiting)
        return written

    def _put_back(self, waiting: dict[tuple[str, dt.date], list[int]]) -> None:
        with self.lock:
            for key, (shown, shortlisted) in waiting.items():
                counts = self.waiting.setdefault(key, [0, 0])
                counts[0] += shown
                counts[1] += shortlisted


def for_app(app) -> UseCounts:
    """The app's counts (``app.extensions["assetmap"]``), made at first use."""
    state = app.extensions["assetmap"]
    found = state.get("use_counts")
    return found if found is not None else state.setdefault("use_counts", UseCounts(state["engine"]))


def flush_all() -> None:
    """Write every process-wide waiting count: when the process stops (a database gone by then is only logged)."""
    for counter in list(_counters):
        try:
            counter.flush()
        except Exception:   # at exit: never stop the process from ending
            logging.getLogger(__name__).warning("page view counts not written at exit", exc_info=True)


atexit.register(flush_all)
