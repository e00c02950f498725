"""Opening times as people write them ("Mon & Wed 10-3", "every 2nd Sunday", "term time only")
turned into the tokens search filters on, plus the detail a page can show.

Tokens are ``"<day> <part>"`` (``mon``…``sun``; ``morning`` before 12:00, ``afternoon`` 12:00–17:00,
``evening`` after 17:00, ``any`` when no time is given); the detail dict is
``{"days", "opens", "closes", "frequency", "week_of_month", "term_time_only", "sessions"}``. The
parser never guesses a day that is not written: text it cannot read gives no tokens and frequency
``irregular``, and the original text is always kept beside the result.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any, Iterable, Mapping

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
_DAY_RE = {
    "mon": r"mon(?:day)?s?", "tue": r"tue(?:s(?:day)?)?s?", "wed": r"wed(?:nesday|s)?s?",
    "thu": r"thu(?:r(?:s(?:day)?)?)?s?", "fri": r"fri(?:day)?s?", "sat": r"sat(?:urday)?s?", "sun": r"sun(?:day)?s?",
}
DAY = r"(?:" + "|".join(f"(?:{p})" for p in _DAY_RE.values()) + r")\b"
ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1, "final": -1}
TIME = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|noon)?|noon|midday|midnight)"
TOKEN_RE = re.compile(
    rf"(?P<range>\b{DAY}\s*(?:-|to|until|till|through|thru)\s*{DAY})"
    rf"|(?P<ordinal>\b(?P<nth>1st|first|2nd|second|3rd|third|4th|fourth|last|final|other|alternate)\s+(?P<oday>{DAY}))"
    rf"|(?P<day>\b{DAY})"
    r"|(?P<weekdays>\bweekdays?\b)|(?P<weekends>\bweekends?\b)"
    r"|(?P<daily>\b(?:daily|every\s*day|7\s*days|seven\s+days|each\s+day)\b)"
    rf"|(?P<timerange>(?<![\d£.:/])(?P<t1>{TIME})\s*(?:-|to|until|till)\s*(?P<t2>{TIME})(?![\d/%]))"
    rf"|(?P<time>(?<![\d£.:/])(?:\d{{1,2}}(?:[:.]\d{{2}})?\s*(?:am|pm|noon)|\d{{1,2}}[:]\d{{2}}|noon|midday)(?![\d/%]))"
    r"|(?P<part>\b(?:mornings?|afternoons?|evenings?|nights?|lunch\s*times?|all\s+day)\b)",
    re.IGNORECASE,
)
PART_WORDS = {"morning": ("morning",), "afternoon": ("afternoon",), "evening": ("evening",), "night": ("evening",),
              "lunchtime": ("afternoon",), "allday": ("morning", "afternoon")}


@dataclasses.dataclass
class Session:
    """Days sharing one time: "Tuesdays & Fridays 12pm - 3pm"."""

    days: list[str] = dataclasses.field(default_factory=list)
    opens: float | None = None
    closes: float | None = None
    parts: list[str] = dataclasses.field(default_factory=list)
    week_of_month: int | None = None

    @property
    def has_time(self) -> bool:
        return self.opens is not None or bool(self.parts)


@dataclasses.dataclass
class Schedule:
    """What the parser made of a schedule: search tokens and the detail for ``extra["schedule"]``."""

    tokens: list[str]
    detail: dict[str, Any] | None


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


def _hhmm(hours: float | None) -> str | None:
    if hours is None:
        return None
    minutes = round(hours * 60)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


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
        return [day], ORDINALS[nth], "monthly"
    if kind == "weekdays":
        return list(DAYS[:5]), None, None
    if kind == "weekends":
        return ["sat", "sun"], None, None
    if kind == "daily":
        return list(DAYS), None, "daily"
    return [day_of(text)], None, None


def _sessions(text: str) -> tuple[list[Session], set[str]]:
    """Walk the text in order: days collect into a session until a time closes it."""
    sessions: list[Session] = [Session()]
    implied: set[str] = set()
    for match in TOKEN_RE.finditer(text):
        current = sessions[-1]
        if match.group("timerange") or match.group("time") or match.group("part"):
            _add_time(sessions, match)
            continue
        days, week, frequency = _days_of_match(match)
        if current.has_time and current.days:
            current = Session()
            sessions.append(current)
        current.days.extend(d for d in days if d not in current.days)
        current.week_of_month = current.week_of_month or week
        if frequency:
            implied.add(frequency)
    return [s for s in sessions if s.days or s.has_time], implied


def _add_time(sessions: list[Session], match: re.Match) -> None:
    """Attach a time to the session being built; a second time for the same days starts a twin session."""
    current = sessions[-1]
    if match.group("part"):
        word = re.sub(r"s$|\s+", "", match.group("part").lower())
        if not current.has_time or current.opens is None:
            current.parts.extend(p for p in PART_WORDS[word] if p not in current.parts)
        return
    if match.group("timerange"):
        span = time_range(match.group("t1"), match.group("t2"))
        if span is None:
            return
    else:
        hours, suffix = _clock(match.group("time"))
        span = (_to_24h(hours, suffix) if suffix else hours, None)
    if current.opens is not None:
        current = Session(days=list(current.days), week_of_month=current.week_of_month)
        sessions.append(current)
    current.opens, current.closes = span
    current.parts = parts_of(*span)


def _frequency(text: str, sessions: list[Session], implied: set[str]) -> str:
    lower = text.lower()
    if re.search(r"fortnight|every\s+(?:other|two|2)\s+weeks?|alternate", lower) or "fortnightly" in implied:
        return "fortnightly"
    if "daily" in implied or re.search(r"\bdaily\b", lower):
        return "daily"
    dated = [s for s in sessions if s.days]
    if dated and all(s.week_of_month for s in dated) or not dated and re.search(r"\bmonth(?:ly)?\b", lower):
        return "monthly"
    if any(not s.week_of_month for s in dated):
        return "monthly" if re.search(r"\bmonthly\b", lower) else "weekly"
    return "irregular"


def tokens_of(sessions: Iterable[Session]) -> list[str]:
    """``["mon morning", …]`` in day order, ``any`` for a day with no time given."""
    found = set()
    for session in sessions:
        for day in session.days:
            found.update(f"{day} {part}" for part in (session.parts or ["any"]))
    order = {f"{d} {p}": i for i, (d, p) in enumerate((d, p) for d in DAYS for p in (*PARTS, "any"))}
    return sorted(found, key=order.__getitem__)


def _detail(sessions: list[Session], frequency: str, term_time: bool) -> dict[str, Any]:
    days = [d for d in DAYS if any(d in s.days for s in sessions)]
    timed = next((s for s in sessions if s.opens is not None), None)
    return {
        "days": days,
        "opens": _hhmm(timed.opens) if timed else None,
        "closes": _hhmm(timed.closes) if timed else None,
        "frequency": frequency,
        "week_of_month": next((s.week_of_month for s in sessions if s.week_of_month), None) if frequency == "monthly" else None,
        "term_time_only": term_time,
        "sessions": [
            {"days": s.days, "opens": _hhmm(s.opens), "closes": _hhmm(s.closes), "week_of_month": s.week_of_month}
            for s in sessions if s.days
        ],
    }


def _prepare(text: str) -> str:
    """Dashes and typos people use between times ("10am – 12 noon", "2=3pm") made plain."""
    text = re.sub(r"[\u2012-\u2015\u2212]", "-", text).replace("\xa0", " ")
    text = re.sub(r"(\d)\s*=\s*(\d)", r"\1-\2", text)
    return re.sub(r"\b12\s+noon\b", "12noon", text, flags=re.IGNORECASE)


def parse_schedule(text: str | None) -> Schedule:
    """Tokens and detail from free text; empty text gives no tokens and no detail.

    >>> parse_schedule("Mon & Wed 10-3").tokens
    ['mon morning', 'mon afternoon', 'wed morning', 'wed afternoon']
    >>> parse_schedule("first Friday of the month, 2-4pm").detail["week_of_month"]
    1
    """
    return _copy(_parse_cached(str(text or "")))


def _copy(parsed: Schedule) -> Schedule:
    """A cached result handed out as fresh lists and dicts, so no record shares another's."""
    if parsed.detail is None:
        return Schedule(list(parsed.tokens), None)
    detail = dict(parsed.detail, days=list(parsed.detail["days"]),
                  sessions=[dict(s, days=list(s["days"])) for s in parsed.detail["sessions"]])
    return Schedule(list(parsed.tokens), detail)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Schedule:
    """Sheets repeat the same few schedules down thousands of rows."""
    text = _prepare(text).strip()
    if not text:
        return Schedule([], None)
    sessions, implied = _sessions(text)
    term_time = bool(re.search(r"term[\s-]*time", text, re.IGNORECASE))
    return Schedule(tokens_of(sessions), _detail(sessions, _frequency(text, sessions, implied), term_time))


def from_day_columns(columns: Mapping[str, str]) -> Schedule:
    """Opening hours kept one column per day ("08:30-13:00,14:00-17:30", "CLOSED")."""
    sessions = []
    for day, text in columns.items():
        for match in re.finditer(rf"(?P<t1>{TIME})\s*-\s*(?P<t2>{TIME})", _prepare(str(text or "")), re.IGNORECASE):
            span = time_range(match.group("t1"), match.group("t2"))
            if span:
                sessions.append(Session([day], span[0], span[1], parts_of(*span)))
    if not sessions:
        return Schedule([], None)
    return Schedule(tokens_of(sessions), _detail(sessions, "weekly", False))


ICAL_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def _oruk_session(entry: Mapping[str, Any]) -> tuple[list[Session], str]:
    """One ORUK schedule (RFC 5545 style: freq, interval, byday "1FR,TH", opens_at/closes_at)."""
    opens = _hours_of(entry.get("opens_at") or entry.get("startTime"))
    closes = _hours_of(entry.get("closes_at") or entry.get("endTime"))
    freq = str(entry.get("freq") or "").upper()
    interval = int(entry.get("interval") or 1) if str(entry.get("interval") or "1").isdigit() else 1
    sessions = []
    for part in re.split(r"[,\s]+", str(entry.get("byday") or entry.get("weekday") or "").upper()):
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)[A-Z]*", part)
        day = ICAL_DAYS[match.group(2)] if match else day_of(part)
        if day:
            week = int(match.group(1)) if match and match.group(1) else None
            sessions.append(Session([day], opens, closes, parts_of(opens, closes), week))
    frequency = {"WEEKLY": "fortnightly" if interval == 2 else "weekly", "MONTHLY": "monthly", "DAILY": "daily"}.get(freq)
    if freq == "DAILY" and not sessions:
        sessions = [Session(list(DAYS), opens, closes, parts_of(opens, closes))]
    if any(s.week_of_month for s in sessions):
        frequency = "monthly"
    return sessions, frequency or ("weekly" if sessions else "irregular")


def _hours_of(value: Any) -> float | None:
    match = re.match(r"\s*(\d{1,2}):(\d{2})", str(value or ""))
    return int(match.group(1)) + int(match.group(2)) / 60 if match else None


def from_oruk(entries: Iterable[Mapping[str, Any]]) -> tuple[Schedule, str]:
    """Tokens and detail from ORUK schedules, and the text to keep (their descriptions, or a summary)."""
    sessions, frequencies, texts = [], [], []
    for entry in entries:
        found, frequency = _oruk_session(entry)
        sessions.extend(found)
        frequencies.append(frequency)
        texts.append(str(entry.get("description") or "").strip())
    if not sessions and not any(texts):
        return Schedule([], None), ""
    if not sessions:
        parsed = parse_schedule(" ".join(texts))
        return parsed, " ".join(t for t in texts if t)
    detail = _detail(sessions, next((f for f in frequencies if f != "weekly"), "weekly"), False)
    text = " ".join(t for t in texts if t) or describe(detail)
    return Schedule(tokens_of(sessions), detail), text


DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def describe(detail: Mapping[str, Any] | None) -> str:
    """A short plain-English line for a schedule that came without text: "Thursday, Friday 10:00–18:00"."""
    if not detail or not detail.get("days"):
        return ""
    days = ", ".join(DAY_NAMES[d] for d in detail["days"])
    times = f" {detail['opens']}–{detail['closes']}" if detail.get("opens") and detail.get("closes") else ""
    return days + times
