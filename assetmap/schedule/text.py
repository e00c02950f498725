"""Reading the times people write: days, times, "2nd and 4th", fortnights, term time and dates, into a ParsedSchedule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

from assetmap.schedule.model import ANY_TIME, TOKEN_ORDER, UNTIL, ParsedSchedule, Schedule, Session
from assetmap.vocab import DAY_INDEX, DAYS

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
TIME_PATTERN = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|noon)?|noon|midday|midnight)"
_TOKEN_RE = re.compile(
    rf"(?P<range>\b{_DAY}\s*(?:-|to|until|till|through|thru)\s*{_DAY})"
    rf"|(?P<ordinal>\b(?P<nth>{_ORDINAL}(?:\s*(?:,|&|\+|/|and)\s*{_ORDINAL})*|other|alternate)\s+(?P<oday>{_DAY}))"
    rf"|(?P<day>\b{_DAY})"
    r"|(?P<weekdays>\bweekdays?\b)|(?P<weekends>\bweekends?\b)"
    r"|(?P<daily>\b(?:daily|every\s*day|7\s*days|seven\s+days|each\s+day)\b)"
    rf"|(?P<timerange>(?<![\d£.:/])(?P<t1>{TIME_PATTERN})\s*(?:-|to|until|till)\s*(?P<t2>{TIME_PATTERN})(?![\d/%]))"
    rf"|(?P<time>(?<![\d£.:/])(?:\d{{1,2}}(?:[:.]\d{{2}})?\s*(?:am|pm|noon)|\d{{1,2}}[:]\d{{2}}|noon|midday)(?![\d/%]))"
    r"|(?P<part>\b(?:mornings?|afternoons?|evenings?|nights?|lunch\s*times?|all\s+day)\b)",
    re.IGNORECASE,
)
_PART_WORDS = {"morning": ("morning",), "afternoon": ("afternoon",), "evening": ("evening",), "night": ("evening",),
               "lunchtime": ("afternoon",), "allday": ("morning", "afternoon")}


@dataclasses.dataclass
class Slot:
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


def _slots(text: str) -> tuple[list[Slot], set[str]]:
    """Walk the text in order: days collect into a session until a time closes it."""
    slots: list[Slot] = [Slot()]
    implied: set[str] = set()
    for match in _TOKEN_RE.finditer(text):
        current = slots[-1]
        if match.group("timerange") or match.group("time") or match.group("part"):
            _add_time(slots, match)
            continue
        days, week, frequency = _days_of_match(match)
        if current.has_time and current.days:
            current = Slot()
            slots.append(current)
        current.days.extend(d for d in days if d not in current.days)
        current.week_of_month = current.week_of_month or week
        if frequency:
            implied.add(frequency)
    return [s for s in slots if s.days or s.has_time], implied


def _add_time(slots: list[Slot], match: re.Match) -> None:
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
        current = Slot(days=list(current.days), week_of_month=current.week_of_month)
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


def _frequency(text: str, slots: list[Slot], implied: set[str]) -> str:
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


def _with_dates(slots: list[Slot], frequency: str, dates: _Dates, rest: str) -> tuple[list[Slot], str, dict[str, Any]]:
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
    slots = slots or [Slot()]
    for slot in slots:
        slot.days = list(dict.fromkeys(weekdays))
        slot.week_of_month = ()
    return slots, "once", extra


def tokens_of(slots: Iterable[Slot], last_date: dt.date | None = None) -> list[str]:
    """``["mon morning", …]`` in day order, ``any`` for a day with no time given, then ``until <date>`` if it stops."""
    found = set()
    for slot in slots:
        for day in slot.days:
            found.update(f"{day} {part}" for part in (slot.parts or [ANY_TIME]))
    return sorted(found, key=TOKEN_ORDER.__getitem__) + ([f"{UNTIL} {last_date.isoformat()}"] if last_date else [])


def _clock_time(hours: float | None) -> dt.time | None:
    """Hours as read (13.5) → 13:30; a session running to midnight (24.0) closes at 00:00."""
    if hours is None:
        return None
    minutes = round(hours * 60)
    return dt.time(minutes // 60 % 24, minutes % 60)


def schedule_of(slots: list[Slot], frequency: str, term_time: bool, **extra: Any) -> Schedule:
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


def prepare_text(text: str) -> str:
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
    text = prepare_text(text).strip()
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
    schedule = schedule_of(slots, frequency, "term" in lower and bool(_TERM_TIME_RE.search(text)),
                            skips_bank_holidays="bank" in lower and bool(_BANK_HOLIDAYS_RE.search(text)), **extra)
    return tuple(tokens_of(slots, schedule.last_date)), schedule
