"""How fresh a record is: the one rule every list, popup, page and print sheet shows.

Freshness is measured from ``last_verified`` (someone confirmed the record is right), never from
when it was last ingested or edited: re-importing an old spreadsheet does not make it true.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from assetmap.db import as_utc


@dataclasses.dataclass(frozen=True)
class Freshness:
    state: str
    days: int | None


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
