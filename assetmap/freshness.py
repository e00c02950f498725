"""How fresh a record is: the one rule every list, popup, page, print sheet and review queue shows.

Freshness is measured from ``last_verified``: the newest sign that the record is right, never from
when it was last ingested or edited (re-importing an old spreadsheet does not make it true). A sign
is a person's check (an editor phoned, the organiser confirmed, someone saw it running) or a
source's assertion (a sheet's "Date checked" or "Last updated" column, an ORUK ``assured_date`` or
``last_modified``, a live feed still listing it); both count, and each is labelled as what it is
(``check_label``). The thresholds come from the settings, and a source may have its own stale limit
(``ASSETMAP_SOURCE_STALE_DAYS``) with its ageing limit moved in proportion.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from assetmap.db import as_utc
from assetmap.errors import AssetmapError

# How a record was found to be right: a person's check or a source's assertion.
PERSON_METHODS = ("phoned", "organiser_confirmed", "seen_running")
SOURCE_METHODS = ("source_updated", "source_assured", "still_listed")
EDITOR_METHODS = ("editor_added",)   # a record an editor typed in: right as of that day (not offered as a check)
METHODS = PERSON_METHODS + SOURCE_METHODS + EDITOR_METHODS
METHOD_LABELS = {
    "phoned": "Phoned the organiser", "organiser_confirmed": "The organiser confirmed it (email, visit, letter)",
    "seen_running": "Saw it running", "source_updated": "The source updated it", "source_assured": "The source says it was checked",
    "still_listed": "A live feed still lists it", "editor_added": "Added by an editor",
}
# What ingest wrote before methods had codes (kept in older databases): read as the nearest method.
LEGACY_METHODS = {"assured_date in feed": "source_assured", "last_modified in feed": "source_updated"}


@dataclasses.dataclass(frozen=True)
class Freshness:
    state: str
    days: int | None


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Days after the last check when a record is ageing ("check before going") and stale (queued for review)."""

    ageing_after_days: int
    stale_after_days: int


def parse_source_limits(text: str) -> dict[str, int]:
    """``"council-feed=90, other=120"`` → ``{"council-feed": 90, "other": 120}``; a bad entry is an error naming it.

    >>> parse_source_limits("council-feed=90,other=120")
    {'council-feed': 90, 'other': 120}
    """
    limits = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _, days = entry.rpartition("=")
        if not name.strip() or not days.strip().isdigit() or int(days) < 1:
            raise FreshnessError(f"ASSETMAP_SOURCE_STALE_DAYS: {entry!r} is not SOURCE=DAYS (for example council-feed=90)")
        limits[name.strip()] = int(days)
    return limits


def thresholds_for(source: str | None, ageing_after_days: int, stale_after_days: int, source_limits: str = "") -> Thresholds:
    """The source's own stale limit when it has one, with its ageing limit in the same proportion as the defaults.

    >>> thresholds_for("council-feed", 180, 365, "council-feed=90")
    Thresholds(ageing_after_days=44, stale_after_days=90)
    """
    stale = parse_source_limits(source_limits).get(source or "")
    if stale is None:
        return Thresholds(ageing_after_days, stale_after_days)
    return Thresholds(min(ageing_after_days, stale * ageing_after_days // max(stale_after_days, 1)), stale)


def method_of(verified_how: str | None) -> str:
    """The method code of a stored ``verified_how`` (older databases hold free text); "" when not known."""
    how = (verified_how or "").strip()
    if how in METHODS:
        return how
    if how in LEGACY_METHODS:
        return LEGACY_METHODS[how]
    return "source_assured" if how.endswith(" column") else ""


def is_person_method(method: str) -> bool:
    return method in PERSON_METHODS


def freshness_of(last_verified: dt.datetime | None, now: dt.datetime, ageing_after_days: int, stale_after_days: int) -> Freshness:
    """``fresh`` → ``ageing`` → ``stale`` with age; ``unknown`` when nobody ever checked.

    >>> now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    >>> freshness_of(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), now, 180, 365).state
    'stale'
    """
    if last_verified is None:
        return Freshness("unknown", None)
    days = max(0, (as_utc(now) - as_utc(last_verified)).days)
    if days >= stale_after_days:
        return Freshness("stale", days)
    if days >= ageing_after_days:
        return Freshness("ageing", days)
    return Freshness("fresh", days)


class FreshnessError(AssetmapError):
    """A freshness setting that cannot be read."""


def day_text(when: dt.date | dt.datetime) -> str:
    """"3 Oct 2026".

    >>> day_text(dt.date(2026, 10, 3))
    '3 Oct 2026'
    """
    return f"{when.day} {when:%b %Y}"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def check_label(method: str, when: dt.date | dt.datetime, who: str = "", source: str = "", listed_since: bool = False) -> str:
    """What one sign of freshness was, in plain English, naming its kind honestly.

    ``who`` is who checked as the public may read it ("the organiser", "an editor", a sheet's
    "Checked by"); ``listed_since`` says a live feed has listed the record again since the date.

    >>> check_label("source_updated", dt.date(2026, 10, 3), source="Trafford CVS")
    "Updated in Trafford CVS's list on 3 Oct 2026"
    >>> check_label("source_assured", dt.date(2024, 5, 2), source="the council", listed_since=True)
    "Still listed in the council's feed, last assured 2 May 2024"
    """
    day, src = day_text(when), possessive(source or "the source")
    by = f" by {who}" if who else ""
    if method == "phoned":
        return f"Checked by phone{by} on {day}"
    if method == "organiser_confirmed":
        return f"Checked by the organiser on {day}"
    if method == "seen_running":
        return f"Seen running{by} on {day}"
    if method == "editor_added":
        return f"Added by an editor on {day}"
    if method == "source_updated":
        return f"Updated in {src} list on {day}"
    if method == "still_listed":
        return f"Still listed in {src} feed on {day}"
    if method == "source_assured" and listed_since:
        return f"Still listed in {src} feed, last assured {day}"
    if method == "source_assured":
        return f"Checked{by} on {day}, says {src} list"
    return f"Checked{by} on {day}"


def describe_age(days: int | None) -> str:
    """Plain English: "today", "3 weeks ago", "2 months ago", "14 months ago".

    >>> describe_age(45)
    '1 month ago'
    """
    if days is None:
        return "never"
    if days < 1:
        return "today"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 60 and days // 30 < 1:
        return f"{days // 7} weeks ago"
    months = days // 30
    return f"{months} month{'s' if months != 1 else ''} ago"
