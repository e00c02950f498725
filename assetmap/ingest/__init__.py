"""Ingest: read, clean, locate and load directory records (see run_ingest).

``run_ingest`` only chains the hops and collects the report; each hop is one module with a typed
input and output (``readers`` → RawRow, ``clean`` → drafts or Rejections, ``locate`` → placed
drafts, ``link``/``dedupe`` → organisations and duplicates, ``load`` → the database). It works in
the caller's transaction, so a run lands whole or not at all; ``ingest_file`` is that caller for
the CLI, and updates the search index after the commit.
"""

from __future__ import annotations

import collections
import contextlib
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from assetmap import changes
from assetmap.areas.queries import area_names, load_area_index
from assetmap.config import Settings
from assetmap.ingest import cells, identity, load, sources
from assetmap.ingest.clean import clean_row, record_key, stable_id
from assetmap.ingest.dedupe import (
    NO_ROW,
    Duplicate,
    collapse_duplicates,
    content_hash,
    duplicate_problem,
    likely_duplicates,
    organisation_duplicates,
    row_digest,
    settle_with_unchanged,
)
from assetmap.ingest.errors import IngestError, ReadError
from assetmap.ingest.guard import ClosingGuard
from assetmap.ingest.link import link_organisations
from assetmap.ingest.load import Held
from assetmap.ingest.locate import assign_service_areas, codes_by_name, locate_drafts
from assetmap.ingest.readers import is_url, read_rows, sniff_format
from assetmap.ingest.records import ActivityDraft, Cleaned, OrganisationDraft, RawRow, Rejection, Repeat, Unchanged
from assetmap.ingest.report import IngestReport, row_problems, row_result
from assetmap.ingest.tables import linked_profile, read_linked_tables
from assetmap.ingest.values import is_blank
from assetmap.places.venues import VenueIndex

__all__ = ["IngestError", "IngestReport", "ReadError", "ingest_file", "run_ingest"]

Progress = Callable[[str, int, int | None], None]
PROGRESS_EVERY = 1_000
INGEST_VERSION = "2"   # bump when cleaning changes, so the next run cleans every row again


def default_source(path: str | Path) -> str:
    """A file's name without extension, or a feed's host and path: re-running the same input finds its records."""
    if is_url(path):
        parts = urllib.parse.urlsplit(str(path))
        return f"{parts.netloc}{parts.path}".rstrip("/")
    return Path(path).stem


class _Timer:
    """Seconds spent per stage, for the report and the benchmark."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start


def _is_blank_row(raw: RawRow) -> bool:
    return all(is_blank(v) for v in raw.record.values())


Entry = tuple[RawRow, "Cleaned | Unchanged | Repeat | None"]


def reference_key(postcodes, area_index, allow_district: bool, limits: cells.CellLimits = cells.CELL_LIMITS) -> str:
    """What else a row's cleaned record depends on: the code, the category map, the postcode directory and boundaries."""
    return (f"{INGEST_VERSION}|{taxonomy_digest()}|{len(postcodes)}|{len(area_index)}|{','.join(area_index.kinds)}|{allow_district}"
            f"|{limits.max_word},{limits.max_field}")


def taxonomy_digest() -> str:
    import hashlib

    from assetmap.taxonomy import CATEGORY_MAP_PATH

    return hashlib.blake2b(CATEGORY_MAP_PATH.read_bytes(), digest_size=8).hexdigest()


def read_and_clean(path, fmt: str, source: str, today, timings: dict[str, float], on_progress: Progress | None,
                   held_rows: dict[str, Held] | None = None, reference: str = "",
                   limits: cells.CellLimits = cells.CELL_LIMITS) -> list[Entry]:
    """Every row with what became of it: a draft or Rejection, Unchanged (skipped: exactly as held),
    Repeat (the same as an earlier row of this run), or None for a blank row."""
    entries: list[Entry] = []
    first_line: dict[str, int] = {}
    held_rows = held_rows or {}
    cleaning = 0.0
    start = time.perf_counter()
    for raw in read_rows(path, fmt):
        began = time.perf_counter()
        entries.append((raw, _classify(raw, today, source, held_rows, reference, first_line, limits)))
        cleaning += time.perf_counter() - began
        if on_progress and len(entries) % PROGRESS_EVERY == 0:
            on_progress("read", len(entries), None)
    timings["read"] = time.perf_counter() - start - cleaning
    timings["clean"] = cleaning
    return entries


def _classify(raw: RawRow, today, source: str, held_rows: dict[str, Held], reference: str, first_line: dict[str, int],
              limits: cells.CellLimits):
    if _is_blank_row(raw):
        return None
    digest = row_digest(raw.record, f"{reference}|{raw.kind}|{raw.profile}")
    if digest in first_line:
        return Repeat(raw.file, raw.line, first_line[digest])
    first_line[digest] = raw.line
    held = held_rows.get(digest)
    if held is not None:
        return Unchanged(raw.file, raw.line, held.id, list(held.flags))
    cleaned = clean_row(raw, today, source, limits)
    if not isinstance(cleaned, Rejection):
        cleaned.content_hash = digest
    return cleaned


def _profile(entries) -> str:
    counts = collections.Counter(raw.profile for raw, _ in entries)
    return counts.most_common(1)[0][0] if counts else ""


def run_ingest(path: str | Path, session: Session, settings: Settings, *, fmt: str | None = None,
               source: str | None = None, dry_run: bool = False, full_import: bool = True,
               allow_district: bool = False, postcodes=None, area_index=None,
               on_progress: Progress | None = None, index_feed=None, tx: changes.Transaction | None = None,
               allow_closing: bool = False, shown_as: str | None = None) -> IngestReport:
    """Read a file or feed into the database in the caller's transaction and report what happened.

    ``dry_run`` reads from the database (to say what would change) but writes nothing.
    ``full_import`` closes the source's records missing from the input. ``postcodes`` and
    ``area_index`` default to the ONS postcode directory and the boundaries in the database.
    ``index_feed`` (an ``assetmap.search.IndexFeed``) is handed big changes as they are written.
    Every write goes through ``tx`` (``assetmap.changes``; one is made on ``session`` if not given).
    A full import that would close more of the source than settings allow raises ``ClosingRefused``
    before writing anything, unless ``allow_closing``; a feed cut at the page cap is read as partial.
    ``shown_as`` is the name the run records and reports the input under instead of ``path`` (an
    upload's own file name, not the temporary file it was saved to).
    """
    intake = sources.Intake(settings)
    with sources.reading(intake):
        fmt = fmt or sniff_format(path)
    source = source or default_source(path)
    now = settings.clock()
    tx = tx or changes.Transaction(session, now, changes.source_actor(source), feed=index_feed)
    report = IngestReport(file=shown_as or str(path), format=fmt, source=source, dry_run=dry_run, full_import=full_import)
    timer = _Timer(report.timings)
    with timer("locate"):
        postcodes, area_index = _references(session, settings, postcodes, area_index, report)
    with timer("held"):
        held = _Held(session, source)
    limits = cells.CellLimits(settings.max_word_chars, settings.max_field_chars)
    reference = reference_key(postcodes, area_index, allow_district, limits)
    with sources.reading(intake):
        entries = _read_entries(path, fmt, source, now, report, on_progress, held, reference, limits)
    full_import = _note_intake(report, intake, full_import)
    if shown_as:
        _show_as(entries, report, str(path), shown_as)
    cleaned = [c for _, c in entries if isinstance(c, (ActivityDraft, OrganisationDraft, Rejection))]
    activities = [c for c in cleaned if isinstance(c, ActivityDraft)]
    with timer("held"):
        claimed = {c.id for _, c in entries if isinstance(c, Unchanged)}
        identity.assign_ids(activities, held.activities.keys(), claimed, lambda ids: load.schedule_texts(session, ids))
    with timer("locate"):
        _place(session, activities, postcodes, area_index, allow_district)
    _progress(on_progress, "located", len(activities))
    with timer("link"):
        state = _link_and_dedupe(held, cleaned, activities, [c for _, c in entries if isinstance(c, Unchanged)], source)
    guard = None if allow_closing else ClosingGuard.from_settings(settings)
    with timer("load"):
        _load(tx, report, state, entries, dry_run, full_import, guard)
    report.conflicts = [c.to_json() for c in tx.conflicts]
    _progress(on_progress, "loaded", len(entries))
    return report


def _read_entries(path, fmt: str, source: str, now, report: IngestReport, on_progress: Progress | None, held: _Held,
                  reference: str, limits) -> list[Entry]:
    """Every input row with what became of it; linked tables are joined, and all their rows cleaned again."""
    if fmt == "tables":
        entries, report.table_roles = read_linked_tables(path, source, now.date(), reference, report.timings, report.notes, limits)
        report.profile = linked_profile(report.table_roles)
        return entries
    entries = read_and_clean(path, fmt, source, now.date(), report.timings, on_progress, held.by_row, reference, limits)
    report.profile = _profile(entries)
    return entries


def _show_as(entries: list[Entry], report: IngestReport, path: str, name: str) -> None:
    """Every row's file, each linked table and each note named from ``name`` instead of ``path``, before anything is
    recorded (rejected rows keep their file) or reported."""
    def shown(file: str) -> str:
        return name + file[len(path):] if file.startswith(path) else file

    for raw, cleaned in entries:
        for item in (raw, cleaned, getattr(cleaned, "organisation", None)):
            if isinstance(getattr(item, "file", None), str):
                item.file = shown(item.file)
    report.table_roles = {shown(file): role for file, role in report.table_roles.items()}
    report.notes = [note.replace(path, name) for note in report.notes]


def _place(session: Session, activities: list[ActivityDraft], postcodes, area_index, allow_district: bool) -> None:
    """Points and area codes for every activity, and whole areas for those that serve one by name."""
    locate_drafts(activities, postcodes, area_index, allow_district, _venues(session, activities))
    if any(d.extra.get("service_area_text") for d in activities):
        assign_service_areas(activities, codes_by_name(area_names(session)))


def _note_intake(report: IngestReport, intake: sources.Intake, full_import: bool) -> bool:
    """The encodings read, bytes replaced, and a feed cut at the page cap (which makes the import partial)."""
    report.encoding = ", ".join(sorted(set(intake.encodings.values())))
    report.notes += [f"{name}: {count} invalid bytes replaced (ASSETMAP_REPLACE_BAD_BYTES)" for name, count in intake.replaced.items()]
    if intake.truncated and full_import:
        report.notes.append(intake.truncated)
        report.full_import = False
        return False
    return full_import


def _venues(session: Session, activities: list[ActivityDraft]) -> VenueIndex | None:
    """Venues already held, read only when some record has neither a postcode nor coordinates."""
    if not any(d.postcode is None and d.given_lat is None and not d.deleted for d in activities):
        return None
    return VenueIndex(load.known_venues(session))


def _progress(on_progress: Progress | None, stage: str, done: int) -> None:
    if on_progress:
        on_progress(stage, done, done)


def _references(session, settings, postcodes, area_index, report: IngestReport):
    from assetmap.places.postcodes import PostcodeLookup

    postcodes = postcodes if postcodes is not None else PostcodeLookup.load(settings.cache_dir)
    area_index = area_index if area_index is not None else load_area_index(session)
    if not len(area_index):
        report.notes.append("no boundaries loaded, so wards and NHS areas were not assigned "
                            "(run `assetmap boundaries load FILE --kind ward --vintage 2021-12`)")
    return postcodes, area_index


class _Held:
    """What the database holds: the source's activities, every organisation, and the source's rows by their digest."""

    def __init__(self, session: Session, source: str):
        self.activities = load.held_activities(session, source)
        self.organisations, self.known = load.held_organisations(session)
        own = [*self.activities.values(), *(o for o in self.organisations.values() if o.source == source)]
        self.by_row = {h.content_hash[:32]: h for h in own if len(h.content_hash) == 64 and h.content_hash[:32] != NO_ROW}


class _RunState:
    """What link and dedupe decided, handed to load."""

    def __init__(self, held: _Held, kept, dropped, created_orgs, unchanged, superseded):
        self.held, self.kept, self.dropped, self.created_orgs = held, kept, dropped, created_orgs
        self.unchanged, self.superseded = unchanged, superseded


def _link_and_dedupe(held: _Held, cleaned: list[Cleaned], activities: list[ActivityDraft], unchanged: list[Unchanged],
                     source: str) -> _RunState:
    row_orgs = [c for c in cleaned if isinstance(c, OrganisationDraft)]
    created = link_organisations(activities, row_orgs, held.known, source)
    for draft in activities + row_orgs:
        draft.content_hash = content_hash(draft.content_hash, draft)
    kept, dropped = collapse_duplicates(activities + row_orgs)
    kept, superseded = settle_with_unchanged(kept, dropped, unchanged)
    kept_ids = {d.id for d in kept}
    created = [o for o in created if o.id not in kept_ids]
    for org in created:
        org.content_hash = content_hash(NO_ROW, org)
    return _RunState(held, kept, dropped, created, [u for u in unchanged if u.line not in superseded], superseded)


def _load(tx: changes.Transaction, report: IngestReport, state: _RunState, entries: list[Entry], dry_run: bool,
          full_import: bool, guard: ClosingGuard | None = None) -> None:
    session, now, index_feed = tx.session, tx.now, tx.feed
    held = state.held
    plan = load.plan_upsert(state.kept + state.created_orgs, {**held.activities, **held.organisations})
    plan.unchanged += [u.id for u in state.unchanged]
    plan.outcomes.update((u.id, "unchanged") for u in state.unchanged)
    kept_activities = [d for d in state.kept if isinstance(d, ActivityDraft) and not d.deleted]
    links = _cross_source_links(session, report.source, kept_activities)
    rejections = [c for _, c in entries if isinstance(c, Rejection)]
    rejections += [_as_rejection(d) for d in state.dropped if d.reason == "conflicting_duplicate"]
    protected = {_rejected_id(r, report.source) for r in rejections if r.source_id}
    if full_import and guard is not None:   # before anything is written: a refused run writes nothing
        open_records = sum(1 for h in held.activities.values() if h.status != "closed")
        guard.check(report.source, len(_missing(state, protected) or ()), open_records)
    run = None
    feeding = not dry_run and index_feed is not None and index_feed.start(session, _activity_changes(plan))
    if not dry_run:
        run = load.record_run(session, report.source, report.file, report.format, full_import, now)
        tx.run_id = run.id
        written_names = load.upsert_organisations(tx, plan)
        written = None
        if feeding:
            names = {i: h.name for i, h in held.organisations.items()} | written_names
            written = lambda rows: index_feed.send_rows(rows, names)  # noqa: E731
        load.upsert_activities(tx, plan, written)
        load.save_rejections(session, run.id, rejections)
        tx.link_duplicates(links)
    report.closed = [{"id": i, "name": held.activities[i].name} for i in plan.deleted]
    if full_import:
        _close_missing(None if dry_run else tx, report, state, protected)
    _fill_report(report, state, plan, entries, links)
    if feeding:
        index_feed.send(session, report.changed_ids)  # the rest: updated, re-checked and closed records
    if run is not None:
        load.finish_run(session, run, report.profile, report.counts, now)
        report.run_id = run.id


def _cross_source_links(session: Session, source: str, drafts: list[ActivityDraft]) -> list[tuple[str, str, str]]:
    """Likely duplicates between this source's records (as this run leaves them) and other sources'.

    All the source's open records take part, not only this run's changed rows, so a link is found
    whichever source is read first, and again after a re-import of either.
    """
    others = load.match_records(session, source, own=False)
    if not others:
        return []
    ours = {r.id: r for r in load.match_records(session, source, own=True)}
    for draft in drafts:
        ours.pop(draft.id, None)
        if draft.status != "closed":
            ours[draft.id] = draft
    return likely_duplicates(ours.values(), others)


def _activity_changes(plan: load.Plan) -> int:
    changed = plan.new + plan.changed + plan.rechecked + plan.refreshed
    return sum(isinstance(d, ActivityDraft) for d in changed) + len(plan.deleted)


def _missing(state: _RunState, protected: set[str]) -> list[str] | None:
    """Ids of held open records the input no longer has (a rejected row with an id protects its record);
    None when no activity was accepted, so nothing is closed."""
    if not state.unchanged and not any(isinstance(d, ActivityDraft) and not d.deleted for d in state.kept):
        return None
    seen = {d.id for d in state.kept} | {d.draft.id for d in state.dropped} | {u.id for u in state.unchanged} | protected
    return [h.id for h in state.held.activities.values() if h.status != "closed" and h.id not in seen]


def _close_missing(tx: changes.Transaction | None, report: IngestReport, state: _RunState, protected: set[str]) -> None:
    """Close held records the input no longer has."""
    missing = _missing(state, protected)
    if missing is None:
        if state.held.activities:
            report.notes.append("no activities were accepted, so none of this source's records were closed")
        return
    report.closed += load.close_missing(tx, state.held.activities, set(state.held.activities) - set(missing))


def _rejected_id(rejection: Rejection, source: str) -> str:
    return stable_id("activity", source, record_key(rejection.source_id, "", None))


def _as_rejection(duplicate: Duplicate) -> Rejection:
    draft = duplicate.draft
    problem = duplicate_problem(duplicate)
    return Rejection(draft.file, draft.line, "id", duplicate.reason, problem.expected, draft.raw, draft.source_id)


def _fill_report(report: IngestReport, state: _RunState, plan: load.Plan, entries: list[Entry], links) -> None:
    dropped = {id(d.draft): d for d in state.dropped}
    ids_by_line = {raw.line: getattr(c, "id", None) for raw, c in entries}
    for raw, cleaned in entries:
        report.rows.append(row_result(raw, cleaned, plan.outcomes, dropped, state.superseded, ids_by_line))
        report.problems += row_problems(raw, cleaned, dropped, state.superseded)
    if report.table_roles:
        report.fold_expanded()
    report.duplicates = [{"id": a, "other_id": b, "reason": r} for a, b, r in links]
    orgs = [d for d in state.kept if isinstance(d, OrganisationDraft)]
    report.duplicates += [{"id": a, "other_id": b, "reason": r} for a, b, r in organisation_duplicates(orgs, state.held.known)]
    added = sum(1 for o in state.created_orgs if plan.outcomes.get(o.id) in ("accepted", "flagged"))
    report.organisations = {"added from activity rows": added} if added else {}
    changed = plan.new + plan.changed + plan.rechecked + plan.refreshed
    report.changed_ids = [d.id for d in changed if isinstance(d, ActivityDraft)]
    report.changed_ids += plan.deleted + [c["id"] for c in report.closed if c["id"] not in plan.deleted]


def ingest_file(settings: Settings, sessions: sessionmaker, path: str | Path, **options) -> IngestReport:
    """``run_ingest`` through the one write path: its own transaction, then the search index catches up.

    A big change is indexed by a second process while the transaction runs and committed after it;
    if that writer fails, the index is updated the ordinary way after the commit. Only one ingest of
    a source runs at a time (``running.one_ingest_per_source``: a second waits, then refuses).
    """
    from assetmap.ingest.running import Stopped, one_ingest_per_source
    from assetmap.search import IndexFeed

    source = options.pop("source", None) or default_source(path)
    tx = None
    with one_ingest_per_source(sessions.kw["bind"].engine, source, settings.ingest_wait_s):
        try:
            with changes.writing(settings, sessions, changes.source_actor(source), feed=IndexFeed(settings)) as tx:
                report = run_ingest(path, tx.session, settings, source=source, tx=tx, index_feed=tx.feed, **options)
                if report.dry_run:
                    tx.changed_ids.clear()
        except Stopped as stop:   # Ctrl-C or SIGTERM (ingest.running): say whether it came after the commit
            stop.committed = tx is not None and tx.committed
            raise
    report.notes += tx.notes
    if tx.changed_ids:
        report.timings["index"] = tx.index_seconds
    return report
