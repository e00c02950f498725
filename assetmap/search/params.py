"""What a search asks for and what it gives back: the contract the web pages, the API and ingest share.

``SearchParams`` is what a person (or a link worker) chose; ``check_params`` turns values a URL may
carry in any case or spelling into the canonical ones, or raises ``SearchError`` with a sentence a
resident can read. Nothing here knows which index answers the search.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from assetmap.freshness import Freshness
from assetmap.search.errors import SearchError
from assetmap.vocab import CAPACITY_LABELS, DAYS, DELIVERY_MODES, FRESHNESS_STATES, STATUSES, TIMES_OF_DAY

if TYPE_CHECKING:  # pragma: no cover
    from assetmap.models import Activity
    from assetmap.search.near import NearPoint

STATUS_CHOICES = (*STATUSES, "all")
FRESHNESS_CHOICES = ("", *FRESHNESS_STATES)
MAX_PER_PAGE = 200
MAX_RADIUS_KM = 1000.0


@dataclasses.dataclass(frozen=True)
class SearchParams:
    text: str = ""
    near: str = ""                  # what the user typed: postcode, outward code, place name or "lat,lon"
    radius_km: float | None = None  # None = no distance cut-off (but sort by distance when near given)
    categories: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    days: tuple[str, ...] = ()      # mon..sun
    times: tuple[str, ...] = ()     # morning|afternoon|evening
    delivery: tuple[str, ...] = ()  # in_person|online|telephone
    free_only: bool = False
    accessibility: tuple[str, ...] = ()
    status: str = "active"          # active (active + paused, paused sunk) | paused | closed | all
    freshness: str = ""             # "" | fresh | ageing | stale | unknown
    capacity: tuple[str, ...] = ()  # accepting | waiting_list | referral_needed (vocab.CAPACITY_LABELS)
    page: int = 1
    per_page: int = 20


@dataclasses.dataclass(frozen=True)
class AlsoListed:
    """Another listing of a result's activity (a linked duplicate from another source)."""

    id: str
    source: str
    last_verified: dt.datetime | None


@dataclasses.dataclass
class SearchHit:
    activity: Activity
    score: float
    distance_km: float | None
    freshness: Freshness
    also_listed: list[AlsoListed] = dataclasses.field(default_factory=list)   # best first
    version: tuple[int, int] | None = None   # (epoch, row) of the record in the process's held table (``search.records``)


@dataclasses.dataclass
class SearchResults:
    """``total`` and the facet counts count a group of linked duplicates once (see ``search.groups``)."""

    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    near: NearPoint | None


def normalise_value(value: str) -> str:
    """Free-text tags (audience, accessibility) compared without case or stray spaces."""
    return " ".join(str(value).replace(",", " ").split()).lower()


def _as_list(values) -> list:
    """A single string is one value, not a sequence of letters."""
    if values is None:
        return []
    return [values] if isinstance(values, str) else list(values)


def _choice_key(value: str, what: str) -> str:
    """"Tuesday" → "tue", "In person" → "in_person": what a form or URL sends, in the stored form."""
    text = normalise_value(value)
    return text[:3] if what == "day" else text.replace(" ", "_")


def _choices(values, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(_choice_key(v, what) for v in _as_list(values) if str(v).strip()))
    unknown = [v for v in cleaned if v not in allowed]
    if unknown:
        raise SearchError(f"{unknown[0]!r} is not a {what} we know; choose from {', '.join(allowed)}")
    return cleaned


def _tags(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalise_value(v) for v in _as_list(values) if normalise_value(v)))


def _radius(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        radius = float(value)
    except (TypeError, ValueError) as exc:
        raise SearchError(f"distance {value!r} is not a number of kilometres") from exc
    if not 0 < radius <= MAX_RADIUS_KM:
        raise SearchError(f"distance must be more than 0 and at most {MAX_RADIUS_KM:g} km")
    return radius


def _page(value, default: int, upper: int, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise SearchError(f"{what} {value!r} is not a whole number") from exc
    if not 1 <= number <= upper:
        raise SearchError(f"{what} must be between 1 and {upper}")
    return number


def check_params(params: SearchParams) -> SearchParams:
    """Canonical parameters (lower-case choices, de-duplicated tags) or a SearchError saying what is wrong."""
    status = normalise_value(params.status or "active")
    if status not in STATUS_CHOICES:
        raise SearchError(f"status {params.status!r} is not one of {', '.join(STATUS_CHOICES)}")
    freshness = normalise_value(params.freshness or "")
    if freshness not in FRESHNESS_CHOICES:
        raise SearchError(f"freshness {params.freshness!r} is not one of fresh, ageing, stale, unknown")
    return dataclasses.replace(
        params,
        text=str(params.text or ""),
        near=str(params.near or "").strip(),
        radius_km=_radius(params.radius_km),
        categories=_tags(params.categories),
        audience=_tags(params.audience),
        days=_choices(params.days, DAYS, "day"),
        times=_choices(params.times, TIMES_OF_DAY, "time of day"),
        delivery=_choices(params.delivery, DELIVERY_MODES, "way of taking part"),
        capacity=_choices(params.capacity, tuple(CAPACITY_LABELS), "capacity"),
        free_only=bool(params.free_only),
        accessibility=_tags(params.accessibility),
        status=status,
        freshness=freshness,
        page=_page(params.page, 1, 10_000, "page"),
        per_page=_page(params.per_page, 20, MAX_PER_PAGE, "results per page"),
    )
