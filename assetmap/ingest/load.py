"""DB: write a run's records in bulk, idempotently, inside the caller's transaction.

What the source already has in the database is read in one query per table into dicts; each draft
is then new, changed (its content hash differs), only re-checked (a newer verification date) or
unchanged, and written with one bulk statement per kind. An unchanged record is touched only to
set ``last_ingested``. Nothing is deleted: a record missing from a full re-import is closed and the
report lists it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.changes import Transaction, insert_rows
from assetmap.changes import chunks as _chunks
from assetmap.db import as_utc
from assetmap.ingest.dedupe import NO_ROW, OtherRecord, same_content, schedule_days
from assetmap.ingest.link import KnownOrganisation
from assetmap.ingest.records import ActivityDraft, Draft, OrganisationDraft, Rejection
from assetmap.models import Activity, IngestRun, Organisation, RejectedRow, Verification
from assetmap.places.venues import Venue

__all__ = ["as_utc", "Held", "Plan", "plan_upsert"]

WRITE_BATCH = 5_000   # new records per INSERT: small enough to hand on to the index writer early


@dataclasses.dataclass(frozen=True)
class Held:
    """A record the database already has: enough to decide what a draft changes."""

    id: str
    name: str
    content_hash: str
    status: str = "active"
    last_verified: dt.datetime | None = None
    flags: tuple[str, ...] = ()
    source: str = ""


def held_activities(session: Session, source: str) -> dict[str, Held]:
    rows = session.execute(sa.select(Activity.id, Activity.name, Activity.content_hash, Activity.status, Activity.last_verified,
                                     Activity.flags).where(Activity.source == source))
    return {r.id: Held(r.id, r.name, r.content_hash or "", r.status, as_utc(r.last_verified), tuple(r.flags or ()), source)
            for r in rows}


def schedule_texts(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """The schedule text of some held records, by id (to tell same-name sessions apart)."""
    found: dict[str, str] = {}
    for chunk in _chunks(list(ids)):
        found.update((r.id, r.schedule_text) for r in session.execute(sa.select(Activity.id, Activity.schedule_text).where(Activity.id.in_(chunk))))
    return found


def known_venues(session: Session) -> list[Venue]:
    """Every named venue placed from a postcode or coordinates, once per name and place."""
    query = sa.select(Activity.venue, Activity.lat, Activity.lon, Activity.postcode).distinct().where(
        Activity.venue.is_not(None), Activity.lat.is_not(None), Activity.precision.in_(("postcode", "coordinates")))
    return [Venue(r.venue, r.lat, r.lon, r.postcode) for r in session.execute(query)]


def held_organisations(session: Session) -> tuple[dict[str, Held], list[KnownOrganisation]]:
    """Every organisation (names resolve across sources): by id for upserts, and as a list for linking."""
    rows = list(session.execute(sa.select(Organisation.id, Organisation.name, Organisation.content_hash,
                                          Organisation.charity_number, Organisation.source, Organisation.extra)))
    held = {r.id: Held(r.id, r.name, r.content_hash or "", flags=tuple((r.extra or {}).get("flags", ())), source=r.source)
            for r in rows}
    return held, [KnownOrganisation(r.id, r.name, r.charity_number, r.source) for r in rows]


def match_records(session: Session, source: str, own: bool) -> list[OtherRecord]:
    """Open activities as the duplicate matcher sees them: the source's own (``own``) or every other source's.

    One pass over the table: a duplicate may be anywhere near a record, not only at its postcode.
    """
    columns = (Activity.id, Activity.source, Activity.name, Activity.postcode, Activity.lat, Activity.lon, Activity.venue,
               Activity.schedule, Organisation.charity_number, Activity.address)
    query = sa.select(*columns).outerjoin(Organisation, Activity.organisation_id == Organisation.id).where(
        Activity.status != "closed", Activity.source == source if own else Activity.source != source)
    return [OtherRecord(r.id, r.source, r.name, r.postcode, r.lat, r.lon, r.venue, schedule_days(r.schedule), r.charity_number, r.address)
            for r in session.execute(query)]


@dataclasses.dataclass
class Plan:
    """What writing a run's drafts will do, decided before anything is written (so a dry run reports it too)."""

    outcomes: dict[str, str] = dataclasses.field(default_factory=dict)
    new: list[Draft] = dataclasses.field(default_factory=list)
    changed: list[Draft] = dataclasses.field(default_factory=list)
    rechecked: list[ActivityDraft] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    deleted: list[str] = dataclasses.field(default_factory=list)
    new_checks: set[str] = dataclasses.field(default_factory=set)
    refreshed: list[Draft] = dataclasses.field(default_factory=list)


def plan_upsert(drafts: Sequence[Draft], held: dict[str, Held]) -> Plan:
    """Sort drafts into new / changed / re-checked / unchanged against what is held (pure).

    Changed means the cleaned content differs (an edit: ``last_modified`` moves). A row that only
    brings a newer check date is re-checked (outcome ``updated``, ``last_modified`` unmoved); one
    whose source text changed without changing the content is refreshed (outcome ``unchanged``).
    """
    plan = Plan()
    for draft in drafts:
        before = held.get(draft.id)
        if getattr(draft, "deleted", False):
            _plan_deleted(plan, draft, before)
        elif before is None or before.content_hash != draft.content_hash or _reopened(draft, before) or _is_newer_check(draft, before):
            _plan_changes(plan, draft, before)
        else:
            plan.unchanged.append(draft.id)
            plan.outcomes[draft.id] = "unchanged"
    return plan


def _reopened(draft: Draft, before: Held) -> bool:
    return before.status == "closed" and getattr(draft, "status", "") != "closed"


def _differs(draft: Draft, before: Held) -> bool:
    """Changed content, or a record closed because it went missing that the source lists again."""
    return not same_content(before.content_hash, draft.content_hash) or _reopened(draft, before)


def _plan_changes(plan: Plan, draft: Draft, before: Held | None) -> None:
    if getattr(draft, "last_verified", None) is not None and (before is None or _is_newer_check(draft, before)):
        plan.new_checks.add(draft.id)
    if before is None:
        plan.new.append(draft)
        plan.outcomes[draft.id] = "flagged" if draft.flags else "accepted"
    elif _differs(draft, before):
        plan.changed.append(draft)
        plan.outcomes[draft.id] = "flagged" if draft.flags else "updated"
    elif draft.id in plan.new_checks:
        plan.rechecked.append(draft)
        plan.outcomes[draft.id] = "updated"
    else:  # the source row was written differently (or read against new reference data): same content
        plan.refreshed.append(draft)
        plan.outcomes[draft.id] = "unchanged"


def _plan_deleted(plan: Plan, draft: Draft, before: Held | None) -> None:
    if before is not None and before.status != "closed":
        plan.deleted.append(draft.id)
        plan.outcomes[draft.id] = "updated"
    else:
        plan.outcomes[draft.id] = "unchanged"


def _is_newer_check(draft: Draft, before: Held) -> bool:
    checked = getattr(draft, "last_verified", None)
    return checked is not None and (before.last_verified is None or checked > before.last_verified)


def _point(draft: ActivityDraft) -> str | None:
    return None if draft.lat is None else f"SRID=4326;POINT({draft.lon} {draft.lat})"


def activity_row(draft: ActivityDraft, now: dt.datetime, new_check: bool = True) -> dict:
    """The columns a draft sets; its check date only when newer than the one held (a source never moves it back)."""
    return {
        "id": draft.id, "organisation_id": draft.organisation_id, "name": draft.name, "description": draft.description,
        "categories": draft.categories, "audience": draft.audience, "delivery": draft.delivery,
        "schedule_text": draft.schedule_text, "schedule": draft.schedule, "cost_text": draft.cost_text,
        "is_free": draft.is_free, "contact_name": draft.contact_name, "email": draft.email, "phone": draft.phone,
        "website": draft.website, "accessibility": draft.accessibility, "status": draft.status,
        "capacity": draft.capacity, "venue": draft.venue, "address": draft.address, "postcode": draft.postcode,
        "lat": draft.lat, "lon": draft.lon, "precision": draft.precision, "geom": _point(draft),
        "ward_code": draft.ward_code, "lad_code": draft.lad_code, "stp_code": draft.stp_code, "icb_code": draft.icb_code,
        "service_area": draft.service_area, "flags": draft.flags, "source": draft.source, "source_id": draft.source_id,
        "content_hash": draft.content_hash, "last_ingested": now, "raw": draft.raw, "extra": draft.extra,
        **(_verification_columns(draft) if new_check else {}),
    }


def _verification_columns(draft: ActivityDraft) -> dict:
    return {"last_verified": draft.last_verified, "verified_by": draft.verified_by, "verified_how": draft.verified_how}


def upsert_activities(tx: Transaction, plan: Plan, written: Callable[[list[dict]], None] | None = None) -> None:
    """Insert new, update changed and re-checked, stamp unchanged, close deleted: a handful of statements.

    Every write goes through ``tx`` (``assetmap.changes``), which audits it and keeps fields a person
    edited. ``written`` (optional) is given each batch of new records as soon as it is in (the
    column values as stored), so a search index can be built alongside (``assetmap.search.background``).
    """
    now = tx.now
    new = [a for a in plan.new if isinstance(a, ActivityDraft)]
    for batch in _chunks(new, WRITE_BATCH):
        rows = [activity_row(d, now) | {"first_seen": now, "last_modified": now} for d in batch]
        tx.insert_activities(rows)
        if written:
            written(rows)
    changed = [a for a in plan.changed if isinstance(a, ActivityDraft)]
    tx.update_activities([activity_row(d, now, d.id in plan.new_checks) | {"last_modified": now} for d in changed])
    rechecked = [a for a in plan.rechecked if isinstance(a, ActivityDraft)]
    refreshed = [a for a in plan.refreshed if isinstance(a, ActivityDraft)]
    tx.update_activities([{"id": d.id, "raw": d.raw, "content_hash": d.content_hash, "last_ingested": now,
                           **(_verification_columns(d) if d.id in plan.new_checks else {})} for d in rechecked + refreshed])
    tx.stamp_ingested(Activity.__table__, plan.unchanged)
    close_activities(tx, plan.deleted)
    _save_verifications(tx.session, [d for d in new + changed + rechecked if d.id in plan.new_checks], tx.run_id)


def _save_verifications(session: Session, drafts: Sequence[ActivityDraft], run_id: int | None) -> None:
    """A Verification row for each check date that is new to the record."""
    insert_rows(session, Verification.__table__, [
        {"activity_id": d.id, "verified_at": d.last_verified, "verified_by": d.verified_by or "",
         "method": d.verified_how or "", "source": d.source, "ingest_run_id": run_id} for d in drafts])


def close_activities(tx: Transaction, ids: Sequence[str]) -> None:
    """Close records; the row half of their hash is cleared so the row, if it comes back, is read again and reopens them."""
    if ids:
        tx.close_activities(ids, forget_row=sa.literal(NO_ROW) + sa.func.substr(Activity.content_hash, 33))


def close_missing(tx: Transaction | None, held: dict[str, Held], seen: set[str]) -> list[dict[str, str]]:
    """Records of the source missing from a full re-import: closed (never deleted) and listed; ``tx`` None for a dry run."""
    missing = [h for h in held.values() if h.status != "closed" and h.id not in seen]
    if tx is not None:
        close_activities(tx, [h.id for h in missing])
    return [{"id": h.id, "name": h.name} for h in missing]


def organisation_row(org: OrganisationDraft, now: dt.datetime) -> dict:
    extra = dict(org.extra) | ({"flags": org.flags} if org.flags else {})
    return {"id": org.id, "name": org.name, "description": org.description, "charity_number": org.charity_number,
            "company_number": org.company_number, "website": org.website, "email": org.email, "phone": org.phone,
            "source": org.source, "source_id": org.source_id, "last_ingested": now, "content_hash": org.content_hash,
            "extra": extra}


def upsert_organisations(tx: Transaction, plan: Plan) -> dict[str, str]:
    """Insert new and update changed organisations; returns the names written, by id (as stored)."""
    new = [organisation_row(o, tx.now) | {"first_seen": tx.now} for o in plan.new if isinstance(o, OrganisationDraft)]
    tx.insert_organisations(new)
    changed = [organisation_row(o, tx.now) for o in plan.changed + plan.rechecked + plan.refreshed if isinstance(o, OrganisationDraft)]
    tx.update_organisations(changed)
    tx.stamp_ingested(Organisation.__table__, plan.unchanged)
    return {row["id"]: row["name"] for row in new + changed}


def save_rejections(session: Session, run_id: int, rejections: Iterable[Rejection]) -> None:
    insert_rows(session, RejectedRow.__table__, [
        {"ingest_run_id": run_id, "file": r.file, "line": r.line, "field": r.field, "reason": r.reason,
         "message": r.message, "raw": r.raw} for r in rejections])


def record_run(session: Session, source: str, path: str, fmt: str, full_import: bool, now: dt.datetime) -> IngestRun:
    """The run's row, written first so rejected rows and verifications can point at it."""
    run = IngestRun(source=source, path=path, format=fmt, started_at=now, full_import=full_import, counts={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run: IngestRun, profile: str, counts: dict, now: dt.datetime) -> None:
    run.profile, run.counts, run.finished_at = profile, dict(counts), now
    session.flush()
