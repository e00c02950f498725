"""When an activity next meets, in the directory's local time, skipping bank holidays when its schedule says so."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from assetmap.schedule.model import LOCAL_TIME, UNTIL, Schedule, Session, as_schedule, date_of, hhmm
from assetmap.vocab import DAYS

# --- The next session ----------------------------------------------------------------------------

HORIZON_DAYS = 400   # how far ahead a rule is walked for its next meeting (a "5th Sunday" can be months away)


def local_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` on the directory's wall clock; a naive one (SQLite gives those back) is taken to be UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TIME)


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    """The directory's date at ``moment``: at 00:30 BST it is already tomorrow, though UTC says otherwise."""
    return local_time(moment).date() if isinstance(moment, dt.datetime) else moment


@functools.lru_cache(maxsize=16)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England's bank holidays in ``year``, from the ``holidays`` package's own tables (no network)."""
    import holidays  # 50 ms to import: only a page asking for a next session pays it

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def has_ended(schedule: Schedule | Mapping[str, Any] | None, now: dt.datetime | dt.date) -> bool:
    """Whether a dated event is over: its range ended, or it has only one-off dates and all are past."""
    schedule = as_schedule(schedule)
    last = schedule.last_date if schedule else None
    return last is not None and last < local_date(now)


def is_past_token(token: str, today: dt.date) -> bool:
    """Whether a token is ``until <date>`` with the date before ``today``: search hides such a record."""
    if not token.startswith(UNTIL + " "):
        return False
    last = date_of(token[len(UNTIL) + 1:])
    return last is not None and last < today


@dataclasses.dataclass(frozen=True)
class Meeting:
    """One meeting on the calendar: its date and its session's times."""

    day: dt.date
    opens: dt.time | None = None
    closes: dt.time | None = None

    def is_on_at(self, clock: dt.time) -> bool:
        return self.opens is not None and self.opens <= clock < _end_of(self)


def _end_of(meeting: Meeting | Session) -> dt.time:
    """When a session is over: its closing time, or the end of the day when it runs past midnight or has none."""
    if meeting.closes and meeting.opens and meeting.closes > meeting.opens:
        return meeting.closes
    return dt.time.max if meeting.closes or not meeting.opens else meeting.opens


def _sessions_of(schedule: Schedule) -> tuple[Session, ...]:
    """The sessions, or one built from the summary for records stored before sessions were kept."""
    return schedule.sessions or (Session(schedule.days, schedule.opens, schedule.closes, schedule.week_of_month),)


def _is_in_weeks(day: dt.date, weeks: tuple[int, ...]) -> bool:
    """Whether ``day`` is in the nth week of its month (its nth such weekday), or the last when -1 is among them."""
    return (day.day - 1) // 7 + 1 in weeks or -1 in weeks and (day + dt.timedelta(days=7)).month != day.month


def _weeks_apart(first: dt.date, second: dt.date) -> int:
    return ((second - dt.timedelta(days=second.weekday())) - (first - dt.timedelta(days=first.weekday()))).days // 7


def _rule_meets(schedule: Schedule, session: Session, day: dt.date) -> bool:
    if DAYS[day.weekday()] not in session.days:
        return False
    if session.week_of_month:
        return _is_in_weeks(day, session.week_of_month)
    if schedule.frequency in ("weekly", "daily"):
        return True
    return schedule.frequency == "fortnightly" and schedule.anchor is not None and _weeks_apart(schedule.anchor, day) % 2 == 0


def _is_skipped(schedule: Schedule, day: dt.date) -> bool:
    """Days a schedule does not meet whatever its rule says: outside its range, an exception, a bank holiday it skips."""
    return (day in schedule.exceptions or (schedule.starts is not None and day < schedule.starts)
            or (schedule.ends is not None and day > schedule.ends)
            or (schedule.skips_bank_holidays and day in bank_holidays(day.year)))


def sessions_on(schedule: Schedule, day: dt.date) -> list[Session]:
    """The sessions that meet on ``day``, earliest first."""
    if _is_skipped(schedule, day):
        return []
    sessions = _sessions_of(schedule)
    if day in schedule.dates:
        found = [s for s in sessions if DAYS[day.weekday()] in s.days] or [sessions[0]]
    elif schedule.frequency == "once":
        return []
    else:
        found = [s for s in sessions if _rule_meets(schedule, s, day)]
    return sorted(found, key=lambda s: s.opens or dt.time.min)


def _candidate_days(schedule: Schedule, today: dt.date) -> Iterable[dt.date]:
    if schedule.frequency == "once":
        return sorted(d for d in schedule.dates if d >= today)
    first = max(today, schedule.starts or today)
    last = min(first + dt.timedelta(days=HORIZON_DAYS), schedule.ends or dt.date.max)
    return (first + dt.timedelta(days=i) for i in range((last - first).days + 1))


def next_meeting(schedule: Schedule | Mapping[str, Any] | None, now: dt.datetime | dt.date) -> Meeting | None:
    """The next meeting not yet over at ``now`` (local time; a date alone counts the whole day), or None.

    None too when the rule cannot say (irregular, fortnightly without an anchor date) and for term-time
    schedules: without term dates any day named might fall in the school holidays.
    """
    schedule = as_schedule(schedule)
    if not schedule or not schedule.days or schedule.term_time_only:
        return None
    today = local_date(now)
    clock = local_time(now).time() if isinstance(now, dt.datetime) else None
    for day in _candidate_days(schedule, today):
        for session in sessions_on(schedule, day):
            if day == today and clock is not None and clock >= _end_of(session):
                continue
            return Meeting(day, session.opens, session.closes)
    return None


def next_session(schedule: Schedule | Mapping[str, Any] | None, now: dt.datetime | dt.date) -> dt.date | None:
    """The date of the next meeting (see ``next_meeting``).

    >>> next_session(Schedule(days=("tue",), frequency="weekly"), dt.date(2026, 6, 15))
    datetime.date(2026, 6, 16)
    >>> next_session({"days": ["sat"], "frequency": "monthly", "week_of_month": 1}, dt.date(2026, 6, 15))
    datetime.date(2026, 7, 4)
    """
    meeting = next_meeting(schedule, now)
    return meeting.day if meeting else None


def describe_next(schedule: Schedule | Mapping[str, Any] | None, now: dt.datetime | dt.date) -> str | None:
    """"Next: Tuesday 16 June, 14:00" (or "On now, until 15:00") for a page, or None when no date can be claimed."""
    schedule = as_schedule(schedule)
    if schedule and schedule.term_time_only and schedule.days:
        return "Term time only: ask the organiser for term dates"
    meeting = next_meeting(schedule, now)
    if meeting is None:
        return None
    today = local_date(now)
    if meeting.day == today and isinstance(now, dt.datetime) and meeting.is_on_at(local_time(now).time()):
        return f"On now{', until ' + hhmm(meeting.closes) if meeting.closes and _end_of(meeting) != dt.time.max else ''}"
    when = "Today" if meeting.day == today else meeting.day.strftime("%A %-d %B" if meeting.day.year == today.year else "%A %-d %B %Y")
    return f"Next: {when}{', ' + hhmm(meeting.opens) if meeting.opens else ''}"
