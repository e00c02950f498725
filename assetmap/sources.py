"""Source health, for admins: each source's last import, what it rejected and stopped listing, its freshness, and failures.

An import that fails rolls back entirely (nothing half-loaded), so its failure is written in a
small transaction of its own (``recording_failures``) and a source whose last few imports all
failed, with no successful one since, is shown as failing.

An import refused because another ingest of the same source was running (``IngestBusy``, the lock in
``ingest.running``) never ran, so it says nothing about the feed: it is kept beside the failures, its
message starting ``IngestBusy:``, and shown as refused, never counted towards failing (two people
pressing the button at once must not flag a source).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from assetmap.config import Settings
from assetmap.db import as_utc
from assetmap.models import Activity, AuditEntry, IngestFailure, IngestRun, RejectedRow
from assetmap.review import load_candidates, summarise

FAILING_AFTER = 3        # failed imports in a row (none succeeding since) that mark a source as failing
SHOWN_REJECTIONS = 20    # rejected rows listed per source (all are counted)
# How a refused import's kept message starts: the name of ``ingest.running.IngestBusy``, as ``recording_failures``
# has always written it (so older refusals read right too); not imported, so the web app loads the ingest only to use it.
REFUSED = "IngestBusy: "


@dataclasses.dataclass(frozen=True)
class SourceHealth:
    source: str
    last_run: IngestRun | None
    rejected: list[RejectedRow]
    rejected_count: int
    reasons: dict[str, int]
    stopped_listing: list[tuple[str, str]]     # (activity id, name) closed by the last run
    freshness: dict[str, int]
    failures: list[IngestFailure]              # failures since the last successful import, newest first
    refused: list[IngestFailure]               # imports refused while another ran, since the last successful one, newest first

    @property
    def is_failing(self) -> bool:
        return len(self.failures) >= FAILING_AFTER

    @property
    def total(self) -> int:
        return sum(self.freshness.values())

    def share(self, state: str) -> int:
        """Percentage of the source's open records in ``state`` (rounded)."""
        return round(100 * self.freshness.get(state, 0) / self.total) if self.total else 0


def record_failure(settings: Settings, sessions: sessionmaker, source: str, path: str, message: str) -> None:
    """Keep one failed (or refused) import, in its own transaction (the import's own was rolled back)."""
    with sessions.begin() as session:
        session.add(IngestFailure(source=source, path=path, failed_at=settings.clock(), message=message[:2000]))


@contextlib.contextmanager
def recording_failures(settings: Settings, sessions: sessionmaker, source: str, path: str) -> Iterator[None]:
    """Run an import; if it raises, record the failure (a refusal, ``IngestBusy``, starts ``REFUSED``) and let the
    error go on (a broken database is not recorded)."""
    try:
        yield
    except Exception as exc:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            record_failure(settings, sessions, source, path, f"{type(exc).__name__}: {exc}")
        raise


def is_refusal(failure: IngestFailure) -> bool:
    """Whether a kept import was refused because another was running (it never ran) rather than failed."""
    return failure.message.startswith(REFUSED)


def _last_runs(session: Session) -> dict[str, IngestRun]:
    newest = sa.select(IngestRun.source, sa.func.max(IngestRun.id).label("id")).where(IngestRun.finished_at.is_not(None)).group_by(IngestRun.source)
    ids = [row.id for row in session.execute(newest)]
    return {run.source: run for run in session.scalars(sa.select(IngestRun).where(IngestRun.id.in_(ids)))}


def _failures_since(session: Session, source: str, since: dt.datetime | None) -> tuple[list[IngestFailure], list[IngestFailure]]:
    """The source's failed imports, and its refused ones, since ``since`` (the last successful import), newest first."""
    query = sa.select(IngestFailure).where(IngestFailure.source == source)
    kept = session.scalars(query.order_by(IngestFailure.failed_at.desc(), IngestFailure.id.desc()))
    recent = [f for f in kept if since is None or as_utc(f.failed_at) > as_utc(since)]
    return [f for f in recent if not is_refusal(f)], [f for f in recent if is_refusal(f)]


def _stopped_listing(session: Session, run: IngestRun) -> list[tuple[str, str]]:
    query = (sa.select(Activity.id, Activity.name).join(AuditEntry, AuditEntry.record_id == Activity.id)
             .where(AuditEntry.ingest_run_id == run.id, AuditEntry.action == "close").order_by(Activity.name))
    return [tuple(row) for row in session.execute(query)]


def _rejections(session: Session, run: IngestRun | None) -> tuple[list[RejectedRow], int, dict[str, int]]:
    if run is None:
        return [], 0, {}
    query = sa.select(RejectedRow.reason, sa.func.count()).where(RejectedRow.ingest_run_id == run.id).group_by(RejectedRow.reason)
    reasons = Counter({reason: count for reason, count in session.execute(query)})
    shown = list(session.scalars(sa.select(RejectedRow).where(RejectedRow.ingest_run_id == run.id).order_by(RejectedRow.line)
                                 .limit(SHOWN_REJECTIONS)))
    return shown, sum(reasons.values()), dict(reasons.most_common())


def source_health(session: Session, settings: Settings) -> list[SourceHealth]:
    """Every source that has records, imports or failures, failing ones first, then by name."""
    runs = _last_runs(session)
    freshness = summarise(load_candidates(session), settings, lambda c: c.source)
    failed = set(session.scalars(sa.select(IngestFailure.source).distinct()))
    found = []
    for source in sorted(set(runs) | set(freshness) | failed):
        run = runs.get(source)
        rejected, count, reasons = _rejections(session, run)
        found.append(SourceHealth(source, run, rejected, count, reasons, _stopped_listing(session, run) if run else [],
                                  freshness.get(source, {}), *_failures_since(session, source, run.finished_at if run else None)))
    return sorted(found, key=lambda h: (not h.is_failing, h.source.lower()))
