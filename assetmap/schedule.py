"""When an activity meets: the one home for schedules, from the text people write to "Next: Tuesday".

Schedules arrive three ways: free text ("Mon & Wed 10-3", "every 2nd Sunday", "term time only"),
RFC 5545-style rules in ORUK and OpenActive feeds, and sheets with one opening-hours column per day.
Each becomes a ``ParsedSchedule``: the search tokens ``"<day> <part>"`` kept in ``Activity.schedule``
(``morning`` before 12:00, ``afternoon`` 12:00–17:00, ``evening`` after 17:00, ``any`` when no time is
given) and a typed ``Schedule`` kept as JSON in ``Activity.extra["schedule"]``. The tokens are kept
beside the Schedule rather than worked out from it, because text such as "Thursday evenings" names a
part of the day but no time to store.

The parser never guesses a day that is not written: text it cannot read gives no tokens and
frequency ``irregular``, and the original text is always kept beside the result. Only rules that pin
a date (weekly, daily, the nth weekday of a month) give a next session; fortnightly and irregular
schedules have no anchor date, so no next session is claimed for them.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assetmap.vocab import DAY_INDEX, DAY_LABELS, DAYS, FREQUENCIES, ICAL_DAYS, TIMES_OF_DAY

ANY_TIME = "any"   # the part of a token whose time was not given: it matches every time of day
ICAL_CODES = {day: code for code, day in ICAL_DAYS.items()}


# --- The typed schedule --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Session:
    """Days sharing one time: "Tuesdays & Fridays 12pm - 3pm", or "1st Saturday 10am - 12noon"."""

    days: tuple[str, ...] = ()
    opens: dt.time | None = None
    closes: dt.time | None = None
    week_of_month: int | None = None   # 1–5, or -1 for the last; None when it meets every week

    def to_json(self) -> dict[str, Any]:
        return {"days": list(self.days), "opens": _hhmm(self.opens), "closes": _hhmm(self.closes),
                "week_of_month": self.week_of_month}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Session:
        return cls(_days_of(data.get("days")), _time_of(data.get("opens")), _time_of(data.get("closes")),
                   _int_of(data.get("week_of_month")))


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A schedule as pages and the calendar read it; ``to_json`` is what the database keeps.

    ``days``, ``opens`` and ``closes`` summarise the sessions (every day met on; the first session's
    time), so a page can say "Monday, Wednesday 10:00–15:00" without walking them. ``week_of_month``
    is set only for a monthly schedule, from its first session that names a week ("2nd and 4th
    Tuesday" written as text keeps the last ordinal read; ORUK's ``2TU,4TU`` gives one session each).
    ``dates`` (one-off meetings) and ``exceptions`` (dates a rule skips) have room here for feeds that
    carry them; no reader fills them yet and ``next_session`` does not read them, and ``to_json``
    leaves them out while empty so stored records keep their shape.
    """

    days: tuple[str, ...] = ()
    opens: dt.time | None = None
    closes: dt.time | None = None
    frequency: str = "irregular"          # one of vocab.FREQUENCIES
    week_of_month: int | None = None
    term_time_only: bool = False
    sessions: tuple[Session, ...] = ()
    dates: tuple[dt.date, ...] = ()
    exceptions: tuple[dt.date, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The dict kept in ``Activity.extra["schedule"]``: fresh lists, so no two records share one."""
        data = {"days": list(self.days), "opens": _hhmm(self.opens), "closes": _hhmm(self.closes),
                "frequency": self.frequency, "week_of_month": self.week_of_month,
                "term_time_only": self.term_time_only, "sessions": [s.to_json() for s in self.sessions]}
        for key in ("dates", "exceptions"):
            if getattr(self, key):
                data[key] = [d.isoformat() for d in getattr(self, key)]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Schedule:
        """A stored schedule back; keys an older or partial record lacks take their defaults.

        >>> Schedule.from_json({"days": ["tue"], "opens": "10:00", "frequency": "weekly"}).opens
        datetime.time(10, 0)
        """
        frequency = data.get("frequency")
        return cls(
            days=_days_of(data.get("days")), opens=_time_of(data.get("opens")), closes=_time_of(data.get("closes")),
            frequency=frequency if frequency in FREQUENCIES else "irregular", week_of_month=_int_of(data.get("week_of_month")),
            term_time_only=bool(data.get("term_time_only")),
            sessions=tuple(Session.from_json(s) for s in data.get("sessions") or () if isinstance(s, Mapping)),
            dates=_dates_of(data.get("dates")), exceptions=_dates_of(data.get("exceptions")),
        )

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


def _int_of(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
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
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1, "final": -1}
_TIME = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|noon)?|noon|midday|midnight)"
_TOKEN_RE = re.compile(
    rf"(?P<range>\b{_DAY}\s*(?:-|to|until|till|through|thru)\s*{_DAY})"
    rf"|(?P<ordinal>\b(?P<nth>1st|first|2nd|second|3rd|third|4th|fourth|last|final|other|alternate)\s+(?P<oday>{_DAY}))"
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
    week_of_month: int | None = None

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


def _days_of_match(match: re.Match) -> tuple[list[str], int | None, str | None]:
    """Days named by one match, the week of the month (1st, last…) and a frequency it implies."""
    kind = match.lastgroup
    text = match.group(0).lower()
    if match.group("range"):
        first, last = re.split(r"\s*(?:-|to|until|till|through|thru)\s*", text, maxsplit=1)
        return day_span(day_of(first), day_of(last)), None, None
    if match.group("ordinal"):
        nth = match.group("nth").lower()
        day = day_of(match.group("oday"))
        if nth in ("other", "alternate"):
            return [day], None, "fortnightly"
        return [day], _ORDINALS[nth], "monthly"
    if kind == "weekdays":
        return list(DAYS[:5]), None, None
    if kind == "weekends":
        return ["sat", "sun"], None, None
    if kind == "daily":
        return list(DAYS), None, "daily"
    return [day_of(text)], None, None


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


def _frequency(text: str, slots: list[_Slot], implied: set[str]) -> str:
    lower = text.lower()
    if re.search(r"fortnight|every\s+(?:other|two|2)\s+weeks?|alternate", lower) or "fortnightly" in implied:
        return "fortnightly"
    if "daily" in implied or re.search(r"\bdaily\b", lower):
        return "daily"
    dated = [s for s in slots if s.days]
    if dated and all(s.week_of_month for s in dated) or not dated and re.search(r"\bmonth(?:ly)?\b", lower):
        return "monthly"
    if any(not s.week_of_month for s in dated):
        return "monthly" if re.search(r"\bmonthly\b", lower) else "weekly"
    return "irregular"


def _tokens_of(slots: Iterable[_Slot]) -> list[str]:
    """``["mon morning", …]`` in day order, ``any`` for a day with no time given."""
    found = set()
    for slot in slots:
        for day in slot.days:
            found.update(f"{day} {part}" for part in (slot.parts or [ANY_TIME]))
    return sorted(found, key=_TOKEN_ORDER.__getitem__)


def _clock_time(hours: float | None) -> dt.time | None:
    """Hours as read (13.5) → 13:30; a session running to midnight (24.0) closes at 00:00."""
    if hours is None:
        return None
    minutes = round(hours * 60)
    return dt.time(minutes // 60 % 24, minutes % 60)


def _schedule_of(slots: list[_Slot], frequency: str, term_time: bool) -> Schedule:
    timed = next((s for s in slots if s.opens is not None), None)
    first_week = next((s.week_of_month for s in slots if s.week_of_month), None)
    return Schedule(
        days=tuple(d for d in DAYS if any(d in s.days for s in slots)),
        opens=_clock_time(timed.opens) if timed else None,
        closes=_clock_time(timed.closes) if timed else None,
        frequency=frequency,
        week_of_month=first_week if frequency == "monthly" else None,
        term_time_only=term_time,
        sessions=tuple(Session(tuple(s.days), _clock_time(s.opens), _clock_time(s.closes), s.week_of_month)
                       for s in slots if s.days),
    )


def _prepare(text: str) -> str:
    """Dashes and typos people use between times ("10am – 12 noon", "2=3pm") made plain."""
    text = re.sub(r"[\u2012-\u2015\u2212]", "-", text).replace("\xa0", " ")
    text = re.sub(r"(\d)\s*=\s*(\d)", r"\1-\2", text)
    return re.sub(r"\b12\s+noon\b", "12noon", text, flags=re.IGNORECASE)


def parse_schedule(text: str | None) -> ParsedSchedule:
    """Tokens and Schedule from free text; empty text gives no tokens and no Schedule.

    >>> parse_schedule("Mon & Wed 10-3").tokens
    ['mon morning', 'mon afternoon', 'wed morning', 'wed afternoon']
    >>> parse_schedule("first Friday of the month, 2-4pm").schedule.week_of_month
    1
    """
    tokens, schedule = _parse_cached(str(text or ""))
    return ParsedSchedule(list(tokens), schedule)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[tuple[str, ...], Schedule | None]:
    """Sheets repeat the same few schedules down thousands of rows (a Schedule is immutable, so safe to share)."""
    text = _prepare(text).strip()
    if not text:
        return (), None
    slots, implied = _slots(text)
    term_time = bool(re.search(r"term[\s-]*time", text, re.IGNORECASE))
    return tuple(_tokens_of(slots)), _schedule_of(slots, _frequency(text, slots, implied), term_time)


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
            week = int(match.group(1)) if match and match.group(1) else None
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


def next_session(schedule: Schedule | Mapping[str, Any] | None, today: dt.date) -> dt.date | None:
    """The next date on or after ``today`` when the activity meets, or None when the rule cannot say.

    >>> next_session(Schedule(days=("tue",), frequency="weekly"), dt.date(2026, 6, 15))
    datetime.date(2026, 6, 16)
    >>> next_session({"days": ["sat"], "frequency": "monthly", "week_of_month": 1}, dt.date(2026, 6, 15))
    datetime.date(2026, 7, 4)
    """
    schedule = _as_schedule(schedule)
    if not schedule or not schedule.days:
        return None
    weekdays = sorted(DAY_INDEX[d] for d in schedule.days if d in DAY_INDEX)
    if schedule.frequency in ("weekly", "daily"):
        return min(today + dt.timedelta(days=(w - today.weekday()) % 7) for w in weekdays)
    if schedule.frequency == "monthly" and schedule.week_of_month:
        return _monthly(today, weekdays, schedule.week_of_month)
    return None


def describe_next(schedule: Schedule | Mapping[str, Any] | None, today: dt.date) -> str | None:
    """"Next: Tuesday 16 June, 14:00" for a page, or None when no date can be claimed."""
    schedule = _as_schedule(schedule)
    day = next_session(schedule, today)
    if day is None:
        return None
    when = "Today" if day == today else day.strftime("%A %-d %B")
    opens = _hhmm(schedule.opens)
    term = " (term time only)" if schedule.term_time_only else ""
    return f"Next: {when}{', ' + opens if opens else ''}{term}"
