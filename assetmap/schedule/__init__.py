"""When an activity meets: the one home for schedules, from the text people write to "Next: Tuesday".

Schedules arrive three ways: free text ("Mon & Wed 10-3", "2nd and 4th Wednesday", "term time only",
"Saturday 14 December 2025"), RFC 5545-style rules in ORUK and OpenActive feeds, and sheets with one
opening-hours column per day. Each becomes a ``ParsedSchedule``: the search tokens kept in
``Activity.schedule`` and a typed ``Schedule`` kept as JSON in ``Activity.extra["schedule"]``.

Tokens are ``"<day> <part>"`` (``morning`` before 12:00, ``afternoon`` 12:00–17:00, ``evening`` after
17:00, ``any`` when no time is given), plus ``"until <YYYY-MM-DD>"`` for a schedule that stops: a
one-off date or a date range. Search hides a record whose ``until`` date is past (``is_ended_token``)
without re-indexing, on both backends. The tokens are kept beside the Schedule rather than worked out
from it, because text such as "Thursday evenings" names a part of the day but no time to store.

Dated events are kept as dates, never as a weekly rule: "Saturday 14 December 2025" has frequency
``once``, ``dates`` (2025-12-14) and the token ``sat any`` so the day filter finds it while it is
upcoming; once it has passed the ``until`` token hides it, so it never lingers as "every Saturday".

The parser never guesses a day that is not written: text it cannot read gives no tokens and
frequency ``irregular``, and the original text is always kept beside the result. A next session is
claimed only when the rule pins a date (weekly, daily, the nth weekday of a month, a fortnight with
an anchor date, a one-off date), in the directory's local time (``LOCAL_TIME``), skipping bank
holidays when the text says so. Term-time-only schedules claim no date: the directory has no term
dates, so it says "term time only" rather than name a day that may fall in the school holidays.
"""

from assetmap.schedule.calendar import (
    HORIZON_DAYS,
    Meeting,
    bank_holidays,
    describe_next,
    has_ended,
    is_past_token,
    local_date,
    local_time,
    next_meeting,
    next_session,
    sessions_on,
)
from assetmap.schedule.feeds import describe, from_day_columns, from_oruk, ical_of
from assetmap.schedule.model import (
    ANY_TIME,
    LOCAL_TIME,
    UNTIL,
    ParsedSchedule,
    Schedule,
    Session,
    clean_tokens,
    days_of_token,
    is_token_at,
    times_of_token,
)
from assetmap.schedule.text import day_of, day_span, parse_schedule, parts_of, time_range

__all__ = [
    "ANY_TIME", "HORIZON_DAYS", "LOCAL_TIME", "UNTIL", "Meeting", "ParsedSchedule", "Schedule", "Session", "bank_holidays",
    "clean_tokens", "day_of", "day_span", "days_of_token", "describe", "describe_next", "from_day_columns", "from_oruk",
    "has_ended", "ical_of", "is_past_token", "is_token_at", "local_date", "local_time", "next_meeting", "next_session",
    "parse_schedule", "parts_of", "sessions_on", "time_range", "times_of_token",
]
