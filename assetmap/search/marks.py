"""What the index has seen: the change log in the database and the mark beside the index.

The two halves of the self-healing index (``heal``) that writers and builders need without the
catching-up itself: a writer records its changed activities in the same transaction
(``record_change``); a build or catch-up moves the index's mark (``mark_built``, ``write_mark``);
anyone can ask how far behind an index is (``read_mark``, ``latest_change``, ``pending_ids``) or
whether it opens at all (``is_readable``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index

from assetmap.config import Settings
from assetmap.db import is_postgres
from assetmap.models import IndexChange
from assetmap.search import whoosh_backend
from assetmap.search.schema import INDEX_NAME

MARK_FILE = "seen.json"
LOCK_FILE = "heal.lock"
KEEP_CHANGES_DAYS = 7


# -- in the writer's transaction ---------------------------------------------------------------------
def record_change(session: Session, ids: Iterable[str], now: dt.datetime) -> int | None:
    """Add this transaction's changed activities as one ``IndexChange`` (SpatiaLite only); its id, or None."""
    ids = sorted({str(i) for i in ids})
    if not ids or is_postgres(session):
        return None
    session.execute(sa.delete(IndexChange).where(IndexChange.changed_at < now - dt.timedelta(days=KEEP_CHANGES_DAYS)))
    return session.execute(sa.insert(IndexChange).values(changed_at=now, activity_ids=ids).returning(IndexChange.id)).scalar_one()


# -- the mark beside the index -------------------------------------------------------------------------
def database_key(session: Session) -> str:
    """Which database a mark belongs to: an index folder reused with another database starts from nothing."""
    url = session.get_bind().engine.url
    return url.render_as_string(hide_password=True) if url.database in (None, "", ":memory:") else os.path.abspath(url.database)


def read_mark(index_dir: str, database: str) -> int:
    """The last change this index holds (0 when unknown, unreadable, or written for another database)."""
    try:
        with open(os.path.join(index_dir, MARK_FILE), encoding="utf-8") as handle:
            mark = json.load(handle)
    except (OSError, ValueError):
        return 0
    if not isinstance(mark, dict) or mark.get("database") != database or not isinstance(mark.get("seen_through"), int):
        return 0
    return mark["seen_through"]


def write_mark(index_dir: str, database: str, seen_through: int) -> None:
    """Replace the mark in one step (write aside, then rename), so a reader never sees half of it."""
    path = os.path.join(index_dir, MARK_FILE)
    aside = f"{path}.{os.getpid()}.tmp"
    with open(aside, "w", encoding="utf-8") as handle:
        json.dump({"database": database, "seen_through": seen_through}, handle)
    os.replace(aside, path)


@contextlib.contextmanager
def healing_lock(index_dir: str, wait_s: float) -> Iterator[bool]:
    """One catch-up per index folder at a time; yields False if another held it for ``wait_s``."""
    os.makedirs(index_dir, exist_ok=True)
    with open(os.path.join(index_dir, LOCK_FILE), "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- what the index is missing -----------------------------------------------------------------------
def latest_change(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(IndexChange.id))) or 0


def pending_ids(session: Session, after: int, through: int, already: Mapping[int, set[str]] | None = None) -> set[str] | None:
    """Activities changed by changes ``after`` < id ≤ ``through``; None when some of them were pruned (rebuild).

    ``already`` holds ids that a change's own writer has indexed (a big ingest's background writer),
    which need not be indexed again.
    """
    already = already or {}
    oldest = session.scalar(sa.select(sa.func.min(IndexChange.id)))
    if oldest is not None and oldest > after + 1 and after < through:
        return None
    ids: set[str] = set()
    query = sa.select(IndexChange.id, IndexChange.activity_ids).where(IndexChange.id > after, IndexChange.id <= through)
    for change_id, changed in session.execute(query.order_by(IndexChange.id)):
        ids.update(set(changed or ()) - already.get(change_id, set()))
    return ids


def is_readable(index_dir: str) -> bool:
    """An index that opens and reads; a missing or corrupt one is rebuilt."""
    try:
        if not whoosh_backend.index_exists(index_dir):
            return False
        ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                if leaf.doc_count_all():   # each segment's columns open and its first record reads
                    leaf.column_reader("rec", translate=False)[0]
                    leaf.column_reader("facets")[0]
        return True
    except Exception:   # Whoosh raises many kinds for a damaged folder (IndexError, EOFError, struct.error, …)
        return False


def mark_built(settings: Settings, session: Session, through: int) -> None:
    """After a full build from ``session``: the index holds every change up to ``through`` (read before building)."""
    with contextlib.suppress(OSError):
        write_mark(settings.index_dir, database_key(session), through)
