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

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assetmap.vocab import DAY_INDEX, DAY_LABELS, DAYS, FREQUENCIES, ICAL_DAYS, TIMES_OF_DAY

ANY_TIME = "any"   # the part of a token whose time was not given: it matches every time of day
UNTIL = "until"    # the first word of the token naming a schedule's last date: "until 2025-12-14"
LOCAL_TIME = zoneinfo.ZoneInfo("Europe/London")   # the directory's wall clock: sessions are written in it
ICAL_CODES = {day: code for code, day in ICAL_DAYS.items()}


# --- The typed schedule --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Session:
    """Days sharing one time: "Tuesdays & Fridays 12pm - 3pm", or "2nd and 4th Saturday 10am - 12noon"."""

    days: tuple[str, ...] = ()
    opens: dt.time | None = None
    closes: dt.time | None = None
    week_of_month: tuple[int, ...] = ()   # 1–5, or -1 for the last; empty when it meets every week

    def __post_init__(self) -> None:
        if type(self.week_of_month) is not tuple:   # a bare int or a list from older callers
            object.__setattr__(self, "week_of_month", _weeks_of(self.week_of_month))

    def to_json(self) -> dict[str, Any]:
        return {"days": list(self.days), "opens": _hhmm(self.opens), "closes": _hhmm(self.closes),
                "week_of_month": _weeks_json(self.week_of_month)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Session:
        return cls(_days_of(data.get("days")), _time_of(data.get("opens")), _time_of(data.get("closes")),
                   _weeks_of(data.get("week_of_month")))


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A schedule as pages and the calendar read it; ``to_json`` is what the database keeps.

    ``days``, ``opens`` and ``closes`` summarise the sessions (every day met on; the first session's
    time), so a page can say "Monday, Wednesday 10:00–15:00" without walking them. ``week_of_month``
    is set only for a monthly schedule, from its first session that names weeks ("2nd and 4th
    Tuesday" keeps both). ``dates`` are one-off meetings (frequency ``once`` when there is no rule
    beside them), ``starts``/``ends`` bound a rule ("6 Jan 2026 - 24 Mar 2026 every Tuesday"),
    ``anchor`` is a date a fortnightly rule meets on, ``exceptions`` are dates a rule skips ("not on
    24 December 2025"). New keys are written only when set, and a single week as a bare int, so
    stored records keep their shape and an older reader still reads what it knew.
    """

    days: tuple[str, ...] = ()
    opens: dt.time | None = None
    closes: dt.time | None = None
    frequency: str = "irregular"          # one of vocab.FREQUENCIES
    week_of_month: tuple[int, ...] = ()
    term_time_only: bool = False
    sessions: tuple[Session, ...] = ()
    dates: tuple[dt.date, ...] = ()
    exceptions: tuple[dt.date, ...] = ()
    starts: dt.date | None = None
    ends: dt.date | None = None
    anchor: dt.date | None = None
    skips_bank_holidays: bool = False

    def __post_init__(self) -> None:
        if type(self.week_of_month) is not tuple:
            object.__setattr__(self, "week_of_month", _weeks_of(self.week_of_month))

    def to_json(self) -> dict[str, Any]:
        """The dict kept in ``Activity.extra["schedule"]``: fresh lists, so no two records share one."""
        data = {"days": list(self.days), "opens": _hhmm(self.opens), "closes": _hhmm(self.closes),
                "frequency": self.frequency, "week_of_month": _weeks_json(self.week_of_month),
                "term_time_only": self.term_time_only, "sessions": [s.to_json() for s in self.sessions]}
        for key in ("dates", "exceptions"):
            if getattr(self, key):
                data[key] = [d.isoformat() for d in getattr(self, key)]
        for key in ("starts", "ends", "anchor"):
            if getattr(self, key):
                data[key] = getattr(self, key).isoformat()
        if self.skips_bank_holidays:
            data["skips_bank_holidays"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Schedule:
        """A stored schedule back; keys an older or partial record lacks take their defaults.

        >>> Schedule.from_json({"days": ["tue"], "opens": "10:00", "frequency": "weekly"}).opens
        datetime.time(10, 0)
        >>> Schedule.from_json({"days": ["wed"], "frequency": "monthly", "week_of_month": 2}).week_of_month
        (2,)
        """
        frequency = data.get("frequency")
        return cls(
            days=_days_of(data.get("days")), opens=_time_of(data.get("opens")), closes=_time_of(data.get("closes")),
            frequency=frequency if frequency in FREQUENCIES else "irregular", week_of_month=_weeks_of(data.get("week_of_month")),
            term_time_only=bool(data.get("term_time_only")),
            sessions=tuple(Session.from_json(s) for s in data.get("sessions") or () if isinstance(s, Mapping)),
            dates=_dates_of(data.get("dates")), exceptions=_dates_of(data.get("exceptions")),
            starts=_date_of(data.get("starts")), ends=_date_of(data.get("ends")), anchor=_date_of(data.get("anchor")),
            skips_bank_holidays=bool(data.get("skips_bank_holidays")),
        )

    @property
    def last_date(self) -> dt.date | None:
        """The last day it can meet: the end of its range, or its last one-off date when it has no rule."""
        if self.ends:
            return self.ends
        return max(self.dates) if self.frequency == "once" and self.dates else None

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any] | None) -> Schedule | None:
        """The schedule a record keeps in ``extra``, or None when it has none."""
        data = (extra or {}).get("schedule")
        return cls.from_json(data) if isinstance(data, Mapping) else None


@dataclasses.dataclass(frozen=True)
class ParsedSchedule:
    """What a reader made of a schedule: the search tokens, and the Schedule (None when there was no text)."""

    tokens: list[str]
    schedule: Schedule | None

    @property
    def detail(self) -> dict[str, Any] | None:
        """The JSON for ``Activity.extra["schedule"]``."""
        return None if self.schedule is None else self.schedule.to_json()


def _hhmm(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _time_of(value: Any) -> dt.time | None:
    """``"10:00"`` → 10:00; anything else a record may hold is dropped rather than failing a page."""
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _weeks_of(value: Any) -> tuple[int, ...]:
    """Weeks of the month from what a record holds: None, one int (records before "2nd and 4th"), or a list."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, (list, tuple)) else (value,)
    try:
        return tuple(int(v) for v in items)
    except (TypeError, ValueError):
        return ()


def _weeks_json(weeks: tuple[int, ...]) -> int | list[int] | None:
    """One week stays a bare int, as older readers expect; only several become a list."""
    return None if not weeks else weeks[0] if len(weeks) == 1 else list(weeks)


def _date_of(value: Any) -> dt.date | None:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _days_of(value: Any) -> tuple[str, ...]:
    return tuple(str(d) for d in value or ())


def _dates_of(value: Any) -> tuple[dt.date, ...]:
    return tuple(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in value or ())


def _as_schedule(schedule: Schedule | Mapping[str, Any] | None) -> Schedule | None:
    """Callers may pass the stored dict (``extra["schedule"]``) as it is."""
    if schedule is None or isinstance(schedule, Schedule):
        return schedule
    return Schedule.from_json(schedule)


# --- Search tokens ("tue morning") ---------------------------------------------------------------

_TOKEN_ORDER = {f"{d} {p}": i for i, (d, p) in enumerate((d, p) for d in DAYS for p in (*TIMES_OF_DAY, ANY_TIME))}


def clean_tokens(values: Iterable[Any] | None) -> list[str]:
    """Stored tokens in one spelling ("Tue  Morning" → "tue morning"), anything malformed dropped."""
    return [" ".join(str(t).lower().split()) for t in (values or []) if len(str(t).split()) == 2]


def days_of_token(token: str) -> list[str]:
    day = token.split(" ")[0]
    return [day] if day in DAYS else []


def times_of_token(token: str) -> list[str]:
    """A token whose part is "any" (time not stated, or all day) counts for every time of day."""
    part = token.split(" ")[-1]
    if part == ANY_TIME:
        return list(TIMES_OF_DAY)
    return [part] if part in TIMES_OF_DAY else []


def is_token_at(token: str, days: Sequence[str], times: Sequence[str]) -> bool:
    """Whether a token is on one of ``days`` at one of ``times`` (an empty list allows any)."""
    part = token.split(" ")[-1]
    return (not days or token.split(" ")[0] in days) and (not times or part in times or part == ANY_TIME)


# --- Reading free text ---------------------------------------------------------------------------

_DAY_RE = {
    "mon": r"mon(?:day)?s?", "tue": r"tue(?:s(?:day)?)?s?", "wed": r"wed(?:nesday|s)?s?",
    "thu": r"thu(?:r(?:s(?:day)?)?)?s?", "fri": r"fri(?:day)?s?", "sat": r"sat(?:urday)?s?", "sun": r"sun(?:day)?s?",
}
_DAY = r"(?:" + "|".join(f"(?:{p})" for p in _DAY_RE.values()) + r")\b"
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "5th": 5, "fifth": 5,
             "last": -1, "final": -1}
_ORDINAL = r"(?:1st|first|2nd|second|3rd|third|4th|fourth|5th|fifth|last|final)"
_ORDINAL_RE = re.compile(_ORDINAL, re.IGNORECASE)
_TIME = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|noon)?|noon|midday|midnight)"
_TOKEN_RE = re.compile(
    rf"(?P<range>\b{_DAY}\s*(?:-|to|until|till|through|thru)\s*{_DAY})"
    rf"|(?P<ordinal>\b(?P<nth>{_ORDINAL}(?:\s*(?:,|&|\+|/|and)\s*{_ORDINAL})*|other|alternate)\s+(?P<oday>{_DAY}))"
    rf"|(?P<day>\b{_DAY})"
    r"|(?P<weekdays>\bweekdays?\b)|(?P<weekends>\bweekends?\b)"
    r"|(?P<daily>\b(?:daily|every\s*day|7\s*days|seven\s+days|each\s+day)\b)"
    rf"|(?P<timerange>(?<![\d£.:/])(?P<t1>{_TIME})\s*(?:-|to|until|till)\s*(?P<t2>{_TIME})(?![\d/%]))"
    rf"|(?P<time>(?<![\d£.:/])(?:\d{{1,2}}(?:[:.]\d{{2}})?\s*(?:am|pm|noon)|\d{{1,2}}[:]\d{{2}}|noon|midday)(?![\d/%]))"
    r"|(?P<part>\b(?:mornings?|afternoons?|evenings?|nights?|lunch\s*times?|all\s+day)\b)",
    re.IGNORECASE,
)
_PART_WORDS = {"morning": ("morning",), "afternoon": ("afternoon",), "evening": ("evening",), "night": ("evening",),
               "lunchtime": ("afternoon",), "allday": ("morning", "afternoon")}


@dataclasses.dataclass
class _Slot:
    """A session while it is being read: hours as floats and the parts of the day it covers."""

    days: list[str] = dataclasses.field(default_factory=list)
    opens: float | None = None
    closes: float | None = None
    parts: list[str] = dataclasses.field(default_factory=list)
    week_of_month: tuple[int, ...] = ()

    @property
    def has_time(self) -> bool:
        return self.opens is not None or bool(self.parts)


def day_of(word: str) -> str | None:
    """``"Weds"`` → ``"wed"``; None for anything that is not a day."""
    for day, pattern in _DAY_RE.items():
        if re.fullmatch(pattern, word.strip().lower()):
            return day
    return None


def day_span(first: str, last: str) -> list[str]:
    """Days from ``first`` to ``last`` inclusive, wrapping past Sunday ("Fri - Mon")."""
    start, end = DAYS.index(first), DAYS.index(last)
    return [DAYS[(start + i) % 7] for i in range((end - start) % 7 + 1)]


def _clock(text: str) -> tuple[float, str]:
    """Hours as a float and the suffix written (am, pm, noon or "")."""
    text = text.strip().lower()
    if text in ("noon", "midday"):
        return 12.0, "noon"
    if text == "midnight":
        return 0.0, "am"
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|noon)?", text)
    hours = int(match.group(1)) + int(match.group(2) or 0) / 60
    return hours, match.group(3) or ""


def _to_24h(hours: float, suffix: str) -> float:
    if suffix == "pm" and hours < 12:
        return hours + 12
    if suffix == "am" and hours >= 12:
        return hours - 12
    return hours


def _bare_hour(hours: float) -> float:
    """An hour written without am/pm: community groups meet 8am–7pm, so 1–7 means afternoon or evening."""
    return hours + 12 if 1 <= hours < 8 else hours


def time_range(first: str, second: str) -> tuple[float, float] | None:
    """``("10", "3")`` → 10:00–15:00, ``("1.30", "3.30pm")`` → 13:30–15:30; None if not a time of day."""
    (h1, s1), (h2, s2) = _clock(first), _clock(second)
    if h1 > 24 or h2 > 24 or (not s1 and not s2 and not re.search(r"[:.]", first + second) and h1 == h2):
        return None
    end = _to_24h(h2, s2) if s2 else None
    if s1:
        start = _to_24h(h1, s1)
    elif end is not None:
        start = h1 + 12 if h1 < 12 and h1 + 12 <= end else h1
    else:
        start = _bare_hour(h1) if h1 < 12 else h1
    if end is None:
        end = h2 + 12 if h2 < 12 and h2 + 12 > start and h2 <= start else h2
    return start, end


def parts_of(opens: float | None, closes: float | None) -> list[str]:
    """The parts of the day a session overlaps (a start alone gives the part it starts in)."""
    if opens is None:
        return []
    closes = opens + 0.01 if closes is None else (24.0 if closes <= opens else closes)
    spans = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
    return [part for part, (lo, hi) in spans.items() if opens < hi and closes > lo]


def _days_of_match(match: re.Match) -> tuple[list[str], tuple[int, ...], str | None]:
    """Days named by one match, the weeks of the month ("2nd and 4th", "last") and a frequency it implies."""
    kind = match.lastgroup
    text = match.group(0).lower()
    if match.group("range"):
        first, last = re.split(r"\s*(?:-|to|until|till|through|thru)\s*", text, maxsplit=1)
        return day_span(day_of(first), day_of(last)), (), None
    if match.group("ordinal"):
        nth = match.group("nth").lower()
        day = day_of(match.group("oday"))
        if nth in ("other", "alternate"):
            return [day], (), "fortnightly"
        weeks = tuple(dict.fromkeys(_ORDINALS[w.lower()] for w in _ORDINAL_RE.findall(nth)))
        return [day], weeks, "monthly"
    if kind == "weekdays":
        return list(DAYS[:5]), (), None
    if kind == "weekends":
        return ["sat", "sun"], (), None
    if kind == "daily":
        return list(DAYS), (), "daily"
    return [day_of(text)], (), None


def _slots(text: str) -> tuple[list[_Slot], set[str]]:
    """Walk the text in order: days collect into a session until a time closes it."""
    slots: list[_Slot] = [_Slot()]
    implied: set[str] = set()
    for match in _TOKEN_RE.finditer(text):
        current = slots[-1]
        if match.group("timerange") or match.group("time") or match.group("part"):
            _add_time(slots, match)
            continue
        days, week, frequency = _days_of_match(match)
        if current.has_time and current.days:
            current = _Slot()
            slots.append(current)
        current.days.extend(d for d in days if d not in current.days)
        current.week_of_month = current.week_of_month or week
        if frequency:
            implied.add(frequency)
    return [s for s in slots if s.days or s.has_time], implied


def _add_time(slots: list[_Slot], match: re.Match) -> None:
    """Attach a time to the session being built; a second time for the same days starts a twin session."""
    current = slots[-1]
    if match.group("part"):
        word = re.sub(r"s$|\s+", "", match.group("part").lower())
        if not current.has_time or current.opens is None:
            current.parts.extend(p for p in _PART_WORDS[word] if p not in current.parts)
        return
    if match.group("timerange"):
        span = time_range(match.group("t1"), match.group("t2"))
        if span is None:
            return
    else:
        hours, suffix = _clock(match.group("time"))
        span = (_to_24h(hours, suffix) if suffix else hours, None)
    if current.opens is not None:
        current = _Slot(days=list(current.days), week_of_month=current.week_of_month)
        slots.append(current)
    current.opens, current.closes = span
    current.parts = parts_of(*span)


_FORTNIGHTLY_RE = re.compile(r"fortnight|every\s+(?:other|two|2(?:nd)?|second)\s+weeks?|alternate", re.IGNORECASE)
_DAILY_RE = re.compile(r"\bdaily\b", re.IGNORECASE)
_MONTH_WORD_RE = re.compile(r"\bmonth(?:ly)?\b", re.IGNORECASE)
_MONTHLY_RE = re.compile(r"\bmonthly\b", re.IGNORECASE)
_TERM_TIME_RE = re.compile(r"term[\s-]*time", re.IGNORECASE)
_BANK_HOLIDAYS_RE = re.compile(r"\b(?:not|except|excl\w*|closed|no|apart\s+from)\b[^.;]{0,25}?\bbank\s*hol", re.IGNORECASE)
# A rule beside a date ("Tuesdays 10-12, and Saturday 14 December") rather than the date's own weekday.
_RECURRING_RE = re.compile(r"\b(?:every|each|weekly|fortnightly|monthly|daily|other|alternate|weekdays|weekends)\b"
                           r"|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)days\b", re.IGNORECASE)


def _frequency(text: str, slots: list[_Slot], implied: set[str]) -> str:
    if "fortnightly" in implied or _FORTNIGHTLY_RE.search(text):
        return "fortnightly"
    if "daily" in implied or _DAILY_RE.search(text):
        return "daily"
    dated = [s for s in slots if s.days]
    if dated and all(s.week_of_month for s in dated) or not dated and _MONTH_WORD_RE.search(text):
        return "monthly"
    if any(not s.week_of_month for s in dated):
        return "monthly" if _MONTHLY_RE.search(text) else "weekly"
    return "irregular"


# --- Dates written in the text ("Saturday 14 December 2025", "14/12/2025", "from 3 March to 28 April 2026") ---

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_NOT_AFTER = r"(?<![\d/.:£])"
_DATE_RE = re.compile(
    rf"(?:(?P<weekday>{_DAY}),?\s+(?:the\s+)?)?(?:"
    rf"{_NOT_AFTER}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>\d{{4}}))?"
    rf"|\b(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|{_NOT_AFTER}(?P<nd>\d{{1,2}})(?P<sep>[/.])(?P<nm>\d{{1,2}})(?P=sep)(?P<ny>\d{{4}}|\d{{2}})"
    rf"|{_NOT_AFTER}(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})"
    r")\b",
    re.IGNORECASE,
)
# Cheap first look over the lower-cased text: most schedules name no month and have no d/m/y or ISO
# date, and skip the date reader entirely ("1.30-3.30" is not taken for a d.m.y date).
_MAYBE_DATE_RE = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d([/.])\d{1,2}\1\d|\d{4}-\d")
_RANGE_JOIN_RE = re.compile(r"\s*,?\s*(?:-|to|until|till|through|thru)\s*", re.IGNORECASE)
_LIST_JOIN_RE = re.compile(r"\s*(?:,|or|and|&)\s*", re.IGNORECASE)
_EXCEPT_BEFORE_RE = re.compile(r"\b(?:not|except|excluding|excl|closed|cancelled|no\s+\w+|apart\s+from)\W*(?:on\s+)?(?:the\s+)?$", re.IGNORECASE)
_UNTIL_BEFORE_RE = re.compile(r"\b(?:until|till|til|ends?|ending|finish(?:es|ing)?|through|up\s+to)\s+(?:on\s+)?(?:the\s+)?$", re.IGNORECASE)
_FROM_BEFORE_RE = re.compile(r"\b(?:from|starting|starts?|beginning|begins|commencing)\s+(?:on\s+)?(?:the\s+)?$", re.IGNORECASE)


@dataclasses.dataclass
class _Dates:
    """The dates a text names, by the part each plays, and the text left once they are taken out."""

    once: list[dt.date] = dataclasses.field(default_factory=list)
    exceptions: list[dt.date] = dataclasses.field(default_factory=list)
    starts: dt.date | None = None
    ends: dt.date | None = None
    rest: str = ""

    def __bool__(self) -> bool:
        return bool(self.once or self.exceptions or self.starts or self.ends)


def _date_parts(match: re.Match) -> tuple[int, int, int | None]:
    """(day, month, year or None) of one date match; a two-digit year is this century's."""
    g = match.group
    if g("d"):
        return int(g("d")), _MONTHS[g("m")[:3].lower()], int(g("y")) if g("y") else None
    if g("m2"):
        return int(g("d2")), _MONTHS[g("m2")[:3].lower()], int(g("y2")) if g("y2") else None
    if g("nd"):
        year = int(g("ny"))
        return int(g("nd")), int(g("nm")), year + 2000 if year < 100 else year
    return int(g("id")), int(g("im")), int(g("iy"))


def _role_of(before: str, between: str | None, previous: str | None) -> str:
    """What a date is for, from the words before it: a range's end, a skipped date, a start, an end, or a meeting."""
    if between is not None and previous in ("once", "start") and _RANGE_JOIN_RE.fullmatch(between):
        return "range_end"
    if _EXCEPT_BEFORE_RE.search(before) or previous == "exception" and between is not None and _LIST_JOIN_RE.fullmatch(between):
        return "exception"
    if _UNTIL_BEFORE_RE.search(before):
        return "end"
    return "start" if _FROM_BEFORE_RE.search(before) else "once"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year_near(day: int, month: int, weekday: int | None, today: dt.date | None) -> dt.date | None:
    """A date written without a year: the one near ``today`` (on the weekday written, if one was), recent or coming."""
    if today is None:
        return None
    recent = [d for y in (today.year - 1, today.year, today.year + 1) if (d := _safe_date(y, month, day)) and d >= today - dt.timedelta(days=60)]
    return next((d for d in recent if d.weekday() == weekday), recent[0] if recent else None)


def _resolve(found: list[tuple[str, int, int, int | None, int | None]], today: dt.date | None) -> list[tuple[str, dt.date | None]]:
    """Years for dates written without one: the next date that has one ("3 March to 28 April 2026"), then ``today``."""
    resolved = []
    for i, (role, day, month, year, weekday) in enumerate(found):
        later = next((f for f in found[i + 1:] if f[3]), None)
        if year is None and later is not None:
            date = _safe_date(later[3], month, day)
            if date and (later_date := _safe_date(later[3], later[2], later[1])) and date > later_date:
                date = _safe_date(later[3] - 1, month, day)   # "30 November to 2 January 2026", "20 and 27 December, 3 January 2026"
        else:
            date = _safe_date(year, month, day) if year else _year_near(day, month, weekday, today)
        resolved.append((role, date))
    return resolved


def _read_dates(text: str, today: dt.date | None) -> _Dates:
    """Dates in the text and what each is for; the text without them is read for days and times as usual."""
    found: list[tuple[str, int, int, int | None, int | None]] = []
    pieces, last_end = [], 0
    for match in _DATE_RE.finditer(text):
        between = text[last_end:match.start()] if found else None
        role = _role_of(text[max(last_end, match.start() - 30):match.start()], between, found[-1][0] if found else None)
        if role == "range_end":
            found[-1] = ("start", *found[-1][1:])
            role = "end"
        weekday = DAY_INDEX[day_of(match.group("weekday"))] if match.group("weekday") else None
        found.append((role, *_date_parts(match), weekday))
        pieces.append(text[last_end:match.start()])
        last_end = match.end()
    dates = _Dates(rest=" ".join([*pieces, text[last_end:]]))
    for role, date in _resolve(found, today):
        if date is None:
            continue
        if role in ("once", "exception"):
            (dates.once if role == "once" else dates.exceptions).append(date)
        else:
            setattr(dates, "starts" if role == "start" else "ends", date)
    return dates


def _with_dates(slots: list[_Slot], frequency: str, dates: _Dates, rest: str) -> tuple[list[_Slot], str, dict[str, Any]]:
    """Fold the dates read into the sessions: a one-off event meets on its dates' weekdays and nowhere else."""
    extra: dict[str, Any] = {"exceptions": tuple(sorted(dates.exceptions)), "starts": dates.starts, "ends": dates.ends}
    once = sorted(dates.once)
    if frequency == "fortnightly" and (once or dates.starts):
        extra["anchor"] = once[0] if once else dates.starts
        return slots, frequency, extra
    if not once:
        return slots, frequency, extra
    extra["dates"] = tuple(once)
    weekdays = [DAYS[d.weekday()] for d in once]
    has_rule = any(s.days and not set(s.days) <= set(weekdays) for s in slots) or _RECURRING_RE.search(rest)
    if has_rule:
        return slots, frequency, extra
    slots = slots or [_Slot()]
    for slot in slots:
        slot.days = list(dict.fromkeys(weekdays))
        slot.week_of_month = ()
    return slots, "once", extra


def _tokens_of(slots: Iterable[_Slot], last_date: dt.date | None = None) -> list[str]:
    """``["mon morning", …]`` in day order, ``any`` for a day with no time given, then ``until <date>`` if it stops."""
    found = set()
    for slot in slots:
        for day in slot.days:
            found.update(f"{day} {part}" for part in (slot.parts or [ANY_TIME]))
    return sorted(found, key=_TOKEN_ORDER.__getitem__) + ([f"{UNTIL} {last_date.isoformat()}"] if last_date else [])


def _clock_time(hours: float | None) -> dt.time | None:
    """Hours as read (13.5) → 13:30; a session running to midnight (24.0) closes at 00:00."""
    if hours is None:
        return None
    minutes = round(hours * 60)
    return dt.time(minutes // 60 % 24, minutes % 60)


def _schedule_of(slots: list[_Slot], frequency: str, term_time: bool, **extra: Any) -> Schedule:
    timed = next((s for s in slots if s.opens is not None), None)
    first_week = next((s.week_of_month for s in slots if s.week_of_month), ())
    return Schedule(
        days=tuple(d for d in DAYS if any(d in s.days for s in slots)),
        opens=_clock_time(timed.opens) if timed else None,
        closes=_clock_time(timed.closes) if timed else None,
        frequency=frequency,
        week_of_month=first_week if frequency == "monthly" else (),
        term_time_only=term_time,
        sessions=tuple(Session(tuple(s.days), _clock_time(s.opens), _clock_time(s.closes), s.week_of_month)
                       for s in slots if s.days),
        **extra,
    )


def _prepare(text: str) -> str:
    """Dashes and typos people use between times ("10am – 12 noon", "2=3pm") made plain."""
    text = re.sub(r"[\u2012-\u2015\u2212]", "-", text).replace("\xa0", " ")
    text = re.sub(r"(\d)\s*=\s*(\d)", r"\1-\2", text)
    return re.sub(r"\b12\s+noon\b", "12noon", text, flags=re.IGNORECASE)


def parse_schedule(text: str | None, today: dt.date | None = None) -> ParsedSchedule:
    """Tokens and Schedule from free text; empty text gives no tokens and no Schedule.

    ``today`` (the ingest's date) places a date written without a year ("Saturday 14 December"): the
    nearest such date, recent or coming. Without it such a date is still not read as a weekly rule.

    >>> parse_schedule("Mon & Wed 10-3").tokens
    ['mon morning', 'mon afternoon', 'wed morning', 'wed afternoon']
    >>> parse_schedule("2nd and 4th Wednesday 2-4pm").schedule.week_of_month
    (2, 4)
    >>> parse_schedule("Saturday 13 December 2025 10am-2pm").tokens
    ['sat morning', 'sat afternoon', 'until 2025-12-13']
    """
    tokens, schedule = _parse_cached(str(text or ""), today)
    return ParsedSchedule(list(tokens), schedule)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str, today: dt.date | None) -> tuple[tuple[str, ...], Schedule | None]:
    """Sheets repeat the same few schedules down thousands of rows (a Schedule is immutable, so safe to share)."""
    text = _prepare(text).strip()
    if not text:
        return (), None
    lower = text.lower()
    dates = _read_dates(text, today) if _MAYBE_DATE_RE.search(lower) else None
    rest = dates.rest if dates is not None else text
    slots, implied = _slots(rest)
    frequency = _frequency(rest, slots, implied)
    extra: dict[str, Any] = {}
    if dates:
        slots, frequency, extra = _with_dates(slots, frequency, dates, rest)
    schedule = _schedule_of(slots, frequency, "term" in lower and bool(_TERM_TIME_RE.search(text)),
                            skips_bank_holidays="bank" in lower and bool(_BANK_HOLIDAYS_RE.search(text)), **extra)
    return tuple(_tokens_of(slots, schedule.last_date)), schedule


# --- Day columns and feed rules (ORUK, OpenActive) -----------------------------------------------

def from_day_columns(columns: Mapping[str, str]) -> ParsedSchedule:
    """Opening hours kept one column per day ("08:30-13:00,14:00-17:30", "CLOSED")."""
    slots = []
    for day, text in columns.items():
        for match in re.finditer(rf"(?P<t1>{_TIME})\s*-\s*(?P<t2>{_TIME})", _prepare(str(text or "")), re.IGNORECASE):
            span = time_range(match.group("t1"), match.group("t2"))
            if span:
                slots.append(_Slot([day], span[0], span[1], parts_of(*span)))
    if not slots:
        return ParsedSchedule([], None)
    return ParsedSchedule(_tokens_of(slots), _schedule_of(slots, "weekly", False))


def ical_of(day: str | None) -> str:
    """``"mon"`` → ``"MO"``, the RFC 5545 BYDAY code feeds use; "" for anything that is not a day.

    >>> ical_of("thu"), ical_of(None)
    ('TH', '')
    """
    return ICAL_CODES.get(day or "", "")


def _oruk_slots(entry: Mapping[str, Any]) -> tuple[list[_Slot], str]:
    """One ORUK schedule (RFC 5545 style: freq, interval, byday "1FR,TH", opens_at/closes_at)."""
    opens = _hours_of(entry.get("opens_at") or entry.get("startTime"))
    closes = _hours_of(entry.get("closes_at") or entry.get("endTime"))
    freq = str(entry.get("freq") or "").upper()
    interval = int(entry.get("interval") or 1) if str(entry.get("interval") or "1").isdigit() else 1
    slots = []
    for part in re.split(r"[,\s]+", str(entry.get("byday") or entry.get("weekday") or "").upper()):
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)[A-Z]*", part)
        day = ICAL_DAYS[match.group(2)] if match else day_of(part)
        if day:
            week = (int(match.group(1)),) if match and match.group(1) else ()
            slots.append(_Slot([day], opens, closes, parts_of(opens, closes), week))
    frequency = {"WEEKLY": "fortnightly" if interval == 2 else "weekly", "MONTHLY": "monthly", "DAILY": "daily"}.get(freq)
    if freq == "DAILY" and not slots:
        slots = [_Slot(list(DAYS), opens, closes, parts_of(opens, closes))]
    if any(s.week_of_month for s in slots):
        frequency = "monthly"
    return slots, frequency or ("weekly" if slots else "irregular")


def _hours_of(value: Any) -> float | None:
    match = re.match(r"\s*(\d{1,2}):(\d{2})", str(value or ""))
    return int(match.group(1)) + int(match.group(2)) / 60 if match else None


def from_oruk(entries: Iterable[Mapping[str, Any]]) -> tuple[ParsedSchedule, str]:
    """Tokens and Schedule from ORUK schedules, and the text to keep (their descriptions, or a summary)."""
    slots, frequencies, texts = [], [], []
    for entry in entries:
        found, frequency = _oruk_slots(entry)
        slots.extend(found)
        frequencies.append(frequency)
        texts.append(str(entry.get("description") or "").strip())
    if not slots and not any(texts):
        return ParsedSchedule([], None), ""
    if not slots:
        return parse_schedule(" ".join(texts)), " ".join(t for t in texts if t)
    schedule = _schedule_of(slots, next((f for f in frequencies if f != "weekly"), "weekly"), False)
    return ParsedSchedule(_tokens_of(slots), schedule), " ".join(t for t in texts if t) or describe(schedule)


def describe(schedule: Schedule | None) -> str:
    """A short plain-English line for a schedule that came without text: "Thursday, Friday 10:00–18:00"."""
    if not schedule or not schedule.days:
        return ""
    days = ", ".join(DAY_LABELS[d] for d in schedule.days)
    times = f" {_hhmm(schedule.opens)}–{_hhmm(schedule.closes)}" if schedule.opens and schedule.closes else ""
    return days + times


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
    schedule = _as_schedule(schedule)
    last = schedule.last_date if schedule else None
    return last is not None and last < local_date(now)


def is_past_token(token: str, today: dt.date) -> bool:
    """Whether a token is ``until <date>`` with the date before ``today``: search hides such a record."""
    if not token.startswith(UNTIL + " "):
        return False
    last = _date_of(token[len(UNTIL) + 1:])
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
    schedule = _as_schedule(schedule)
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
    schedule = _as_schedule(schedule)
    if schedule and schedule.term_time_only and schedule.days:
        return "Term time only: ask the organiser for term dates"
    meeting = next_meeting(schedule, now)
    if meeting is None:
        return None
    today = local_date(now)
    if meeting.day == today and isinstance(now, dt.datetime) and meeting.is_on_at(local_time(now).time()):
        return f"On now{', until ' + _hhmm(meeting.closes) if meeting.closes and _end_of(meeting) != dt.time.max else ''}"
    when = "Today" if meeting.day == today else meeting.day.strftime("%A %-d %B" if meeting.day.year == today.year else "%A %-d %B %Y")
    return f"Next: {when}{', ' + _hhmm(meeting.opens) if meeting.opens else ''}"
