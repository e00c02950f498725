"""Unmet demand: searches that found little or nothing, by area and category, from the search log.

The log keeps no person, address or postcode: only the scrubbed query text, the filters chosen, the
most local area code of the place searched near, and how many results there were (see
``assetmap.search.query.log_if_low``). Here each logged search is placed in the area of the level
asked for (a ward's council, STP or ICB come from the ward lookup) and counted per area, category and query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.models import Area, SearchLog


def _ancestry(session: Session) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Area code → {kind: code} for itself and its parents, and code → name."""
    chains: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for kind, code, name, parents in session.execute(sa.select(Area.kind, Area.code, Area.name, Area.parent_codes).order_by(Area.vintage)):
        names[code] = name
        chain = chains.setdefault(code, {})
        chain[kind] = code
        for parent_kind, parent in (parents or {}).items():
            if parent:
                chain.setdefault(parent_kind, parent)
    return chains, names


def _categories(filters: dict | None) -> list[str]:
    value = (filters or {}).get("categories") or (filters or {}).get("category") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def unmet_demand(session: Session, within: str | None = None, level: str = "ward", since: dt.datetime | None = None,
                 now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """``{area_code, area_name, category, query, searches, results_max}`` per area, category and query, most searched first.

    ``since`` (default: 90 days before ``now``) bounds the log read; ``within`` keeps searches placed
    inside an ICB, STP or council. Searches without a place are counted under area ``None``
    unless ``within`` is given.
    """
    now = now or dt.datetime.now(dt.UTC)
    since = since or now - dt.timedelta(days=90)
    chains, names = _ancestry(session)
    query = sa.select(SearchLog.query, SearchLog.filters, SearchLog.area_code, SearchLog.result_count).where(
        SearchLog.logged_at >= since, SearchLog.logged_at <= now)
    counts: dict[tuple, list[int]] = {}
    for text, filters, area_code, results in session.execute(query):
        chain = chains.get(area_code or "", {})
        if within and within not in chain.values():
            continue
        area = chain.get(level) if area_code else None
        if area_code and area is None and level == "ward":
            area = area_code
        for category in _categories(filters) or [""]:
            key = (area, category, " ".join((text or "").lower().split()))
            entry = counts.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] = max(entry[1], int(results or 0))
    rows = [dict(area_code=area, area_name=names.get(area or "", area or "Anywhere"), category=category or None, query=text,
                 searches=n, results_max=most) for (area, category, text), (n, most) in counts.items()]
    rows.sort(key=lambda r: (-r["searches"], r["results_max"], r["area_name"] or "", r["category"] or "", r["query"]))
    return rows
