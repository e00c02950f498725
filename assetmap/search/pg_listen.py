"""Whether the search rows have changed, as PostgreSQL announces it: one listening connection per database and process.

Every search first asked the database what had changed since its last look (``pg_table.LOOK_SQL``),
and that look was what made most searches open a connection at all: once a question's matches,
results and records are kept (``match_cache``, ``answers``, ``records``), a search that needs no
look needs no database. A statement trigger on the search tables (``pg_backend.TRIGGERS``) sends a
notification with every committed change; this connection LISTENs, and each search first takes
whatever has arrived on it (a poll of the socket, a few microseconds, no thread). While it listens
and nothing has arrived since the last look, nothing has changed, and the search may skip its look.
A commit in this very process forces the next look (``pg_table``), since its own notification may
still be on its way. Whenever the connection is not there (the database restarted, a pooler in
front that cannot LISTEN) the stamp is None and every search looks, as before.
"""

from __future__ import annotations

import logging
import time

import psycopg
import sqlalchemy as sa

CHANNEL = "assetmap_search"
RETRY_S = 5.0   # after a failed connection, searches look for this long before trying to listen again

log = logging.getLogger(__name__)


class Listener:
    """A LISTEN connection and the count of notifications taken from it. Not thread-safe: callers hold a lock."""

    def __init__(self, url: sa.URL, clock=time.monotonic):
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection: psycopg.Connection | None = None
        self.connections = 0
        self.count = 0
        self.retry_at = 0.0
        self.clock = clock

    def stamp(self) -> tuple[int, int] | None:
        """(connection number, notifications so far), having taken what has arrived; None while not listening."""
        if self.connection is None and not self._connect():
            return None
        try:
            for _ in self.connection.notifies(timeout=0):
                self.count += 1
        except psycopg.Error as error:   # the database restarted: look every time until listening again
            log.info("stopped listening for search changes: %s", error)
            self.close()
            return None
        return self.connections, self.count

    def _connect(self) -> bool:
        if self.clock() < self.retry_at:
            return False
        try:
            self.connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            self.connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            log.info("cannot listen for search changes (every search looks instead): %s", error)
            self.close()
            self.retry_at = self.clock() + RETRY_S
            return False
        self.connections += 1   # a new connection may have missed notifications: its stamps differ from the old one's
        return True

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except psycopg.Error:
                pass
            self.connection = None
