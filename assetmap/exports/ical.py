"""iCalendar (RFC 5545) from the typed schedule: a rule becomes one recurring event, a dated event a single one.

Only what the schedule pins goes on a calendar, as on the activity page: a weekly, daily or nth-weekday
rule, a fortnight with an anchor date, one-off dates. Term-time-only and unreadable schedules give no
event (the directory has no term dates, and a calendar entry is a promise someone will travel on).
Times are wall-clock times in Europe/London (``TZID``, with its ``VTIMEZONE``), so a 10:00 session stays
at 10:00 across the clock change. A rule's exceptions, and bank holidays when it skips them, become
``EXDATE``s; its end date becomes ``UNTIL``. Each event's ``UID`` is made from the activity id, so a
calendar that re-reads the feed updates its entries rather than adding copies. Text escaping and line
folding are left to the ``icalendar`` package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator

from icalendar import Calendar, Event, Timezone

from assetmap.schedule import HORIZON_DAYS, LOCAL_TIME, Schedule, Session, bank_holidays, ical_of, sessions_on
from assetmap.vocab import DAYS

PRODID = "-//assetmap//Community activities//EN"
UID_DOMAIN = "assetmap"
RULE_FREQUENCIES = ("daily", "weekly", "fortnightly", "monthly")
EXDATE_YEARS = 2          # bank holidays written as exceptions for this many years after a rule starts
STATUS = {"active": "CONFIRMED", "paused": "TENTATIVE", "closed": "CANCELLED"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # not allowed in an iCalendar TEXT value (tab and new line are)
END_LINE = b"END:VCALENDAR\r\n"
ZONE_FROM = dt.date(2000, 1, 1)   # the VTIMEZONE covers every start a record may carry (a rule starts when it was first listed)
ZONE_YEARS_AHEAD = 6


@dataclasses.dataclass(frozen=True)
class Entry:
    """What a calendar needs of one activity; the web layer fills it, so this module never reads the database."""

    id: str
    name: str
    schedule: Schedule | None
    description: str = ""
    location: str = ""
    lat: float | None = None
    lon: float | None = None
    url: str | None = None
    status: str = "active"
    categories: tuple[str, ...] = ()
    modified: dt.datetime | None = None
    since: dt.date | None = None      # when the directory first listed it: where a rule without a start date starts


def events_of(entry: Entry, today: dt.date, stamp: dt.datetime) -> list[Event]:
    """The activity's events: one per session of a rule, one per one-off date; none when nothing is pinned."""
    schedule = entry.schedule
    if schedule is None or schedule.term_time_only:
        return []
    events = []
    if schedule.frequency in RULE_FREQUENCIES:
        base = schedule.starts or schedule.anchor or entry.since or today
        events += [e for e in (_recurring(entry, schedule, s, base, stamp) for s in _sessions(schedule)) if e is not None]
    for day in sorted(set(schedule.dates) - set(schedule.exceptions)):
        sessions = sessions_on(schedule, day) or list(_sessions(schedule))[:1]
        events += [_single(entry, day, s, stamp) for s in sessions[:1]]
    return _numbered(entry, events)


def _sessions(schedule: Schedule) -> tuple[Session, ...]:
    return schedule.sessions or (Session(schedule.days, schedule.opens, schedule.closes, schedule.week_of_month),)


def _numbered(entry: Entry, events: list[Event]) -> list[Event]:
    """UIDs from the activity id: ``<id>@assetmap`` for its first event, ``<id>-2@assetmap`` … for the others."""
    for n, event in enumerate(events, start=1):
        event.add("uid", f"{entry.id}@{UID_DOMAIN}" if n == 1 else f"{entry.id}-{n}@{UID_DOMAIN}")
    return events


def _first_meeting(schedule: Schedule, session: Session, base: dt.date) -> dt.date | None:
    """The first day on or after ``base`` the session meets: the rule's DTSTART (None when the rule pins no day)."""
    for offset in range(HORIZON_DAYS):
        day = base + dt.timedelta(days=offset)
        if schedule.ends and day > schedule.ends:
            return None
        if session in sessions_on(schedule, day):
            return day
    return None


def _rule(schedule: Schedule, session: Session, timed: bool) -> dict:
    days = [ical_of(d) for d in session.days if ical_of(d)]
    if schedule.frequency == "monthly":
        rule = {"freq": "MONTHLY", "byday": [f"{week}{code}" for week in session.week_of_month for code in days]}
    elif schedule.frequency == "daily" and set(session.days) == set(DAYS):
        rule = {"freq": "DAILY"}
    else:
        rule = {"freq": "WEEKLY", "byday": days, "wkst": "MO"} | ({"interval": 2} if schedule.frequency == "fortnightly" else {})
    if schedule.ends:
        rule["until"] = _until(schedule.ends, session) if timed else schedule.ends
    return rule


def _until(last: dt.date, session: Session) -> dt.datetime:
    """RFC 5545: with a TZID start, UNTIL is in UTC; the last day's session start is the last occurrence allowed."""
    return dt.datetime.combine(last, session.opens or dt.time(23, 59), LOCAL_TIME).astimezone(dt.UTC)


def _recurring(entry: Entry, schedule: Schedule, session: Session, base: dt.date, stamp: dt.datetime) -> Event | None:
    first = _first_meeting(schedule, session, base)
    if first is None:
        return None
    event = _event(entry, first, session, stamp)
    event.add("rrule", _rule(schedule, session, session.opens is not None))
    skipped = _skipped_days(schedule, session, first)
    if skipped:
        event.add("exdate", [_start(day, session) for day in skipped])
    return event


def _skipped_days(schedule: Schedule, session: Session, first: dt.date) -> list[dt.date]:
    """Exceptions, and bank holidays when the schedule skips them, on the session's weekdays from its first meeting."""
    days = set(schedule.exceptions)
    if schedule.skips_bank_holidays:
        for year in range(first.year, first.year + EXDATE_YEARS + 1):
            days |= bank_holidays(year)
    last = schedule.ends or dt.date.max
    return sorted(d for d in days if first <= d <= last and DAYS[d.weekday()] in session.days)


def _single(entry: Entry, day: dt.date, session: Session, stamp: dt.datetime) -> Event:
    return _event(entry, day, session, stamp)


def _start(day: dt.date, session: Session) -> dt.date | dt.datetime:
    return dt.datetime.combine(day, session.opens, LOCAL_TIME) if session.opens else day


def _end(day: dt.date, session: Session) -> dt.date | dt.datetime | None:
    """The session's end: next day for an all-day one, past midnight when it closes before it opens, none when unknown."""
    if session.opens is None:
        return day + dt.timedelta(days=1)
    if session.closes is None:
        return None
    ends = day + dt.timedelta(days=1) if session.closes <= session.opens else day
    return dt.datetime.combine(ends, session.closes, LOCAL_TIME)


def _event(entry: Entry, day: dt.date, session: Session, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("summary", _text(entry.name))
    event.add("dtstamp", (entry.modified or stamp).astimezone(dt.UTC))
    if entry.modified:
        event.add("last-modified", entry.modified.astimezone(dt.UTC))
    event.add("dtstart", _start(day, session))
    end = _end(day, session)
    if end is not None:
        event.add("dtend", end)
    event.add("status", STATUS.get(entry.status, "CONFIRMED"))
    for name, value in (("description", entry.description), ("location", entry.location), ("url", entry.url)):
        if value:
            event.add(name, _text(value))
    if entry.categories:
        event.add("categories", [_text(c) for c in entry.categories])
    if entry.lat is not None and entry.lon is not None:
        event.add("geo", (entry.lat, entry.lon))
    return event


def _text(value: str) -> str:
    return CONTROL.sub(" ", str(value))


def calendar_chunks(events: Iterable[Event], name: str, today: dt.date) -> Iterator[bytes]:
    """A whole VCALENDAR, one event at a time: the header and Europe/London's VTIMEZONE, each event, the end line.

    The VTIMEZONE is always there, so even a search with nothing to put on a calendar is a valid calendar.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", LOCAL_TIME.key)
    calendar.add_component(Timezone.from_tzinfo(LOCAL_TIME, LOCAL_TIME.key, ZONE_FROM, dt.date(today.year + ZONE_YEARS_AHEAD, 1, 1)))
    whole = calendar.to_ical()
    yield whole[:-len(END_LINE)]
    for event in events:
        yield event.to_ical()
    yield END_LINE
