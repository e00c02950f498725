"""Problem reports and the other signals that a record may be wrong, and how they lower its freshness.

A resident's "Report a problem" and an organiser's "Something has changed" become open
``ProblemReport`` rows (written through ``changes``, audited). Until an editor marks a report
dealt with, the record counts as ageing at best; a report that it has stopped counts as stale, so
it goes to the top of the review queue. Two automatic signals are read from what is already held:
a full re-import that no longer lists a record closes it (its audit entry names the source and
day), and a one-off event whose date has passed has ended (``schedule.has_ended``).

Reports are rate-limited per address without storing the address: ``ReportLimiter`` counts in
memory under an HMAC of the address keyed by the secret key and the day, so a key cannot be
turned back into an address, cannot be linked across days, and the whole table is dropped when the
day changes. The count is per process: a site run by several processes allows each its limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.db import as_utc
from assetmap.freshness import Freshness, day_text, possessive
from assetmap.models import Activity, AuditEntry, ProblemReport
from assetmap.schedule import Schedule, has_ended

KINDS = {
    "stopped": "It has stopped",
    "time": "The day or time is wrong",
    "contact": "The contact details are wrong",
    "other": "Something else",
    "changed": "The organiser says something has changed",
}
PUBLIC_KINDS = ("stopped", "time", "contact", "other")
RANK = {"stopped": 0, "changed": 1, "time": 2, "contact": 2, "other": 3}   # which report leads (most serious first)
RECENT_DAYS = 90   # closes by a re-import shown on /review


def lowered(state: Freshness, kinds: Sequence[str]) -> Freshness:
    """A record with open reports is ageing at best, and stale when one says it has stopped.

    >>> lowered(Freshness("fresh", 3), ["time"]), lowered(Freshness("fresh", 3), ["stopped"]).state
    (Freshness(state='ageing', days=3), 'stale')
    """
    if not kinds:
        return state
    if "stopped" in kinds:
        return Freshness("stale", state.days)
    return state if state.state in ("stale", "ageing") else Freshness("ageing", state.days)


def leading_kind(kinds: Sequence[str]) -> str:
    """The most serious of a record's open reports ("" when none)."""
    return min(kinds, key=lambda k: RANK.get(k, 9)) if kinds else ""


def report_line(kind: str, when: dt.datetime) -> str:
    """What the public page says about an open report (never who sent it)."""
    day = day_text(as_utc(when))
    if kind == "stopped":
        return f"Someone told us on {day} that this has stopped. An editor is checking — ring before you go."
    return f"Someone told us on {day} that some details are wrong. An editor is checking — ring before you go."


def no_longer_listed_line(source: str, when: dt.datetime) -> str:
    """ "No longer listed in Trafford CVS's list since 3 Oct 2026"."""
    return f"No longer listed in {possessive(source)} list since {day_text(as_utc(when))}"


# -- reading -----------------------------------------------------------------------------------------
def open_reports(session: Session, activity_ids: Sequence[str] | None = None) -> dict[str, list[ProblemReport]]:
    """Open reports by activity, newest first (of the given activities, or all)."""
    query = sa.select(ProblemReport).where(ProblemReport.status == "open")
    if activity_ids is not None:
        query = query.where(ProblemReport.activity_id.in_(list(activity_ids)))
    found: dict[str, list[ProblemReport]] = {}
    for report in session.scalars(query.order_by(ProblemReport.reported_at.desc(), ProblemReport.id.desc())):
        found.setdefault(report.activity_id, []).append(report)
    return found


def open_kinds(session: Session) -> dict[str, list[str]]:
    """The kinds of every open report, by activity: one small query for the review queue."""
    found: dict[str, list[str]] = {}
    for activity_id, kind in session.execute(sa.select(ProblemReport.activity_id, ProblemReport.kind).where(ProblemReport.status == "open")):
        found.setdefault(activity_id, []).append(kind)
    return found


def closed_by_source(session: Session, activity: Activity) -> AuditEntry | None:
    """The re-import that closed this record because its source no longer lists it, if that is why it is closed."""
    if activity.status != "closed":
        return None
    query = (sa.select(AuditEntry).where(AuditEntry.record_type == "activity", AuditEntry.record_id == activity.id)
             .order_by(AuditEntry.id.desc()).limit(1))
    last = session.scalar(query)
    return last if last is not None and last.action == "close" and last.actor.startswith("source:") else None


@dataclasses.dataclass(frozen=True)
class Signal:
    """One record an automatic signal or a report has put in doubt, for /review."""

    activity_id: str
    name: str
    what: str
    when: dt.datetime | None
    report_id: int | None = None
    details: str = ""


def report_signals(session: Session) -> list[Signal]:
    """Every open report, stopped first, then newest first."""
    query = (sa.select(ProblemReport, Activity.name).join(Activity, Activity.id == ProblemReport.activity_id)
             .where(ProblemReport.status == "open").order_by(ProblemReport.reported_at.desc(), ProblemReport.id.desc()))
    signals = [Signal(r.activity_id, name, KINDS.get(r.kind, r.kind), as_utc(r.reported_at), r.id, r.details)
               for r, name in session.execute(query)]
    return sorted(signals, key=lambda s: s.what != KINDS["stopped"])


def closed_signals(session: Session, now: dt.datetime, days: int = RECENT_DAYS) -> list[Signal]:
    """Records a full re-import closed in the last ``days`` days (their source no longer lists them) and still closed."""
    since = now - dt.timedelta(days=days)
    query = (sa.select(AuditEntry.record_id, AuditEntry.actor, AuditEntry.changed_at, Activity.name)
             .join(Activity, Activity.id == AuditEntry.record_id)
             .where(AuditEntry.record_type == "activity", AuditEntry.action == "close", AuditEntry.actor.like("source:%"),
                    AuditEntry.changed_at >= since, Activity.status == "closed")
             .order_by(AuditEntry.changed_at.desc()))
    seen: dict[str, Signal] = {}
    for record_id, actor, when, name in session.execute(query):
        seen.setdefault(record_id, Signal(record_id, name, no_longer_listed_line(actor.removeprefix("source:"), when), as_utc(when)))
    return list(seen.values())


def ended_signals(session: Session, now: dt.datetime) -> list[Signal]:
    """Records still shown as running whose one-off dates or date range have passed."""
    dated = sa.cast(Activity.schedule, sa.Text).like("%until %")   # only a dated schedule has an "until <date>" token
    query = sa.select(Activity.id, Activity.name, Activity.extra).where(Activity.status != "closed", dated)
    found = []
    for activity_id, name, extra in session.execute(query):
        schedule = Schedule.from_extra(extra)
        if schedule is not None and has_ended(schedule, now):
            found.append(Signal(activity_id, name, f"The event has ended (last date {day_text(schedule.last_date)})", None))
    return found


# -- the rate limit ----------------------------------------------------------------------------------
class ReportLimiter:
    """At most ``limit`` reports per address per day, counted under a keyed hash of the address (see the module)."""

    def __init__(self, secret: str):
        self._secret = secret.encode()
        self._day: dt.date | None = None
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def key(self, address: str, day: dt.date) -> str:
        salt = hmac.new(self._secret, f"report-limit:{day.isoformat()}".encode(), hashlib.sha256).digest()
        return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()

    def allow(self, address: str, day: dt.date, limit: int) -> bool:
        """Count one report from ``address`` today; False (and not counted) once the day's limit is reached."""
        with self._lock:
            if day != self._day:
                self._day, self._counts = day, {}
            key = self.key(address, day)
            if self._counts.get(key, 0) >= limit:
                return False
            self._counts[key] = self._counts.get(key, 0) + 1
            return True
