"""Short links for a shortlist: ``/s/<code>``, the code being the shortest unique start of each activity's id.

Nothing is stored: the code *is* the list. ``3f9a.b71c0.09e1`` names the three activities whose ids
start with ``3f9a``, ``b71c0`` and ``09e1``; each start is as short as it can be while matching one
activity only (at least ``MIN_PREFIX`` characters), so a list of four or five fits a text message
link of under 60 characters. Records added later may make a start match two activities: resolving
then says so for that part instead of guessing, and the rest of the list still opens.
"""

from __future__ import annotations

import dataclasses
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.models import Activity

MIN_PREFIX = 4
SEPARATOR = "."
CODE_PART = re.compile(r"^[0-9A-Za-z-]+$")


def shortest_unique(activity_id: str, neighbours: list[str], minimum: int = MIN_PREFIX) -> str | None:
    """The shortest start of ``activity_id`` that no other id in ``neighbours`` shares; None when it has no usable one.

    ``neighbours`` are the ids sharing its first ``minimum`` characters (the id itself may be among them).

    >>> shortest_unique("3f9a2b", ["3f9a2b", "3f9a77"])
    '3f9a2'
    >>> shortest_unique("3f9a2b", ["3f9a2b"])
    '3f9a'
    >>> shortest_unique("ab.cd", [])
    """
    others = [other for other in neighbours if other != activity_id]
    for length in range(minimum, len(activity_id) + 1):
        start = activity_id[:length]
        if not CODE_PART.match(start):
            return None   # a longer start holds the same character
        if not start.endswith("-") and not any(other.startswith(start) for other in others):
            return start
    return None


def _ids_starting(session: Session, start: str, limit: int | None = None) -> list[str]:
    """Ids beginning with ``start``: compared with substr, so no LIKE wildcard in an id can widen the match."""
    query = sa.select(Activity.id).where(sa.func.substr(Activity.id, 1, len(start)) == start).order_by(Activity.id)
    return list(session.scalars(query.limit(limit) if limit else query))


def encode(session: Session, activity_ids: list[str]) -> str | None:
    """The code for these activities, in this order; None when one of them has no usable short start (then share the full link)."""
    starts = []
    for activity_id in activity_ids:
        start = shortest_unique(activity_id, _ids_starting(session, activity_id[:MIN_PREFIX]))
        if start is None:
            return None
        starts.append(start)
    return SEPARATOR.join(starts) or None


@dataclasses.dataclass(frozen=True)
class Resolved:
    """What a code names: the ids found, and a plain sentence for each part that named none or several."""

    ids: list[str]
    problems: list[str]


def resolve(session: Session, code: str) -> Resolved:
    """The activities a code names, in order; unknown and ambiguous parts are reported, never guessed."""
    ids, problems = [], []
    parts = [part for part in code.split(SEPARATOR) if part]
    for part in parts:
        if len(part) < MIN_PREFIX or not CODE_PART.match(part):
            problems.append(f"Part of this link (“{part[:40]}”) is not a code we make. Check it was copied in full.")
            continue
        found = _ids_starting(session, part, limit=2)
        if not found:
            problems.append(f"One activity in this link (code “{part}”) is no longer in the directory.")
        elif len(found) > 1:
            problems.append(f"One activity in this link (code “{part}”) now matches more than one record, so it is left out. "
                            "Ask whoever sent the link for the full list.")
        elif found[0] not in ids:
            ids.append(found[0])
    return Resolved(ids, problems)


def short_link(base_url: str, path: str) -> str:
    """``base_url`` + path when the site's address is set (``ASSETMAP_BASE_URL``), else the path alone; never the request's Host."""
    return (base_url or "").rstrip("/") + path
