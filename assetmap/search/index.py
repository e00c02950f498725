"""Keeping the search index in step with the database: full rebuild, incremental update, check.

The database is the truth and the index follows it. Callers commit first and update the index
after, so a crash between the two leaves the index *behind* the database, never ahead: a record
the index does not have yet, or has in an older version. ``check_index`` finds exactly that by
comparing each record's digest (a fingerprint of everything indexed) with the database, and
``build_index`` repairs it. On PostgreSQL the search table is kept by a trigger inside the same
transaction, so there is nothing to update and ``check_index`` verifies the trigger's work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh import writing

from assetmap.config import Settings
from assetmap.db import is_postgres
from assetmap.models import Activity, DuplicateGroup, Organisation
from assetmap.search import pg_backend, whoosh_backend
from assetmap.search.schema import INDEX_NAME, SOURCE_COLUMNS, IndexCodec, digest_of, document_fields, make_schema, whoosh_document

PARALLEL_FROM = 20_000          # documents: below this one process indexes faster than two
BATCH = 2_000
LOCK_TIMEOUT_S = 30.0
WRITER_MB = 1024                # per writing process: below this Whoosh spills sorted runs to disk and merges them


def source_rows(session: Session, ids: Sequence[str] | None = None) -> Iterator[sa.Row]:
    """The columns documents are made from (plus the organisation's name and the duplicate group), streamed in batches."""
    columns = [getattr(Activity, name) for name in SOURCE_COLUMNS]
    query = sa.select(*columns, Organisation.name.label("organisation_name"), DuplicateGroup.group_id).outerjoin(
        Organisation, Activity.organisation_id == Organisation.id
    ).outerjoin(DuplicateGroup, DuplicateGroup.activity_id == Activity.id).order_by(Activity.id)
    if ids is not None:
        query = query.where(Activity.id.in_(list(ids)))
    yield from session.execute(query.execution_options(yield_per=BATCH))


def count_activities(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Activity)) or 0


def _open_for_rebuild(index_dir: str, fresh: bool = False):
    """The existing index (so readers keep the old one until the commit), or a new one (``fresh``: a damaged one replaced)."""
    os.makedirs(index_dir, exist_ok=True)
    if not fresh and whoosh_index.exists_in(index_dir, indexname=INDEX_NAME):
        return whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
    return whoosh_index.create_in(index_dir, make_schema(), indexname=INDEX_NAME)


def open_writer(ix, total: int = 0):
    """A writer with our codec; two processes for a big batch, each sorting its postings in memory."""
    if total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        return ix.writer(procs=2, limitmb=WRITER_MB, multisegment=True, timeout=LOCK_TIMEOUT_S, codec=IndexCodec())
    return ix.writer(limitmb=WRITER_MB, timeout=LOCK_TIMEOUT_S, codec=IndexCodec())


REBUILD_AT = 5_000  # changed records from which update_index rebuilds, when they are a quarter of all or more


def build_index(settings: Settings, session: Session, progress: Callable[[int], None] | None = None, fresh: bool = False,
                parallel: bool = True) -> int:
    """Rebuild the whole index from the database; returns how many activities it holds.

    Readers keep answering from the previous generation until the new one is committed in one step.
    ``progress`` (optional) is called with the number of records added so far. ``fresh`` starts a
    new index in the folder (for a damaged one) instead of writing a new generation of the old.
    The index's mark (``heal``) is set to the last change committed before the build read the records.
    ``parallel`` False never forks a second writer process (for a caller with threads, such as a web server).
    """
    if is_postgres(session):
        return pg_backend.build(session)
    from assetmap.search import marks

    through = marks.latest_change(session)
    total = count_activities(session)
    ix = _open_for_rebuild(settings.index_dir, fresh or not marks.is_readable(settings.index_dir))
    writer = open_writer(ix, total if parallel else 0)
    count = 0
    try:
        for row in source_rows(session):
            writer.add_document(**whoosh_document(row))
            count += 1
            if progress and count % BATCH == 0:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=writing.CLEAR)
    marks.mark_built(settings, session, through)
    whoosh_backend.refresh(settings.index_dir)   # this process's next search sees the new generation
    if progress and count % BATCH:
        progress(count)
    return count


def update_index(settings: Settings, session: Session, activity_ids: Iterable[str]) -> None:
    """Bring the index up to date for these activities (call it after the database commit).

    Changed and new records are re-indexed, ids no longer in the database are removed. With no
    index yet (a first ingest) the whole index is built, so a new directory is searchable at once.
    On PostgreSQL a trigger keeps the search tables current; only a database without them is built.
    """
    ids = sorted({str(i) for i in activity_ids})
    if not ids:
        return
    if is_postgres(session):
        if not pg_backend.is_ready(session):
            pg_backend.build(session)
        return
    if not whoosh_backend.index_exists(settings.index_dir):
        build_index(settings, session)
        return
    if len(ids) >= REBUILD_AT and len(ids) * 4 >= count_activities(session):
        build_index(settings, session)  # a bulk load: the parallel full build is about twice as fast
        return
    ix = whoosh_index.open_dir(settings.index_dir, indexname=INDEX_NAME)
    _write_documents(open_writer(ix), session, ids)
    whoosh_backend.refresh(settings.index_dir)


def reindex(settings: Settings, sessions, ids: Sequence[str], wait_s: float = LOCK_TIMEOUT_S) -> None:
    """Re-index these activities as the database has them now (``heal.catch_up``'s step; Whoosh only).

    The writer's lock is taken *before* the records are read, so when two processes re-index the
    same record, the one that writes last also read last: an older version never overwrites a newer.
    """
    if not ids:
        return
    ix = whoosh_index.open_dir(settings.index_dir, indexname=INDEX_NAME)
    writer = ix.writer(limitmb=WRITER_MB, timeout=wait_s, codec=IndexCodec())
    with sessions() as session:
        _write_documents(writer, session, list(ids))
    whoosh_backend.refresh(settings.index_dir)


def _write_documents(writer, session: Session, ids: Sequence[str]) -> None:
    """Replace these activities' documents (ids no longer in the database are removed) and commit; cancel on any failure."""
    try:
        found = {}
        for start in range(0, len(ids), BATCH):
            found.update((row.id, row) for row in source_rows(session, ids[start:start + BATCH]))
        for activity_id in ids:
            if activity_id in found:
                writer.update_document(**whoosh_document(found[activity_id]))
            else:
                writer.delete_by_term("id", activity_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _compare(indexed: dict[str, str], session: Session) -> list[str]:
    problems = []
    seen = set()
    for row in source_rows(session):
        seen.add(row.id)
        digest = indexed.get(row.id)
        if digest is None:
            problems.append(f"{row.id} ({row.name}): in the database but not in the index")
        elif digest != digest_of(document_fields(row), row).decode():
            problems.append(f"{row.id} ({row.name}): changed in the database since it was indexed")
    problems.extend(f"{i}: in the index but no longer in the database" for i in sorted(set(indexed) - seen))
    return problems


def check_index(settings: Settings, session: Session) -> list[str]:
    """Differences between the index and the database, one sentence each; [] when they match."""
    if is_postgres(session):
        return pg_backend.check(session)
    if not whoosh_backend.index_exists(settings.index_dir):
        return [f"no search index in {settings.index_dir}: run `assetmap index`"]
    snapshot = whoosh_backend.current_snapshot(settings.index_dir)
    table = snapshot.table
    indexed = {table.ids[i]: snapshot.digests[i] for i in range(len(table)) if table.live[i]}
    return _compare(indexed, session)
