"""A big ingest's index update, written by a second process while the ingest's transaction runs.

Loading 100,000 rows keeps one core busy with SQLite; indexing them afterwards took as long again.
``IndexFeed`` overlaps the two: as each batch of records is written, the ingest hands it to a
writer process on the other core — new records as the column values just inserted, others read
back *inside the transaction* — so the documents are exactly what the database will hold. That writer commits only when told to, after the database
has committed, and is cancelled if the transaction fails: the index still never leads the
database. If the writer fails, ``commit`` says so and the caller updates the index the ordinary
way. Small runs don't start a process at all (``FEED_FROM``).

The writer (and the sub-writers Whoosh forks from it) must not outlive the ingest: a killed ingest
once left three of them, about 0.65 GB each, holding on indefinitely. On Linux each asks the kernel
for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, the writer also watches
its parent between jobs and cancels when it has gone.
"""

from __future__ import annotations

import collections
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from assetmap.config import Settings
from assetmap.search import whoosh_backend
from assetmap.search.index import BATCH, PARALLEL_FROM, is_postgres, open_writer, source_rows
from assetmap.search.schema import INDEX_NAME, SOURCE_COLUMNS, whoosh_document

FEED_FROM = 5_000              # changed activities from which a second process pays for itself
ROW_FIELDS = (*SOURCE_COLUMNS, "organisation_name", "group_id")
POLL_S = 1.0
NICENESS = 10
PR_SET_PDEATHSIG = 1           # linux/prctl.h


class IndexFeed:
    """Started by ``start`` when a big change is coming; fed with ``send``; ended by ``commit`` or ``cancel``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._process = None
        self._jobs = self._results = None
        self._sent: set[str] = set()
        self.problem = ""

    @property
    def active(self) -> bool:
        return self._process is not None

    def start(self, session: Session, changes: int) -> bool:
        """Start the writer process if ``changes`` is big enough and there is a Whoosh index to update."""
        if self.active or changes < FEED_FROM or is_postgres(session) or not whoosh_backend.index_exists(self.settings.index_dir):
            return self.active
        # Forked, like Whoosh's own writers: a spawned process would re-run the caller's script (any
        # ``python myscript.py`` without a __main__ guard). The child uses no inherited database handle
        # and leaves through os._exit, so nothing of the parent's is closed or flushed twice.
        context = multiprocessing.get_context("fork")
        self._jobs, self._results = context.Queue(), context.Queue()
        process = context.Process(target=write_index, args=(self.settings.index_dir, self._jobs, self._results, os.getpid()),
                                  name="assetmap-index-writer")  # not a daemon: it starts its own writers
        try:
            process.start()
        except Exception as error:  # the ingest goes on; the index is updated after it instead
            self.problem = f"the index writer could not start: {error!r}"
            return False
        self._process = process
        return True

    def send(self, session: Session, ids: Iterable[str]) -> None:
        """Queue these activities as the caller's transaction now has them (ids no longer there are removed)."""
        if not self.active:
            return
        fresh = sorted({str(i) for i in ids} - self._sent)
        self._sent.update(fresh)
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start:start + BATCH]
            rows = [tuple(row) for row in source_rows(session, chunk)]
            found = {row[0] for row in rows}
            self._jobs.put(("index", rows))
            if len(found) < len(chunk):
                self._jobs.put(("delete", [i for i in chunk if i not in found]))

    def send_rows(self, rows: Iterable[Mapping[str, Any]], organisation_names: Mapping[str, str]) -> None:
        """Queue records just inserted, from the column values written (no need to read them back)."""
        if not self.active:
            return
        values = [tuple(row[c] for c in SOURCE_COLUMNS) + (organisation_names.get(row["organisation_id"]), None)  # new: no group yet
                  for row in rows if row["id"] not in self._sent]
        self._sent.update(v[0] for v in values)
        self._jobs.put(("index", values))

    def commit(self) -> str:
        """Commit what was sent (call after the database commit): "committed", or why not ("" when not asked to)."""
        if not self.active:
            return self.problem
        self._jobs.put(("commit", None))
        return self._wait()

    def cancel(self) -> None:
        """Throw away what was sent: the transaction it came from did not commit."""
        if self.active:
            self._jobs.put(("cancel", None))
            self._wait()

    def _wait(self) -> str:
        try:
            while True:
                try:
                    return self._results.get(timeout=POLL_S)
                except queue.Empty:
                    if not self._process.is_alive():
                        return f"the index writer stopped (exit code {self._process.exitcode})"
        finally:
            self._jobs.cancel_join_thread()  # a writer that died reads nothing more: don't wait to send it
            self._jobs.close()
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()
            self._process = None


def die_with_parent(parent_pid: int) -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if it already has. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent_pid:   # the parent died before the request took effect
        os._exit(1)
    return True


def children_die_with_us() -> None:
    """Every process forked from here on (Whoosh's sub-writers) dies with the process that forked it."""
    forking = [0]
    os.register_at_fork(before=lambda: forking.__setitem__(0, os.getpid()), after_in_child=lambda: die_with_parent(forking[0]))


def write_index(index_dir: str, jobs, results, parent_pid: int | None = None) -> None:
    """The writer process: index what arrives, then commit or cancel as told; report the outcome."""
    from whoosh import index as whoosh_index

    if parent_pid is not None:
        die_with_parent(parent_pid)
    children_die_with_us()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole process group: the ingest decides, then cancels us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the ingest's handler, inherited through fork
    writer = None
    try:
        os.nice(NICENESS)  # the ingest's own process is the critical path: it gets a core to itself
        ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        replacing = ix.doc_count_all() > 0   # an empty index has nothing to delete first
        writer = open_writer(ix, PARALLEL_FROM)
        Row = collections.namedtuple("Row", ROW_FIELDS)
        while True:
            kind, payload = _next_job(jobs)
            if kind == "index":
                for values in payload:
                    row = Row(*values)
                    if replacing:
                        writer.delete_by_term("id", row.id)
                    writer.add_document(**whoosh_document(row))
            elif kind == "delete":
                for activity_id in payload:
                    writer.delete_by_term("id", activity_id)
            elif kind == "commit":
                writer.commit()
                results.put("committed")
                return
            else:
                writer.cancel()
                results.put("cancelled")
                return
    except BaseException as error:  # report, never hang the ingest waiting for us
        if writer is not None:
            try:
                writer.cancel()
            except Exception:
                pass
        results.put(f"the index writer failed: {error!r}")


def _next_job(jobs) -> tuple[str, Any]:
    """The next job; "cancel" if the ingest's process has gone (killed, not stopped), so no lock is held forever."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            return jobs.get(timeout=POLL_S)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return "cancel", None
