"""A record's typed schedule (``assetmap.schedule.Schedule``) as ORUK schedules: RFC 5545 fields.

One ORUK schedule per session of a rule — ``freq`` (WEEKLY or MONTHLY, the two ORUK allows),
``interval`` (2 for a fortnight, with ``dtstart`` when the rule has an anchor date), ``byday``
("TU,FR"; "2WE,4WE" for the nth weekdays of a month), ``opens_at``/``closes_at`` in the
directory's wall-clock time (HH:MM, Europe/London), ``valid_from``/``valid_to`` for a rule with a
date range. A daily rule is WEEKLY on all seven days. A one-off event is one schedule per date
(``dtstart`` = ``valid_from`` = ``valid_to``) with no rule, so no reader mistakes it for every
such weekday. The text people wrote goes in the first schedule's ``description`` (it says what
rules cannot: term time, bank holidays, dates skipped); a record whose text could not be read has
only that. ``attending_type`` says how it happens (in person, online, by telephone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assetmap.openreferral.ids import derived
from assetmap.schedule import Schedule, Session, ical_of
from assetmap.schedule.model import hhmm
from assetmap.vocab import DAYS, DELIVERY_LABELS


def attending_type(delivery: Sequence[str] | None) -> str:
    """``["in_person", "online"]`` → "In person, Online"."""
    return ", ".join(DELIVERY_LABELS.get(mode, mode) for mode in delivery or [])


def _times(session: Session | Schedule) -> dict[str, str]:
    return {k: v for k, v in (("opens_at", hhmm(session.opens)), ("closes_at", hhmm(session.closes))) if v}


def _byday(session: Session, schedule: Schedule) -> str:
    days = session.days if schedule.frequency != "daily" or session.days else DAYS
    codes = [ical_of(day) for day in days if ical_of(day)]
    weeks = session.week_of_month or (schedule.week_of_month if schedule.frequency == "monthly" else ())
    if schedule.frequency == "monthly" and weeks:
        return ",".join(f"{week}{code}" for week in weeks for code in codes)
    return ",".join(codes)


def _rule(session: Session, schedule: Schedule) -> dict[str, Any]:
    monthly = schedule.frequency == "monthly" or bool(session.week_of_month)
    entry: dict[str, Any] = {"freq": "MONTHLY" if monthly else "WEEKLY", "interval": 2 if schedule.frequency == "fortnightly" else 1}
    byday = _byday(session, schedule)
    if byday:
        entry["byday"] = byday
    if schedule.frequency == "fortnightly" and schedule.anchor:
        entry["dtstart"] = schedule.anchor.isoformat()
    if schedule.starts:
        entry["valid_from"] = schedule.starts.isoformat()
    if schedule.ends:
        entry["valid_to"] = schedule.ends.isoformat()
    return entry | _times(session)


def _entries(schedule: Schedule | None) -> list[dict[str, Any]]:
    """The rule-shaped part of each ORUK schedule, before ids and words are added."""
    if schedule is None:
        return []
    entries: list[dict[str, Any]] = []
    if schedule.frequency in ("weekly", "fortnightly", "monthly", "daily"):
        sessions = schedule.sessions or ((Session(schedule.days, schedule.opens, schedule.closes, schedule.week_of_month),)
                                         if schedule.days or schedule.frequency == "daily" else ())
        entries += [_rule(session, schedule) for session in sessions]
    times = _times(schedule.sessions[0] if schedule.sessions else schedule)
    if schedule.dates and not entries:
        entries += [{"dtstart": day.isoformat(), "valid_from": day.isoformat(), "valid_to": day.isoformat()} | times
                    for day in schedule.dates]
    if not entries and (schedule.starts or schedule.ends):   # a date range whose days could not be read: its dates still bound it
        entries.append({k: v.isoformat() for k, v in (("valid_from", schedule.starts), ("valid_to", schedule.ends)) if v} | times)
    return entries


def oruk_schedules(activity_id: str, extra: Mapping[str, Any] | None, text: str, delivery: Sequence[str] | None) -> list[dict[str, Any]]:
    """The ORUK ``schedules`` of one activity (see the module's rules); [] when nothing is known of when or how.

    >>> s = oruk_schedules("a1", {"schedule": {"days": ["tue"], "opens": "10:00", "closes": "11:00", "frequency": "weekly",
    ...                    "sessions": [{"days": ["tue"], "opens": "10:00", "closes": "11:00"}]}}, "Tuesdays 10-11", ["in_person"])
    >>> {k: v for k, v in s[0].items() if k not in ("id", "description", "attending_type")}
    {'freq': 'WEEKLY', 'interval': 1, 'byday': 'TU', 'opens_at': '10:00', 'closes_at': '11:00'}
    >>> s[0]["description"], s[0]["attending_type"]
    ('Tuesdays 10-11', 'In person')
    """
    entries = _entries(Schedule.from_extra(extra))
    how = attending_type(delivery)
    text = (text or "").strip()
    if not entries and (text or how):
        entries = [{}]
    result = []
    for number, entry in enumerate(entries):
        if number == 0 and text:
            entry["description"] = text
        if how:
            entry["attending_type"] = how
        key = ",".join(f"{k}={entry[k]}" for k in sorted(entry) if k != "description")
        result.append({"id": derived("schedule", activity_id, number, key), **entry})
    return result
