"""When an activity next meets, from its structured schedule: "Next: Tuesday 16 June, 14:00".

Only rules that pin a date are used (weekly, daily, the nth weekday of a month); fortnightly and
irregular schedules have no anchor date, so no next session is claimed for them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

DAY_INDEX = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    """The nth (1–5, or -1 for last) given weekday of a month, or None when the month has none."""
    days = [week[weekday] for week in calendar.monthcalendar(year, month) if week[weekday]]
    index = nth - 1 if nth > 0 else nth
    return dt.date(year, month, days[index]) if -len(days) <= index < len(days) else None


def _monthly(today: dt.date, weekdays: list[int], nth: int) -> dt.date | None:
    candidates = []
    for offset in range(0, 3):
        year, month = divmod(today.month - 1 + offset, 12)
        for weekday in weekdays:
            day = _nth_weekday(today.year + year, month + 1, weekday, nth)
            if day and day >= today:
                candidates.append(day)
    return min(candidates, default=None)


def next_session(schedule: dict[str, Any] | None, today: dt.date) -> dt.date | None:
    """The next date on or after ``today`` when the activity meets, or None when the rule cannot say.

    >>> next_session({"days": ["tue"], "frequency": "weekly"}, dt.date(2026, 6, 15))
    datetime.date(2026, 6, 16)
    >>> next_session({"days": ["sat"], "frequency": "monthly", "week_of_month": 1}, dt.date(2026, 6, 15))
    datetime.date(2026, 7, 4)
    """
    if not schedule or not schedule.get("days"):
        return None
    weekdays = sorted(DAY_INDEX[d] for d in schedule["days"] if d in DAY_INDEX)
    frequency = schedule.get("frequency")
    if frequency in ("weekly", "daily"):
        return min(today + dt.timedelta(days=(w - today.weekday()) % 7) for w in weekdays)
    if frequency == "monthly" and schedule.get("week_of_month"):
        return _monthly(today, weekdays, int(schedule["week_of_month"]))
    return None


def describe_next(schedule: dict[str, Any] | None, today: dt.date) -> str | None:
    day = next_session(schedule, today)
    if day is None:
        return None
    when = "Today" if day == today else day.strftime("%A %-d %B")
    opens = (schedule or {}).get("opens")
    term = " (term time only)" if (schedule or {}).get("term_time_only") else ""
    return f"Next: {when}{', ' + opens if opens else ''}{term}"
