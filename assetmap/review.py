"""The review queue: which records an editor should check first, and why.

A record joins the queue when it is ageing, stale or was never checked (see ``freshness``). The
queue is ordered by harm: how often people met the record in the last 90 days (page views, and
shortlistings counted three times, because a shortlisted activity is one someone is sent to) times
how overdue its check is. The same order serves ``/review`` and ``assetmap stale``. The ordering is
pure (``build_queue``); the last section reads what it needs from the database in a few queries
and keeps the per-day use counts the harm is made from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.config import Settings
from assetmap.freshness import Freshness, Thresholds, freshness_of, thresholds_for
from assetmap.models import Activity, ActivityUse, Area, Organisation
from assetmap.reports import lowered, open_kinds
from assetmap.vocab import FRESHNESS_STATES

WINDOW_DAYS = 90
SHORTLIST_WEIGHT = 3
QUEUED_STATES = ("stale", "ageing", "unknown")
FORMULA = (f"Records that are ageing, stale or never checked, most harmful first. Harm is (1 + page views + "
           f"{SHORTLIST_WEIGHT} × times put on a shortlist, both over the last {WINDOW_DAYS} days) × days overdue. "
           "Days overdue count from when the record started ageing; a record never checked counts as overdue by its "
           "whole stale limit (a year unless its source has its own).")


@dataclasses.dataclass(frozen=True)
class Candidate:
    """What the queue needs to know about one record (not closed)."""

    id: str
    name: str
    source: str
    organisation: str | None
    ward_code: str | None
    lad_code: str | None
    categories: tuple[str, ...]
    last_verified: dt.datetime | None
    verified_how: str | None
    status: str = "active"
    reports: tuple[str, ...] = ()   # kinds of open problem reports (they lower freshness: see assetmap.reports)


@dataclasses.dataclass(frozen=True)
class QueueItem:
    candidate: Candidate
    freshness: Freshness
    overdue_days: int
    shown: int
    shortlisted: int

    @property
    def harm(self) -> int:
        return harm_score(self.shown, self.shortlisted, self.overdue_days)

    def to_json(self) -> dict[str, Any]:
        c = self.candidate
        return {"id": c.id, "name": c.name, "organisation": c.organisation, "source": c.source, "state": self.freshness.state,
                "last_verified": c.last_verified.date().isoformat() if c.last_verified else None, "days_overdue": self.overdue_days,
                "shown_90_days": self.shown, "shortlisted_90_days": self.shortlisted, "harm": self.harm,
                "ward": c.ward_code, "lad": c.lad_code, "url": f"/activities/{c.id}"}


def harm_score(shown: int, shortlisted: int, overdue_days: int) -> int:
    """(1 + views + 3 × shortlistings) × days overdue: a record nobody meets still counts, once.

    >>> harm_score(shown=10, shortlisted=2, overdue_days=30)
    510
    """
    return (1 + shown + SHORTLIST_WEIGHT * shortlisted) * overdue_days


def overdue_days(state: Freshness, limits: Thresholds) -> int:
    """Days since the record started ageing (at least 1 once it has); a never-checked record counts its whole stale limit.

    >>> overdue_days(Freshness("stale", 400), Thresholds(180, 365)), overdue_days(Freshness("unknown", None), Thresholds(180, 365))
    (221, 365)
    """
    if state.state == "unknown":
        return limits.stale_after_days
    return max(0, (state.days or 0) - limits.ageing_after_days + 1)


def state_of(candidate: Candidate, settings: Settings) -> tuple[Freshness, Thresholds]:
    limits = thresholds_for(candidate.source, settings.ageing_after_days, settings.stale_after_days, settings.source_stale_days)
    state = freshness_of(candidate.last_verified, settings.clock(), limits.ageing_after_days, limits.stale_after_days)
    return lowered(state, candidate.reports), limits


def build_queue(candidates: Iterable[Candidate], uses: dict[str, tuple[int, int]], settings: Settings) -> list[QueueItem]:
    """The records to check, most harmful first (then most overdue, then by name)."""
    items = []
    for candidate in candidates:
        state, limits = state_of(candidate, settings)
        if state.state in QUEUED_STATES:
            shown, shortlisted = uses.get(candidate.id, (0, 0))
            items.append(QueueItem(candidate, state, overdue_days(state, limits), shown, shortlisted))
    # a record reported as stopped comes first: someone may be on their way to a group that no longer meets
    return sorted(items, key=lambda item: ("stopped" not in item.candidate.reports, -item.harm, -item.overdue_days, item.candidate.name.lower()))


def summarise(candidates: Iterable[Candidate], settings: Settings, key) -> dict[str, dict[str, int]]:
    """Records in each freshness state, grouped by ``key(candidate)`` (a source or an area)."""
    summary: dict[str, dict[str, int]] = {}
    for candidate in candidates:
        counts = summary.setdefault(key(candidate) or "(none)", dict.fromkeys(FRESHNESS_STATES, 0))
        counts[state_of(candidate, settings)[0].state] += 1
    return dict(sorted(summary.items()))


def matches(candidate: Candidate, area: str = "", category: str = "", organisation: str = "", source: str = "") -> bool:
    """The queue's filters: an area code (ward or council), a category slug, an organisation's name or id, a source."""
    return ((not area or area in (candidate.ward_code, candidate.lad_code))
            and (not category or category in candidate.categories)
            and (not organisation or organisation.lower() in (candidate.organisation or "").lower())
            and (not source or candidate.source == source))


# -- reading the queue and keeping the use counts ------------------------------------------------
def load_candidates(session: Session) -> list[Candidate]:
    """Every record that is not closed, with its organisation's name and open reports' kinds: two queries."""
    reported = open_kinds(session)
    query = (sa.select(Activity.id, Activity.name, Activity.source, Organisation.name.label("organisation"), Activity.ward_code,
                       Activity.lad_code, Activity.categories, Activity.last_verified, Activity.verified_how, Activity.status)
             .outerjoin(Organisation, Organisation.id == Activity.organisation_id).where(Activity.status != "closed"))
    return [Candidate(r.id, r.name, r.source or "", r.organisation, r.ward_code, r.lad_code, tuple(r.categories or ()),
                      r.last_verified, r.verified_how, r.status, tuple(reported.get(r.id, ()))) for r in session.execute(query)]


def load_uses(session: Session, today: dt.date, days: int = WINDOW_DAYS) -> dict[str, tuple[int, int]]:
    """(page views, shortlistings) per activity over the last ``days`` days."""
    query = (sa.select(ActivityUse.activity_id, sa.func.sum(ActivityUse.shown), sa.func.sum(ActivityUse.shortlisted))
             .where(ActivityUse.day > today - dt.timedelta(days=days)).group_by(ActivityUse.activity_id))
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(query)}


def load_queue(session: Session, settings: Settings, **filters: str) -> tuple[list[QueueItem], list[Candidate]]:
    """The queue (filtered) and every candidate matching the filters (for the summaries)."""
    candidates = [c for c in load_candidates(session) if matches(c, **filters)]
    return build_queue(candidates, load_uses(session, settings.today()), settings), candidates


def area_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """Names of council (LAD) or ward areas by code, for the summary."""
    if not codes:
        return {}
    query = sa.select(Area.code, Area.name).where(Area.code.in_(sorted(set(codes))), Area.is_current.is_(True))
    return {code: name for code, name in session.execute(query)}


def record_use(session: Session, activity_ids: Sequence[str], day: dt.date, column: str) -> None:
    """Add one to today's ``shown`` or ``shortlisted`` count of each activity (the caller commits)."""
    one = (1, 0) if column == "shown" else (0, 1)
    add_uses(session, {(activity_id, day): one for activity_id in dict.fromkeys(activity_ids)})


USE_ROWS_PER_STATEMENT = 1000   # four parameters a row: well inside SQLite's limit on a statement's parameters


def add_uses(connection: Session | sa.Connection, counts: dict[tuple[str, dt.date], tuple[int, int]]) -> None:
    """Add ``(shown, shortlisted)`` to each ``(activity id, day)``'s counts: one upsert per thousand rows (the caller commits).

    Rows go in id order, so two processes adding to the same rows at once lock them in the same
    order and never deadlock. The web pages count in memory and call this every few seconds
    (``web/use_counts.py``).
    """
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"activity_id": activity_id, "day": day, "shown": shown, "shortlisted": shortlisted}
            for (activity_id, day), (shown, shortlisted) in sorted(counts.items())]
    for start in range(0, len(rows), USE_ROWS_PER_STATEMENT):
        statement = insert(ActivityUse).values(rows[start:start + USE_ROWS_PER_STATEMENT])
        connection.execute(statement.on_conflict_do_update(index_elements=["activity_id", "day"], set_={
            "shown": ActivityUse.shown + statement.excluded.shown, "shortlisted": ActivityUse.shortlisted + statement.excluded.shortlisted}))
