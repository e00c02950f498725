"""Schedules that arrive structured: one opening-hours column per day, and ORUK/OpenActive RFC 5545-style rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from assetmap.schedule.model import ICAL_CODES, ParsedSchedule, Schedule, hhmm
from assetmap.schedule.text import TIME_PATTERN, Slot, day_of, parse_schedule, parts_of, prepare_text, schedule_of, time_range, tokens_of
from assetmap.vocab import DAY_LABELS, DAYS, ICAL_DAYS

# --- Day columns and feed rules (ORUK, OpenActive) -----------------------------------------------

def from_day_columns(columns: Mapping[str, str]) -> ParsedSchedule:
    """Opening hours kept one column per day ("08:30-13:00,14:00-17:30", "CLOSED")."""
    slots = []
    for day, text in columns.items():
        for match in re.finditer(rf"(?P<t1>{TIME_PATTERN})\s*-\s*(?P<t2>{TIME_PATTERN})", prepare_text(str(text or "")), re.IGNORECASE):
            span = time_range(match.group("t1"), match.group("t2"))
            if span:
                slots.append(Slot([day], span[0], span[1], parts_of(*span)))
    if not slots:
        return ParsedSchedule([], None)
    return ParsedSchedule(tokens_of(slots), schedule_of(slots, "weekly", False))


def ical_of(day: str | None) -> str:
    """``"mon"`` → ``"MO"``, the RFC 5545 BYDAY code feeds use; "" for anything that is not a day.

    >>> ical_of("thu"), ical_of(None)
    ('TH', '')
    """
    return ICAL_CODES.get(day or "", "")


def _oruk_slots(entry: Mapping[str, Any]) -> tuple[list[Slot], str]:
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
            slots.append(Slot([day], opens, closes, parts_of(opens, closes), week))
    frequency = {"WEEKLY": "fortnightly" if interval == 2 else "weekly", "MONTHLY": "monthly", "DAILY": "daily"}.get(freq)
    if freq == "DAILY" and not slots:
        slots = [Slot(list(DAYS), opens, closes, parts_of(opens, closes))]
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
    schedule = schedule_of(slots, next((f for f in frequencies if f != "weekly"), "weekly"), False)
    return ParsedSchedule(tokens_of(slots), schedule), " ".join(t for t in texts if t) or describe(schedule)


def describe(schedule: Schedule | None) -> str:
    """A short plain-English line for a schedule that came without text: "Thursday, Friday 10:00–18:00"."""
    if not schedule or not schedule.days:
        return ""
    days = ", ".join(DAY_LABELS[d] for d in schedule.days)
    times = f" {hhmm(schedule.opens)}–{hhmm(schedule.closes)}" if schedule.opens and schedule.closes else ""
    return days + times
