"""What the feed publishes, filtered and paged in SQL, with each page's children loaded in bulk.

Published is what the public pages show: active and paused records, without the events that have
ended (their ``until`` schedule token is past, as search reads it) and with one record per group of
linked duplicates — the most recently checked, then the first by id (search also weighs
completeness; the feed keeps a rule a consumer can check). Closed records are never published.

Paging is ``ORDER BY id LIMIT/OFFSET`` (ids are UUIDs, so the order is stable across requests); a
``postcode`` with ``proximity`` sorts by distance instead. Distances use an equirectangular
approximation in plain arithmetic, the same on SQLite and PostgreSQL and within 0.1 % at the
distances a proximity search asks for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer

from assetmap.models import Activity, Area, DuplicateGroup, Organisation, Verification
from assetmap.openreferral.build import TERM_SLUGS, Context, has_place
from assetmap.openreferral.ids import TAXONOMY_ID
from assetmap.schedule import is_past_token
from assetmap.schedule.model import clean_tokens

PUBLISHED_STATUSES = ("active", "paused")
METRES_PER_DEGREE = 111_195.0
BATCH = 500   # records per query when a whole feed is streamed


@dataclasses.dataclass(frozen=True)
class Near:
    """A postcode's point and area codes; ``metres`` set for a proximity search."""

    lat: float
    lon: float
    codes: tuple[str, ...]
    metres: float | None = None


@dataclasses.dataclass(frozen=True)
class Filters:
    """The ORUK query arguments that narrow a list (all optional)."""

    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    modified_after: dt.datetime | None = None
    near: Near | None = None
    placed_only: bool = False      # service_at_locations: only records with a place


def hidden_ids(session: Session, today: dt.date) -> set[str]:
    """Published-status records the public pages do not list: ended events and the other listings of a duplicate group."""
    ended_rows = session.execute(sa.select(Activity.id, Activity.schedule).where(
        Activity.status.in_(PUBLISHED_STATUSES), sa.cast(Activity.schedule, sa.Text).like('%"until %')))
    hidden = {row.id for row in ended_rows if any(is_past_token(t, today) for t in clean_tokens(row.schedule))}
    members = session.execute(
        sa.select(DuplicateGroup.group_id, Activity.id, Activity.last_verified).join(Activity, Activity.id == DuplicateGroup.activity_id)
        .where(Activity.status.in_(PUBLISHED_STATUSES)))
    best: dict[str, tuple] = {}
    for group, activity_id, verified in members:
        if activity_id in hidden:
            continue
        key = (-(_as_utc(verified).timestamp()) if verified else float("inf"), activity_id)
        if group in best:
            hidden.add(max(best[group], key)[1])
            best[group] = min(best[group], key)
        else:
            best[group] = key
    return hidden


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _like_words(text: str) -> list[str]:
    words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in text.split()]
    return [f"%{w}%" for w in words[:10]]


def _distance2(near: Near):
    """Squared distance in degrees of latitude (cheap: no trigonometry in SQL)."""
    import math

    scale = math.cos(math.radians(near.lat))
    dy, dx = Activity.lat - near.lat, (Activity.lon - near.lon) * scale
    return dy * dy + dx * dx


def conditions(filters: Filters, hidden: AbstractSet[str]) -> list:
    """WHERE clauses for the published records that match the filters."""
    where = [Activity.status.in_(PUBLISHED_STATUSES)]
    if hidden:
        where.append(Activity.id.notin_(sorted(hidden)))
    for pattern in _like_words(filters.search):
        where.append(sa.or_(Activity.name.ilike(pattern, escape="\\"), Activity.description.ilike(pattern, escape="\\")))
    if filters.taxonomy_term_id:
        slug = TERM_SLUGS.get(filters.taxonomy_term_id)
        where.append(sa.cast(Activity.categories, sa.Text).like(f'%"{slug}"%') if slug else sa.false())
    if filters.taxonomy_id:
        where.append(sa.cast(Activity.categories, sa.Text).like('%"%') if filters.taxonomy_id == TAXONOMY_ID else sa.false())
    if filters.organization_id:
        where.append(Activity.organisation_id == filters.organization_id)
    if filters.modified_after is not None:
        since = filters.modified_after
        where.append(sa.or_(Activity.last_modified >= since, Activity.last_verified >= since, Activity.first_seen >= since))
    if filters.placed_only:
        where.append(sa.or_(Activity.lat.is_not(None), Activity.postcode.is_not(None), Activity.address.is_not(None), Activity.venue.is_not(None)))
    if filters.near is not None:
        where.append(_near_condition(filters.near))
    return where


def _near_condition(near: Near):
    if near.metres is not None:
        limit = (near.metres / METRES_PER_DEGREE) ** 2
        return sa.and_(Activity.lat.is_not(None), Activity.lon.is_not(None), _distance2(near) <= limit)
    served = [sa.cast(Activity.service_area, sa.Text).like(f'%"{code}"%') for code in near.codes]
    return sa.or_(Activity.ward_code.in_(near.codes), Activity.lad_code.in_(near.codes), Activity.icb_code.in_(near.codes), *served)


def _ordered(query, filters: Filters):
    if filters.near is not None:
        return query.order_by(sa.case((Activity.lat.is_(None), 1), else_=0), _distance2(filters.near), Activity.id)
    return query.order_by(Activity.id)


def published_ids(session: Session, today: dt.date) -> tuple[frozenset[str], tuple[str, ...]]:
    """``(hidden ids, every published id in feed order)``: what an unfiltered list pages through (cached by the web layer)."""
    hidden = hidden_ids(session, today)
    ordered = session.scalars(sa.select(Activity.id).where(*conditions(Filters(), hidden)).order_by(Activity.id))
    return frozenset(hidden), tuple(ordered)


def by_ids(session: Session, ids: Sequence[str]) -> list[Activity]:
    """Activities in the order of ``ids`` (one query through the primary key)."""
    if not ids:
        return []
    found = {a.id: a for a in session.scalars(sa.select(Activity).options(defer(Activity.raw)).where(Activity.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


def count(session: Session, filters: Filters, hidden: AbstractSet[str]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Activity).where(*conditions(filters, hidden))) or 0


def page(session: Session, filters: Filters, hidden: AbstractSet[str], number: int, per_page: int) -> list[Activity]:
    """One page of published activities (their raw rows never loaded)."""
    query = sa.select(Activity).options(defer(Activity.raw)).where(*conditions(filters, hidden))
    return list(session.scalars(_ordered(query, filters).limit(per_page).offset((number - 1) * per_page)))


def every(session: Session, filters: Filters, hidden: AbstractSet[str]) -> Iterator[list[Activity]]:
    """All matching records in batches, by keyset on id (no OFFSET), for streaming a whole feed."""
    last = ""
    while True:
        query = sa.select(Activity).options(defer(Activity.raw)).where(*conditions(filters, hidden), Activity.id > last)
        batch = list(session.scalars(query.order_by(Activity.id).limit(BATCH)))
        if not batch:
            return
        yield batch
        last = batch[-1].id
        session.expunge_all()


def find(session: Session, activity_id: str, hidden: AbstractSet[str]) -> Activity | None:
    """One published activity, or None (closed, hidden or unknown alike)."""
    found = session.get(Activity, activity_id)
    if found is None or found.status not in PUBLISHED_STATUSES or found.id in hidden:
        return None
    return found


def find_by_service_at_location(session: Session, sal_id: str, hidden: AbstractSet[str]) -> Activity | None:
    """The activity whose service-at-location id this is (ids are derived, so the published ids are worked through)."""
    from assetmap.openreferral.ids import service_at_location_id

    ids = session.scalars(sa.select(Activity.id).where(*conditions(Filters(placed_only=True), hidden)))
    match = next((i for i in ids if service_at_location_id(i) == sal_id), None)
    found = find(session, match, hidden) if match else None
    return found if found is not None and has_place(found) else None


def load_context(session: Session, activities: Sequence[Activity], assurer_email: str = "") -> Context:
    """Organisations, last checks and area names for a page: three queries, whatever its size."""
    ids = [a.id for a in activities]
    org_ids = {a.organisation_id for a in activities if a.organisation_id}
    orgs = {o.id: o for o in session.scalars(sa.select(Organisation).where(Organisation.id.in_(org_ids)))} if org_ids else {}
    assured = dict(session.execute(sa.select(Verification.activity_id, sa.func.max(Verification.verified_at))
                                   .where(Verification.activity_id.in_(ids)).group_by(Verification.activity_id)).all()) if ids else {}
    codes = {c for a in activities for c in (a.ward_code, a.lad_code, a.icb_code, *(a.service_area or [])) if c}
    names = {}
    if codes:
        for code, name, current in session.execute(sa.select(Area.code, Area.name, Area.is_current).where(Area.code.in_(codes))):
            if current or code not in names:
                names[code] = name
    assured = {a.id: max(_as_utc(c) for c in (assured.get(a.id), a.last_verified) if c is not None)
               for a in activities if assured.get(a.id) or a.last_verified}
    return Context(organisations=orgs, assured=assured, area_names=names, assurer_email=assurer_email)


def organisations_with_services(session: Session, hidden: AbstractSet[str], search: str = "", org_id: str = ""):
    """Organisations running at least one published activity (the feed publishes no others), by id."""
    published = sa.select(Activity.organisation_id).where(*conditions(Filters(), hidden), Activity.organisation_id.is_not(None))
    query = sa.select(Organisation).where(Organisation.id.in_(published))
    if org_id:
        query = query.where(Organisation.id == org_id)
    for pattern in _like_words(search):
        query = query.where(sa.or_(Organisation.name.ilike(pattern, escape="\\"), Organisation.description.ilike(pattern, escape="\\")))
    return query.order_by(Organisation.id)


def count_of(session: Session, listing) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(listing.order_by(None).subquery())) or 0


def services_of(session: Session, org_ids: Sequence[str], hidden: AbstractSet[str]) -> list[Activity]:
    """The published activities of some organisations, in one query."""
    if not org_ids:
        return []
    query = sa.select(Activity).options(defer(Activity.raw)).where(*conditions(Filters(), hidden), Activity.organisation_id.in_(list(org_ids)))
    return list(session.scalars(query.order_by(Activity.id)))
