"""The one write path: every change to a record goes through here, audited, with field provenance.

A change is made inside ``writing(...)``: one explicit transaction whose ``Transaction`` writes the
rows, an ``AuditEntry`` per change (who or which source and ingest run, when, each field before
and after) and, for a person's edit, a ``FieldEdit`` that keeps the value from being undone by the
next import. Only after the database has committed does the search index catch up, so the index
can lag the database but never lead it. Ingest writes in bulk through the same ``Transaction``
(one statement per kind of change), so nothing that changes a record bypasses the audit trail.

How a re-import meets a field a person edited (``FieldEdit.source_value`` is what the source last
said): if the source now gives the person's value, the edit is settled; if it gives another value,
the person's value stays and the disagreement is listed in the report, kept on the ``FieldEdit``
and written to the audit trail (action ``conflict``) for an editor to settle — except when the
source's value is new since it last spoke and the person's edit is older than the previous import:
then the source changed the field after the person did, and its newer word wins.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from assetmap.config import Settings
from assetmap.db import as_utc
from assetmap.errors import AssetmapError
from assetmap.models import Activity, AuditEntry, DuplicateGroup, DuplicateLink, FieldEdit, Organisation, ProblemReport, Verification

CHUNK = 500

# Fields whose changes are audited one by one and that a person may edit. Derived columns (geometry,
# content hash, raw row, timestamps, counters) change with these and are not listed separately.
AUDITED_FIELDS = (
    "name", "description", "organisation_id", "categories", "audience", "delivery", "schedule_text", "schedule",
    "cost_text", "is_free", "contact_name", "email", "phone", "website", "accessibility", "status", "capacity",
    "venue", "address", "postcode", "lat", "lon", "precision", "ward_code", "lad_code", "stp_code", "icb_code",
    "service_area",
)
EDITABLE_FIELDS = tuple(f for f in AUDITED_FIELDS if f not in ("precision", "ward_code", "lad_code", "stp_code", "icb_code"))
ORGANISATION_FIELDS = ("name", "description", "charity_number", "company_number", "website", "email", "phone")


class ChangeError(AssetmapError):
    """A change that cannot be made as asked (an unknown record or field)."""


def source_actor(source: str) -> str:
    return f"source:{source}"


def editor_actor(email: str) -> str:
    return f"editor:{email}"


def chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclasses.dataclass(frozen=True)
class Conflict:
    """A field a person edited that the source now gives differently; ``kept`` says whose value stands."""

    activity_id: str
    field: str
    current: Any
    source_value: Any
    edited_by: str
    edited_at: dt.datetime
    kept: str  # "edit" (the person's value stays, for an editor to settle) or "source" (the source's newer word)

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "edited_at": self.edited_at.isoformat()}


@dataclasses.dataclass
class Transaction:
    """One explicit transaction's writes: what they changed (for the index) and what they could not settle."""

    session: Session
    now: dt.datetime
    actor: str
    run_id: int | None = None
    changed_ids: set[str] = dataclasses.field(default_factory=set)
    conflicts: list[Conflict] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    feed: Any = None   # an assetmap.search.IndexFeed fed while the transaction runs (big ingests)
    index_seconds: float = 0.0
    regrouped: set[str] = dataclasses.field(default_factory=set)   # records whose duplicate group changed
    change_id: int | None = None   # the IndexChange written with this transaction (SpatiaLite), for the index's catch-up
    committed: bool = False

    # -- bulk writes (ingest) ------------------------------------------------------------------
    def insert_activities(self, rows: list[dict]) -> None:
        """New records: one INSERT and one audit row each (the record itself says what arrived)."""
        insert_rows(self.session, Activity.__table__, rows)
        self._audit([(r["id"], "create", None) for r in rows], "activity")
        self.changed_ids.update(r["id"] for r in rows)

    def update_activities(self, rows: list[dict]) -> None:
        """Changed records: a person's edits are kept (see the module's rule); each field's change is audited."""
        if not rows:
            return
        audited = [r for r in rows if any(f in r for f in AUDITED_FIELDS)]
        held = _held_values(self.session, [r["id"] for r in audited])
        edits = _field_edits(self.session, [r["id"] for r in audited])
        entries = []
        for row in audited:
            before = held.get(row["id"], {})
            entries += self._settle_edits(row, before, edits.get(row["id"], {}))
            diff = field_diff(before, row)
            if diff:
                entries.append((row["id"], _action(diff), diff))
        update_rows(self.session, Activity.__table__, rows)
        self._audit(entries, "activity")
        self.changed_ids.update(r["id"] for r in rows)

    def close_activities(self, ids: Sequence[str], forget_row: Any = None) -> None:
        """Close records (never delete); ``forget_row`` is the content hash to set, so a returning row is read again."""
        values: dict[str, Any] = {"status": "closed", "last_modified": self.now, "last_ingested": self.now}
        if forget_row is not None:
            values["content_hash"] = forget_row
        statuses = _statuses(self.session, ids)
        for chunk in chunks(list(ids)):
            self.session.execute(sa.update(Activity).where(Activity.id.in_(chunk)).values(values)
                                 .execution_options(synchronize_session=False))
        self._audit([(i, "close", {"status": [statuses.get(i), "closed"]}) for i in ids], "activity")
        self.changed_ids.update(ids)

    def stamp_ingested(self, table: sa.Table, ids: Sequence[str]) -> None:
        """``last_ingested`` on unchanged records: the only thing an unchanged row touches (not a change)."""
        if ids:
            statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(last_ingested=sa.bindparam("stamp"))
            self.session.connection().execute(statement, [{"row_id": i, "stamp": self.now} for i in ids])

    def insert_organisations(self, rows: list[dict]) -> None:
        insert_rows(self.session, Organisation.__table__, rows)
        self._audit([(r["id"], "create", None) for r in rows], "organisation")

    def update_organisations(self, rows: list[dict]) -> None:
        held = _held_rows(self.session, Organisation, ORGANISATION_FIELDS, [r["id"] for r in rows])
        entries = [(r["id"], "update", diff) for r in rows if (diff := field_diff(held.get(r["id"], {}), r, ORGANISATION_FIELDS))]
        update_rows(self.session, Organisation.__table__, rows)
        self._audit(entries, "organisation")

    # -- a person's edit ----------------------------------------------------------------------
    def edit_activity(self, activity_id: str, values: dict[str, Any]) -> dict[str, list]:
        """Set fields as a person asked; returns ``{field: [before, after]}`` of what changed.

        The record's row digest is cleared so the next import of its source reads the row again and
        meets the edit (and lists any conflict) rather than skipping the row as unchanged.
        """
        unknown = sorted(set(values) - set(EDITABLE_FIELDS))
        if unknown:
            raise ChangeError(f"these fields cannot be edited: {', '.join(unknown)}")
        activity = self.session.get(Activity, activity_id)
        if activity is None:
            raise ChangeError(f"no activity with id {activity_id}")
        diff = field_diff({f: getattr(activity, f) for f in values}, values, tuple(values))
        if not diff:
            return {}
        self._remember_edits(activity_id, diff)
        for field, (_, after) in diff.items():
            setattr(activity, field, after)
        if "lat" in diff or "lon" in diff:
            activity.geom = None if activity.lat is None else f"SRID=4326;POINT({activity.lon} {activity.lat})"
        activity.last_modified, activity.content_hash = self.now, ""
        self.session.flush()
        self._audit([(activity_id, "edit", diff)], "activity")
        self.changed_ids.add(activity_id)
        return diff

    def add_activity(self, values: dict[str, Any]) -> Activity:
        """A record an editor typed in: source "editor", active, its schedule parsed, placed by the point given.

        ``values`` holds editable fields (``lat``/``lon`` and the area codes already found from the
        postcode) and may name an organisation (``organisation_name``): an existing one by exact name,
        any case, else a new one. Audited as a "create" and checked now (method "editor_added").
        """
        from assetmap.schedule import parse_schedule

        values = dict(values)
        org_name = (values.pop("organisation_name", None) or "").strip()
        allowed = {*EDITABLE_FIELDS, "ward_code", "lad_code", "stp_code", "icb_code"}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ChangeError(f"these fields cannot be set: {', '.join(unknown)}")
        if not (values.get("name") or "").strip():
            raise ChangeError("a new activity needs a name")
        if org_name:
            values["organisation_id"] = self._organisation_named(org_name)
        parsed = parse_schedule(values.get("schedule_text") or "", self.now.date())
        placed = values.get("lat") is not None and values.get("lon") is not None
        activity = Activity(id=str(uuid.uuid4()), source="editor", status="active", first_seen=self.now, last_modified=self.now,
                            precision="postcode" if placed else "none", **{"description": "", "schedule_text": "", "cost_text": "", **values},
                            schedule=parsed.tokens, extra={"schedule": parsed.detail})
        if placed:
            activity.geom = f"SRID=4326;POINT({activity.lon} {activity.lat})"
        self.session.add(activity)
        self.session.flush()
        created = {f: [None, _plain(v)] for f in AUDITED_FIELDS if (v := getattr(activity, f)) not in (None, "", [], ())}
        self._audit([(activity.id, "create", created)], "activity")
        self.changed_ids.add(activity.id)
        self.verify_activity(activity.id, "editor_added")
        return activity

    def _organisation_named(self, name: str) -> str:
        """The id of the organisation called ``name`` (any case), made (and audited) when there is none."""
        found = self.session.scalars(sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == name.lower())
                                     .order_by(Organisation.id)).first()
        if found is not None:
            return found
        new_id = str(uuid.uuid4())
        self.insert_organisations([{"id": new_id, "name": name, "description": "", "source": "editor", "first_seen": self.now,
                                    "content_hash": "", "extra": {}}])
        return new_id

    def verify_activity(self, activity_id: str, method: str, verified_by: str = "", source: str = "") -> Verification:
        """Record that the activity is still right: a ``Verification`` row, the record's ``last_verified`` and an audit entry."""
        activity = self.session.get(Activity, activity_id)
        if activity is None:
            raise ChangeError(f"no activity with id {activity_id}")
        check = Verification(activity_id=activity_id, verified_at=self.now, verified_by=verified_by or self.actor, method=method,
                             source=source, ingest_run_id=self.run_id)
        before = [_day(activity.last_verified), activity.verified_how]
        activity.last_verified, activity.verified_by, activity.verified_how = self.now, check.verified_by, method
        self.session.add(check)
        self.session.flush()
        self._audit([(activity_id, "verify", {"last_verified": [before[0], _day(self.now)], "verified_how": [before[1], method]})], "activity")
        self.changed_ids.add(activity_id)
        return check

    def report_problem(self, activity_id: str, kind: str, details: str = "") -> ProblemReport:
        """Someone says the record is wrong: an open ``ProblemReport`` (for the review queue) and an audit entry."""
        if self.session.get(Activity, activity_id) is None:
            raise ChangeError(f"no activity with id {activity_id}")
        report = ProblemReport(activity_id=activity_id, kind=kind, details=details, reported_at=self.now, reported_by=self.actor,
                               status="open")
        self.session.add(report)
        self.session.flush()
        self._audit([(activity_id, "report", {"report": [None, kind]})], "activity")
        return report

    def deal_with_report(self, report_id: int) -> ProblemReport:
        """An editor has dealt with a report: it leaves the queue and stops lowering the record's freshness (audited)."""
        report = self.session.get(ProblemReport, report_id)
        if report is None:
            raise ChangeError(f"no problem report {report_id}")
        if report.status != "dealt":
            report.status, report.dealt_by, report.dealt_at = "dealt", self.actor, self.now
            self.session.flush()
            self._audit([(report.activity_id, "report_dealt", {"report": [report.kind, "dealt with"]})], "activity")
        return report

    def _remember_edits(self, activity_id: str, diff: dict[str, list]) -> None:
        for field, (before, _) in diff.items():
            edit = self.session.get(FieldEdit, (activity_id, field))
            if edit is None:  # the value being replaced is what the source said (it had no edit before)
                edit = FieldEdit(activity_id=activity_id, field=field, source_value=_boxed(before))
                self.session.add(edit)
            edit.edited_by, edit.edited_at = self.actor, self.now
            edit.conflict_value = edit.conflict_at = None

    # -- duplicates across sources (linked, never merged) ---------------------------------------
    def link_duplicates(self, links: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """Link ``(activity_id, other_id, reason)`` pairs not yet linked either way round; returns those linked.

        A pair a person rejected keeps its rejected link, so it is never linked again. Each new link
        is audited; the groups it joins are rewritten and their records re-indexed.
        """
        held = _held_pairs(self.session, sorted({i for a, b, _ in links for i in (a, b)}))
        fresh = list({frozenset((a, b)): (a, b, r) for a, b, r in links if frozenset((a, b)) not in held}.values())
        if not fresh:
            return []
        insert_rows(self.session, DuplicateLink.__table__, [{"activity_id": a, "other_id": b, "reason": r, "status": "linked"}
                                                            for a, b, r in fresh])
        ids = _link_ids(self.session, [(a, b) for a, b, _ in fresh])
        self._audit([(str(ids[a, b]), "link", {"activity_id": [None, a], "other_id": [None, b], "reason": [None, r]})
                     for a, b, r in fresh], "duplicate_link")
        self._regroup({i for a, b, _ in fresh for i in (a, b)})
        return fresh

    def reject_duplicate(self, activity_id: str, other_id: str) -> DuplicateLink:
        """Mark the link between two records rejected (they are different): kept, so a re-import does not link them again."""
        link = self.session.scalars(sa.select(DuplicateLink).where(sa.or_(
            sa.and_(DuplicateLink.activity_id == activity_id, DuplicateLink.other_id == other_id),
            sa.and_(DuplicateLink.activity_id == other_id, DuplicateLink.other_id == activity_id)))).first()
        if link is None:
            raise ChangeError(f"activities {activity_id} and {other_id} are not linked")
        if link.status != "rejected":
            link.status = "rejected"
            self.session.flush()
            self._audit([(str(link.id), "unlink", {"status": ["linked", "rejected"]})], "duplicate_link")
            self._regroup({activity_id, other_id})
        return link

    def _regroup(self, ids: set[str]) -> None:
        """Rewrite ``duplicate_group`` for every record in the groups ``ids`` were in or are in now."""
        members, pairs = _connected(self.session, ids)
        groups = duplicate_groups(pairs)
        for chunk in chunks(sorted(members)):
            self.session.execute(sa.delete(DuplicateGroup).where(DuplicateGroup.activity_id.in_(chunk)))
        insert_rows(self.session, DuplicateGroup.__table__, [{"activity_id": i, "group_id": g} for i, g in sorted(groups.items())])
        self.changed_ids.update(members)
        self.regrouped.update(members)

    # -- internals ----------------------------------------------------------------------------
    def _settle_edits(self, row: dict, before: dict, edits: dict[str, FieldEdit]) -> list:
        """Settle each person-edited field ``row`` sets (see the module's rule); returns audit entries for conflicts."""
        entries = []
        for field, edit in edits.items():
            if field not in row:
                continue
            said, current = row[field], before.get(field)
            if _same(said, current):
                self.session.delete(edit)   # the source now says what the person set: nothing left to settle
            elif not _same(said, _unboxed(edit.source_value)) and as_utc(edit.edited_at) < (before.get("last_ingested") or self.now):
                self.session.delete(edit)   # the source changed the field after the person did: its word wins
                self.conflicts.append(self._conflict(row["id"], field, current, said, edit, "source"))
            else:
                row.pop(field)              # the person's value stands; the disagreement is kept for an editor
                edit.source_value, edit.conflict_value, edit.conflict_at = _boxed(said), _boxed(said), self.now
                self.conflicts.append(self._conflict(row["id"], field, current, said, edit, "edit"))
                entries.append((row["id"], "conflict", {field: [_plain(current), _plain(said)]}))
        return entries

    def _conflict(self, activity_id, field, current, said, edit: FieldEdit, kept: str) -> Conflict:
        return Conflict(activity_id, field, current, said, edit.edited_by, as_utc(edit.edited_at), kept)

    def _audit(self, entries: list[tuple[str, str, dict | None]], record_type: str) -> None:
        insert_rows(self.session, AuditEntry.__table__, [
            {"record_type": record_type, "record_id": record_id, "changed_at": self.now, "actor": self.actor,
             "action": action, "ingest_run_id": self.run_id, "fields": fields} for record_id, action, fields in entries])


def _action(diff: dict[str, list]) -> str:
    if "status" in diff and diff["status"][0] == "closed":
        return "reopen"
    return "update"


def _day(value: dt.datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _boxed(value: Any) -> dict[str, Any]:
    """A value as JSON that keeps None and lists apart from 'nothing stored'."""
    return {"v": value}


def _unboxed(boxed: dict[str, Any] | None) -> Any:
    return None if boxed is None else boxed.get("v")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    return a == b


def duplicate_groups(links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each linked activity's group: the smallest id among the activities its links connect (pure).

    >>> duplicate_groups([("b", "c"), ("c", "a"), ("x", "y")]) == {"a": "a", "b": "a", "c": "a", "x": "x", "y": "x"}
    True
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in links:
        first, second = sorted((root(a), root(b)))
        parent[second] = first
    return {node: root(node) for node in parent}


def field_diff(before: dict[str, Any], after: dict[str, Any], fields: Sequence[str] = AUDITED_FIELDS) -> dict[str, list]:
    """``{field: [before, after]}`` for the listed fields ``after`` sets to something new (pure).

    >>> field_diff({"phone": "0161 1", "name": "Walk"}, {"phone": "0161 2", "name": "Walk"})
    {'phone': ['0161 1', '0161 2']}
    """
    return {f: [_plain(before.get(f)), _plain(after[f])] for f in fields if f in after and not _same(before.get(f), after[f])}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _held_rows(session: Session, model, fields: Sequence[str], ids: Sequence[str]) -> dict[str, dict]:
    columns = [model.id, *(getattr(model, f) for f in fields)]
    found: dict[str, dict] = {}
    for chunk in chunks(list(ids)):
        for row in session.execute(sa.select(*columns).where(model.id.in_(chunk))):
            found[row.id] = dict(row._mapping)
    return found


def _held_values(session: Session, ids: Sequence[str]) -> dict[str, dict]:
    rows = _held_rows(session, Activity, (*AUDITED_FIELDS, "last_ingested"), ids)
    for row in rows.values():
        row["last_ingested"] = as_utc(row["last_ingested"])
    return rows


def _statuses(session: Session, ids: Sequence[str]) -> dict[str, str]:
    return {i: row["status"] for i, row in _held_rows(session, Activity, ("status",), ids).items()}


def _field_edits(session: Session, ids: Sequence[str]) -> dict[str, dict[str, FieldEdit]]:
    """Person-set fields of these records, by record and field (usually none: one cheap query per chunk)."""
    found: dict[str, dict[str, FieldEdit]] = {}
    for chunk in chunks(list(ids)):
        for edit in session.scalars(sa.select(FieldEdit).where(FieldEdit.activity_id.in_(chunk))):
            found.setdefault(edit.activity_id, {})[edit.field] = edit
    return found


def _held_pairs(session: Session, ids: Sequence[str]) -> set[frozenset]:
    """Pairs already linked (or rejected) among links touching ``ids``."""
    held: set[frozenset] = set()
    for chunk in chunks(list(ids)):
        query = sa.select(DuplicateLink.activity_id, DuplicateLink.other_id).where(
            sa.or_(DuplicateLink.activity_id.in_(chunk), DuplicateLink.other_id.in_(chunk)))
        held.update(frozenset(pair) for pair in session.execute(query))
    return held


def _link_ids(session: Session, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for chunk in chunks(sorted({a for a, _ in pairs})):
        query = sa.select(DuplicateLink.id, DuplicateLink.activity_id, DuplicateLink.other_id).where(DuplicateLink.activity_id.in_(chunk))
        found.update(((a, b), i) for i, a, b in session.execute(query))
    return found


def _connected(session: Session, ids: set[str]) -> tuple[set[str], list[tuple[str, str]]]:
    """Every record linked to ``ids`` (through any number of links) or sharing a group with them, and the links among them."""
    members = set(ids)
    for chunk in chunks(sorted(ids)):
        old_groups = sa.select(DuplicateGroup.group_id).where(DuplicateGroup.activity_id.in_(chunk))
        members.update(session.scalars(sa.select(DuplicateGroup.activity_id).where(DuplicateGroup.group_id.in_(old_groups))))
    pairs: set[tuple[str, str]] = set()
    frontier = set(members)
    while frontier:
        found = set()
        for chunk in chunks(sorted(frontier)):
            query = sa.select(DuplicateLink.activity_id, DuplicateLink.other_id).where(
                DuplicateLink.status == "linked", sa.or_(DuplicateLink.activity_id.in_(chunk), DuplicateLink.other_id.in_(chunk)))
            found.update((a, b) for a, b in session.execute(query))
        pairs |= found
        frontier = {i for pair in found for i in pair} - members
        members |= frontier
    return members, sorted(pairs)


# -- statements ------------------------------------------------------------------------------------
def _limits(table: sa.Table) -> dict[str, int]:
    return {c.name: c.type.length for c in table.columns if isinstance(c.type, sa.String) and c.type.length}


def fit(table: sa.Table, rows: list[dict]) -> list[dict]:
    """Text cut to its column's length: PostgreSQL refuses a longer value, and one long cell must not sink a run."""
    limits = _limits(table)
    for row in rows:
        for name, length in limits.items():
            value = row.get(name)
            if isinstance(value, str) and len(value) > length:
                row[name] = value[:length]
    return rows


def insert_rows(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """One executemany for rows with the same keys (the ORM would split rows whose None-ness differs)."""
    if rows:
        session.connection().execute(table.insert(), fit(table, rows))


def update_rows(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """UPDATE … WHERE id = ? as one executemany per set of columns."""
    by_keys: dict[tuple, list[dict]] = {}
    for row in rows:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for keys, group in by_keys.items():
        columns = [k for k in keys if k != "id"]
        statement = table.update().where(table.c.id == sa.bindparam("row_id")).values({c: sa.bindparam(c) for c in columns})
        session.connection().execute(statement, [{**{c: r[c] for c in columns}, "row_id": r["id"]} for r in fit(table, group)])


# -- the transaction and the index -----------------------------------------------------------------
@contextlib.contextmanager
def writing(settings: Settings, sessions: sessionmaker, actor: str, feed: Any = None) -> Iterator[Transaction]:
    """One explicit transaction for a set of changes; after it commits, the search index catches up.

    ``feed`` (an ``assetmap.search.IndexFeed``) lets a big change be indexed by a second process
    while the transaction runs; it is committed after the database, or cancelled if the
    transaction fails. If it cannot commit, the index is updated here the ordinary way.
    """
    from assetmap.search.marks import record_change
    from assetmap.testhook import pause_or_die

    try:
        with sessions.begin() as session:
            deferred = _defer_search(session)
            tx = Transaction(session, settings.clock(), actor, feed=feed)
            yield tx
            if deferred:
                _refresh_search(session, tx.changed_ids)
            tx.change_id = record_change(session, tx.changed_ids, tx.now)   # what the index must catch up on, in this transaction
            pause_or_die(settings, "before_commit")
    except BaseException:
        if feed is not None:
            feed.cancel()
        raise
    tx.committed = True
    pause_or_die(settings, "after_commit")
    catch_up_index(settings, sessions, tx)


def _defer_search(session: Session) -> bool:
    """On PostgreSQL, skip the per-row search trigger for this transaction (``_refresh_search`` does its rows at once).

    The trigger recomputes a record's search document on every INSERT or UPDATE, unchanged rows an
    ingest only stamps included: about 1.5 ms a row, minutes for a big feed. One statement for the
    changed ids before the commit keeps the search exactly as current, in the same transaction.
    """
    from assetmap.db import is_postgres
    from assetmap.search import pg_backend

    if not is_postgres(session) or not pg_backend.is_ready(session):
        return False
    pg_backend.defer_refresh(session)
    return True


def _refresh_search(session: Session, ids: set[str]) -> None:
    from assetmap.search import pg_backend

    pg_backend.refresh(session, ids)


def catch_up_index(settings: Settings, sessions: sessionmaker, tx: Transaction) -> None:
    """Bring the search index up to the committed records: the feed's generation, then every change it lacks.

    ``search.heal.catch_up`` re-indexes every committed change the index has not seen (this one and
    any a killed process left behind) and moves the index's mark. A busy index is left for the next
    process (or the web app's keeper) and said in ``tx.notes``: the records are safe in the database.
    """
    from assetmap.search.heal import catch_up

    if not tx.changed_ids and tx.feed is not None:
        tx.feed.cancel()
    if not tx.changed_ids and tx.feed is None:
        return   # an edit that changed nothing: the next writer or the web app's keeper checks the index
    start = time.perf_counter()
    outcome = tx.feed.commit() if tx.feed is not None and tx.feed.active else ""
    already: dict[int, set[str]] = {}
    if outcome == "committed" and tx.change_id is not None:   # the feed indexed them, except records regrouped after it read them
        already[tx.change_id] = set(tx.changed_ids) - tx.regrouped
    elif outcome:
        tx.notes.append(f"search index updated after loading instead ({outcome})")
    try:
        result = catch_up(settings, sessions, already)
    except Exception as error:  # the records are committed: a broken index must not turn a saved change into an error
        logging.getLogger(__name__).warning("the search index could not catch up after a commit", exc_info=True)
        tx.notes.append(f"the search index will catch up on these changes later ({type(error).__name__}: {error})")
    else:
        if result.busy:
            tx.notes.append(f"the search index will catch up on these changes later ({result.busy})")
    tx.index_seconds = time.perf_counter() - start


# -- reading provenance ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a field's current value came from: ``by`` is ``source:<name>`` or ``editor:<email>``."""

    by: str
    at: dt.datetime | None
    ingest_run_id: int | None = None

    @property
    def is_person(self) -> bool:
        return not self.by.startswith("source:")

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at.isoformat() if self.at else None, "ingest_run_id": self.ingest_run_id}


def field_provenance(session: Session, activity_id: str) -> dict[str, Provenance]:
    """Each audited field's origin: the newest audit entry that set it, else the record's creation."""
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.record_type == "activity", AuditEntry.record_id == activity_id)
                              .order_by(AuditEntry.id.desc()))
    found: dict[str, Provenance] = {}
    created = None
    for entry in entries:
        if entry.action == "conflict":   # a source disagreeing with a person's value did not set it
            continue
        origin = Provenance(entry.actor, as_utc(entry.changed_at), entry.ingest_run_id)
        for field in entry.fields or {}:
            found.setdefault(field, origin)
        if entry.action == "create":
            created = origin
    if created is not None:
        for field in AUDITED_FIELDS:
            found.setdefault(field, created)
    return found


def unlink_duplicate(settings: Settings, sessions: sessionmaker, activity_id: str, other_id: str, editor: str) -> DuplicateLink:
    """A person says two linked records are different: the link is kept as rejected (audited), never made again."""
    with writing(settings, sessions, editor_actor(editor)) as tx:
        return tx.reject_duplicate(activity_id, other_id)


def history(session: Session, activity_id: str) -> list[AuditEntry]:
    """Every change to one activity, oldest first."""
    query = sa.select(AuditEntry).where(AuditEntry.record_type == "activity", AuditEntry.record_id == activity_id)
    return list(session.scalars(query.order_by(AuditEntry.id)))
