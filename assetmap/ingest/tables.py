"""Linked tables: a directory kept as services, locations and organisations tables, joined into activities.

Hand-kept directories name each service's venues and organisations by name, often as lists
("Sale Library; Online"), sometimes misspelt; the Open Referral tabular layout (``services.csv``,
``locations.csv``, ``organizations.csv``, ``service_at_location.csv``, and optionally contacts,
phones, schedules, addresses and taxonomy tables) joins them by id. Either way:

- a table's role is recognised from its columns, helped by its file or sheet name (``table_role``);
- names are joined ignoring case, spacing, punctuation, "&"/"and" and a leading "The"; a list is
  split on ``;``, new lines or ``,``; a near miss ("Stretford Libary") is joined when exactly one
  name is that close, and flagged either way; a name that joins nothing is flagged with its row
  (``names``);
- a service at several venues becomes one activity per venue, its id made from the service and
  the venue (``locations.at_venue_key``), so a re-import finds each; a service at one venue keeps
  the id the single-file path gives it;
- location rows and Open Referral detail rows only feed the join (``Folded``); organisation rows
  become organisations. Every row of every table is one entry, so the report accounts for all.

Pure apart from ``read_linked_tables``, which reads the files through ``readers`` and cleans each
row through ``clean``; locating and loading are the ordinary hops.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assetmap.ingest import bounds, cells, headers, values
from assetmap.ingest.clean import clean_row
from assetmap.ingest.dedupe import row_digest
from assetmap.ingest.locations import Location, Place, expand_service, fields_of, ids_in, location_from_row, places_of, set_postcode
from assetmap.ingest.names import NameIndex, resolve_names, unresolved
from assetmap.ingest.readers import Table, read_tables
from assetmap.ingest.records import ORGANISATION, ActivityDraft, Folded, OrganisationDraft, Problem, RawRow, Rejection, Repeat
from assetmap.ingest.roles import (
    ADDRESSES,
    CONTACTS,
    DETAIL_ROLES,
    LOCATIONS,
    ORGANISATION_REF_COLUMNS,
    ORGANISATIONS,
    PHONES,
    SCHEDULES,
    SERVICE_AT_LOCATION,
    SERVICE_TAXONOMY,
    SERVICES,
    TAXONOMY_TERMS,
    table_role,
)
from assetmap.ingest.sources import current_limits

# --- rows to locations, organisations and services ------------------------------------------------

@dataclasses.dataclass
class _Linked:
    """What the tables other than services hold, indexed for the join."""

    locations: NameIndex = dataclasses.field(default_factory=NameIndex)
    organisations: NameIndex = dataclasses.field(default_factory=NameIndex)
    details: dict[str, dict[str, list[tuple[RawRow, Folded]]]] = dataclasses.field(default_factory=dict)
    location_files: set[str] = dataclasses.field(default_factory=set)
    organisation_files: set[str] = dataclasses.field(default_factory=set)
    oruk: bool = False
    limits: cells.CellLimits = cells.CELL_LIMITS

    def detail(self, role: str, ref: str) -> list[tuple[RawRow, Folded]]:
        return self.details.get(role, {}).get(ref, [])


def _detail_ref(role: str, record: Mapping[str, Any]) -> str:
    """The id a detail row hangs from: its service (or, for an address, its location)."""
    keys = {headers.header_key(k): values.plain(v) for k, v in record.items()}
    if role == ADDRESSES:
        return keys.get("locationid", "")
    if role == TAXONOMY_TERMS:
        return keys.get("id", "")
    return keys.get("serviceid") or keys.get("linkid") or keys.get("organizationid") or keys.get("locationid") or ""


# --- the whole folder ----------------------------------------------------------------------------

Entry = tuple[RawRow, Any]


def read_linked_tables(path: str | Path, source: str, today: dt.date, reference: str = "", timings: dict[str, float] | None = None,
                       notes: list[str] | None = None, limits: cells.CellLimits = cells.CELL_LIMITS) -> tuple[list[Entry], dict[str, str]]:
    """Every row of every table with what became of it, in file order, and each table's role by file.

    A service at several venues gives several entries for its one row (the report folds them into one).
    """
    start = time.perf_counter()
    tables = read_tables(path)
    _check_rows(tables, current_limits())
    read_seconds = time.perf_counter() - start
    entries, roles = join_tables(tables, source, today, reference, notes if notes is not None else [], limits)
    if timings is not None:
        timings["read"] = read_seconds
        timings["clean"] = time.perf_counter() - start - read_seconds
    return entries, roles


def _check_rows(tables: Sequence[Table], limits: bounds.ReadLimits) -> None:
    """All the tables together are held to the row limit one file is."""
    rows = (raw for table in tables for raw in table.rows)
    for _ in bounds.counted(tables[0].file if tables else "", rows, limits):
        pass


def linked_profile(roles: Mapping[str, str]) -> str:
    """What the report says the folder looked like."""
    return "oruk-tabular" if any(role in DETAIL_ROLES for role in roles.values()) else "linked tables"


def join_tables(tables: Sequence[Table], source: str, today: dt.date, reference: str, notes: list[str],
                limits: cells.CellLimits = cells.CELL_LIMITS) -> tuple[list[Entry], dict[str, str]]:
    """Pure: the tables' rows cleaned and joined (see the module docstring)."""
    roles = {t.file: table_role(t.name, t.headers) for t in tables}
    for table in tables:
        if roles[table.file] is None:
            notes.append(f"{table.file}: skipped, its columns name no directory table ({', '.join(table.headers[:6])})")
    kept = [t for t in tables if roles[t.file]]
    if not any(roles[t.file] == SERVICES for t in kept):
        notes.append("no services table found: nothing will be placed on the map")
    outcome: dict[int, list[Any]] = {}
    firsts: dict[str, dict[str, int]] = {}
    rows = [(t, raw) for t in kept for raw in t.rows if _first_time(raw, roles[t.file], outcome, firsts, reference)]
    linked = _Linked(oruk=any(roles[t.file] in DETAIL_ROLES for t in kept), limits=limits)
    by_role = {role: [(t, raw) for t, raw in rows if roles[t.file] == role] for role in {roles[t.file] for t in kept}}
    _read_details(by_role, linked, outcome)
    _read_locations(by_role.get(LOCATIONS, []), linked, outcome)
    _read_organisations(by_role.get(ORGANISATIONS, []), linked, outcome, today, source, reference)
    _read_services(by_role.get(SERVICES, []), linked, outcome, today, source, reference)
    _mark_unused(outcome)
    entries = [(raw, cleaned) for t in kept for raw in t.rows for cleaned in outcome[id(raw)]]
    return entries, {t.file: roles[t.file] for t in kept}


def _first_time(raw: RawRow, role: str | None, outcome: dict[int, list[Any]], firsts: dict[str, dict[str, int]], reference: str) -> bool:
    """Blank rows and exact repeats within a table are settled here; the rest are joined."""
    if all(values.is_blank(v) for v in raw.record.values()):
        outcome[id(raw)] = [None]
        return False
    digest = row_digest(raw.record, f"{reference}|{role}")
    seen = firsts.setdefault(raw.file, {})
    if digest in seen:
        outcome[id(raw)] = [Repeat(raw.file, raw.line, seen[digest])]
        return False
    seen[digest] = raw.line
    return True


def _read_details(by_role, linked: _Linked, outcome) -> None:
    for role in DETAIL_ROLES:
        for _, raw in by_role.get(role, []):
            folded = Folded(raw.file, raw.line, "linked", ["unused"])
            linked.details.setdefault(role, {}).setdefault(_detail_ref(role, raw.record), []).append((raw, folded))
            outcome[id(raw)] = [folded]


def _read_locations(rows, linked: _Linked, outcome) -> None:
    for table, raw in rows:
        location = location_from_row(raw, "postcode")
        if isinstance(location, Rejection):
            outcome[id(raw)] = [location]
            continue
        _add_address(location, linked)
        linked.locations.add(location, location.name, location.source_id)
        linked.location_files.add(table.file)
        linked.locations.label = ", ".join(sorted(Path(f.split("#")[-1]).name for f in linked.location_files))
        outcome[id(raw)] = [location]


def _add_address(location: Location, linked: _Linked) -> None:
    """An Open Referral address row (the physical one first) gives its location an address and postcode."""
    rows = linked.detail(ADDRESSES, location.source_id or "")
    rows = sorted(rows, key=lambda pair: values.plain(pair[0].record.get("address_type")) not in ("", "physical"))
    if not rows:
        return
    raw, folded = rows[0]
    folded.reasons = []
    address = ", ".join(values.plain(raw.record.get(k)) for k in ("address_1", "address_2", "city") if values.plain(raw.record.get(k)))
    location.address = location.address or address or None
    location.record = {**location.record, "address": dict(raw.record)}
    if not location.postcode:
        set_postcode(location, raw.record.get("postal_code"), "postal_code")
        folded.problems, location.problems = location.problems, []
        folded.reasons = [p.reason for p in folded.problems]


def _read_organisations(rows, linked: _Linked, outcome, today, source: str, reference: str) -> None:
    for table, raw in rows:
        as_org = RawRow(raw.file, raw.line, raw.record, ORGANISATION, raw.profile)
        org = clean_row(as_org, today, source, linked.limits)
        if isinstance(org, OrganisationDraft):
            org.content_hash = row_digest(raw.record, f"{reference}|{ORGANISATION}|linked")
            linked.organisations.add(org, org.name, values.identifier(fields_of(raw.record).get("source_id")))
            linked.organisation_files.add(table.file)
            linked.organisations.label = ", ".join(sorted(Path(f.split("#")[-1]).name for f in linked.organisation_files))
        outcome[id(raw)] = [org]


def _read_services(rows, linked: _Linked, outcome, today, source: str, reference: str) -> None:
    sal = _service_locations(linked, outcome)
    for _, raw in rows:
        fields = fields_of(raw.record)
        record_raw = _oruk_service(raw, linked) if linked.oruk else raw
        draft = clean_row(record_raw, today, source, linked.limits)
        if not isinstance(draft, ActivityDraft):
            outcome[id(raw)] = [draft]
            continue
        service_id = values.plain(fields.get("source_id"))
        locations = linked.locations if linked.location_files else None
        places, problems = places_of(raw, fields, locations, sal.get(service_id, []) if service_id else [])
        problems += _link_organisations(draft, raw, fields, linked)
        draft.problems += problems
        drafts = expand_service(draft, places, not values.is_blank(fields.get("delivery")))
        for one, place in zip(drafts, places or [None]):
            one.content_hash = _service_digest(record_raw.record, place, one, reference)
        outcome[id(raw)] = drafts


def _service_locations(linked: _Linked, outcome) -> dict[str, list[Location]]:
    """Open Referral service_at_location rows: service id → its locations (a row naming an unknown id is rejected)."""
    found: dict[str, list[Location]] = {}
    for rows in linked.details.get(SERVICE_AT_LOCATION, {}).values():
        for raw, folded in rows:
            keys = {headers.header_key(k): values.plain(v) for k, v in raw.record.items()}
            location = linked.locations.by_id.get(keys.get("locationid", ""))
            if location is None:
                outcome[id(raw)] = [Rejection(raw.file, raw.line, "location_id", "unresolved_location",
                                              "names no location id in the locations table", raw.record)]
                continue
            found.setdefault(keys.get("serviceid", ""), []).append(location)
            folded.reasons = []
    return found


def _link_organisations(draft: ActivityDraft, raw: RawRow, fields, linked: _Linked) -> list[Problem]:
    """Organisations named by id set the draft's organisation; names become the organisation table's own spelling."""
    problems = []
    for ref in ids_in(raw.record, ORGANISATION_REF_COLUMNS):
        org = linked.organisations.by_id.get(ref)
        if org is None:
            problems.append(Problem("organisation id", "unresolved_organisation", ref, "names no organisation id in the organisations table"))
        elif draft.organisation_id is None:
            draft.organisation_id = org.id
    if not linked.organisation_files or values.is_blank(fields.get("organisation")):
        return problems
    names = []
    for match in resolve_names(fields.get("organisation"), linked.organisations):
        names.append(match.item.name if match.item is not None else match.given)
        if match.how == "near":
            problems.append(Problem("organisation", "near_match_organisation", match.given,
                                    f'joined to the organisation "{match.item.name}" (a near miss: check the name)'))
        elif match.how in ("none", "ambiguous"):
            problems.append(unresolved("organisation", "organisation", match, linked.organisations.label))
    draft.organisation_names = names
    return problems


def _service_digest(record: Mapping[str, Any], place: Place | None, draft: ActivityDraft, reference: str) -> str:
    """The row half of the content hash: the service row, the venue row it is placed at, and the names it was joined to."""
    joined = {**record, "\x1dplace": place.key if place else "", "\x1dorganisations": draft.organisation_names,
              "\x1dorganisation": draft.organisation_id}
    if place and place.location:
        joined["\x1dlocation"] = place.location.record
    return row_digest(joined, f"{reference}|linked")


def _oruk_service(raw: RawRow, linked: _Linked) -> RawRow:
    """An Open Referral services.csv row with its contacts, phones, schedules and taxonomy terms nested, as a feed gives it."""
    record = {k: v for k, v in raw.record.items() if not values.is_blank(v)}
    service_id = values.plain(record.get("id"))
    for role, key in ((CONTACTS, "contacts"), (PHONES, "phones"), (SCHEDULES, "schedules")):
        found = [_used(pair) for pair in linked.detail(role, service_id)]
        if found:
            record[key] = found
    terms = [linked.detail(TAXONOMY_TERMS, _term_id(_used(pair))) for pair in linked.detail(SERVICE_TAXONOMY, service_id)]
    if any(terms):
        record["attributes"] = [{"taxonomy_term": _used(t[0])} for t in terms if t]
    return RawRow(raw.file, raw.line, record, raw.kind, "oruk-3.0")


def _used(pair: tuple[RawRow, Folded]) -> dict[str, Any]:
    raw, folded = pair
    folded.reasons = [r for r in folded.reasons if r != "unused"]
    return {k: v for k, v in raw.record.items() if not values.is_blank(v)}


def _term_id(record: Mapping[str, Any]) -> str:
    return values.plain(record.get("taxonomy_term_id") or record.get("taxonomy_id"))


def _mark_unused(outcome: dict[int, list[Any]]) -> None:
    """Locations become report rows: ``location``, with ``unused`` when no service named them, and their own problems."""
    for key, results in outcome.items():
        if results and isinstance(results[0], Location):
            location = results[0]
            reasons = [p.reason for p in location.problems] + ([] if location.used else ["unused"])
            outcome[key] = [Folded(location.file, location.line, "location", reasons, location.problems)]
