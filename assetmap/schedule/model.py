"""The typed schedule (what a record's ``extra["schedule"]`` holds) and the search tokens made beside it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assetmap.vocab import DAYS, FREQUENCIES, ICAL_DAYS, TIMES_OF_DAY

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
        return {"days": list(self.days), "opens": hhmm(self.opens), "closes": hhmm(self.closes),
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
        data = {"days": list(self.days), "opens": hhmm(self.opens), "closes": hhmm(self.closes),
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
            starts=date_of(data.get("starts")), ends=date_of(data.get("ends")), anchor=date_of(data.get("anchor")),
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


def hhmm(value: dt.time | None) -> str | None:
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


def date_of(value: Any) -> dt.date | None:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _days_of(value: Any) -> tuple[str, ...]:
    return tuple(str(d) for d in value or ())


def _dates_of(value: Any) -> tuple[dt.date, ...]:
    return tuple(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in value or ())


def as_schedule(schedule: Schedule | Mapping[str, Any] | None) -> Schedule | None:
    """Callers may pass the stored dict (``extra["schedule"]``) as it is."""
    if schedule is None or isinstance(schedule, Schedule):
        return schedule
    return Schedule.from_json(schedule)


# --- Search tokens ("tue morning") ---------------------------------------------------------------

TOKEN_ORDER = {f"{d} {p}": i for i, (d, p) in enumerate((d, p) for d in DAYS for p in (*TIMES_OF_DAY, ANY_TIME))}


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
