"""One ingest per source at a time, and a prompt, clean stop on Ctrl-C or SIGTERM.

Two ingests of one source at once used to end in a database traceback. ``one_ingest_per_source``
holds a lock for the whole run: on SQLite an ``flock`` on a file next to the database
(``<database>.ingest.lock``, holding the owner's source and process id; SQLite has one writer at a
time, so the lock is for the database), on PostgreSQL a session advisory lock named after the
source (``pg_try_advisory_lock``), both freed by the kernel or the server if the process dies. A
second ingest waits up to ``ASSETMAP_INGEST_WAIT_S`` and then refuses with a plain message naming
the source and the other process.

``stop_on_signals`` turns SIGINT and SIGTERM into ``Stopped`` (a ``BaseException``, so no
``except Exception`` swallows it), raised in the main thread wherever the ingest is: its
transaction rolls back, the index writer is cancelled, and the command exits 130 or 143 with one
line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assetmap.errors import AssetmapError

NICENESS = 5           # the ingest yields the processor to web servers on the same machine
LOCK_KEY = 20_211      # first half of the PostgreSQL advisory lock key: "an assetmap ingest"
POLL_S = 0.1


class IngestBusy(AssetmapError):
    """Another ingest of the same source is running.

    Source health keeps such an import as refused, not failed, by this class's name (``sources.REFUSED``): rename both.
    """


class Stopped(BaseException):
    """The ingest was asked to stop (Ctrl-C or SIGTERM); ``committed`` if it came after the database commit."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.committed = False

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    def message(self, source: str) -> str:
        name = "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name
        if self.committed:
            return (f"Stopped by {name} after the database was committed: the ingest of {source!r} is saved, "
                    "and the search index catches up by itself")
        return f"Stopped by {name}: nothing was written, the database is as it was before this ingest of {source!r}"


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise ``Stopped`` in the main thread on SIGINT or SIGTERM while the block runs (elsewhere: nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def be_nice() -> None:
    """Lower this process's priority, so readers on the same machine keep their share while it loads;
    and have every process it forks (Whoosh's index writers) die with it, even when it is killed."""
    from assetmap.search.background import children_die_with_us

    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    children_die_with_us()


LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def nice_local_database(engine: Engine) -> None:
    """Lower the priority of the PostgreSQL server processes serving this ingest too, when they run on this machine.

    Most of an ingest's work on PostgreSQL is the server's (rows, triggers, search documents, indexes),
    and ``be_nice`` only lowers the ingest's own process: web servers on the same machine served a
    third fewer requests during a big ingest. Only possible where this process may (root, or the
    server's own user); elsewhere, and for a server on another machine, nothing happens.
    """
    if engine.dialect.name != "postgresql" or (engine.url.host or "") not in LOCAL_HOSTS and not (engine.url.host or "").startswith("/"):
        return

    @sa.event.listens_for(engine, "connect")
    def _nice(dbapi_connection, _record) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            pid = dbapi_connection.info.backend_pid
            with open(f"/proc/{pid}/comm") as comm:   # the server's process, not another one that has its number here
                if not comm.read().startswith("postgres"):
                    return
            os.setpriority(os.PRIO_PROCESS, pid, max(NICENESS, os.getpriority(os.PRIO_PROCESS, pid)))

    engine.dispose()   # connections made before (the schema check) are made again, niced


def lock_path(url: sa.URL) -> str:
    """The ingest lock file: next to the database file (in the temporary folder for an in-memory one)."""
    database = url.database if url.database not in (None, "", ":memory:") else os.path.join(tempfile.gettempdir(), "assetmap-memory")
    return f"{os.path.abspath(database)}.ingest.lock"


@contextlib.contextmanager
def one_ingest_per_source(engine: Engine, source: str, wait_s: float) -> Iterator[None]:
    """Hold the source's ingest lock for the block; ``IngestBusy`` if another process keeps it past ``wait_s``.

    SQLite takes one writer at a time, so there the lock covers the whole database: a second ingest
    of *another* source would otherwise wait five seconds for the first one's transaction and fail
    with "database is locked". On PostgreSQL ingests of different sources run side by side.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, source, wait_s):
            yield
    else:
        with _file_lock(lock_path(engine.url), source, wait_s):
            yield


def _waited(try_once, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while not try_once():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


@contextlib.contextmanager
def _file_lock(path: str, source: str, wait_s: float) -> Iterator[None]:
    with open(path, "a+", encoding="utf-8") as handle:
        def try_once() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        if not _waited(try_once, wait_s):
            handle.seek(0)
            other, _, owner = handle.read().strip().partition("\n")
            if other and other != source:
                raise IngestBusy(f"another ingest is writing to this SQLite database (source {other!r}, {owner}), and SQLite takes "
                                 f"one writer at a time: try again when it has finished (lock file {path})")
            raise IngestBusy(f"another ingest of source {source!r} is running ({owner or 'another process'}); "
                             f"try again when it has finished (lock file {path})")
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{source}\n{_owner()}")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _owner() -> str:
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"process {os.getpid()} on {os.uname().nodename}, started {started}"


@contextlib.contextmanager
def _advisory_lock(engine: Engine, source: str, wait_s: float) -> Iterator[None]:
    key = {"k": LOCK_KEY, "source": source}
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT set_config('application_name', :name, false)"), {"name": f"assetmap ingest: {_owner()}"[:63]})
        conn.commit()

        def try_once() -> bool:
            got = conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k, hashtext(:source))"), key)
            conn.commit()
            return bool(got)

        if not _waited(try_once, wait_s):
            holder = conn.scalar(sa.text(
                "SELECT a.application_name || ' (database backend ' || a.pid || ')' FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :k "
                "AND l.objid = (hashtext(:source)::bigint & 4294967295)::oid LIMIT 1"), key)
            raise IngestBusy(f"another ingest of source {source!r} is running ({holder or 'another process'}); "
                             "try again when it has finished")
        try:
            yield
        finally:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k, hashtext(:source))"), key)
                conn.commit()
