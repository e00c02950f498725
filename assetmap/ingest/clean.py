"""Pure: one RawRow → an ActivityDraft, an OrganisationDraft or a Rejection.

A row is rejected only when it cannot be a record at all (no name). Everything else that is wrong
(a bad email, a ``javascript:`` link, an impossible date, a malformed postcode) drops the bad
value, keeps the row, and records a Problem whose reason code becomes a flag and a report line.
Ids are stable: UUIDv5 of the source and the source's own id, or of the normalised name and
postcode when the source has no ids, so re-reading a file finds the same records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping
from typing import Any

from assetmap import geo, taxonomy
from assetmap.freshness import method_of
from assetmap.ingest import cells, feeds, headers, values
from assetmap.ingest.records import ORGANISATION, ActivityDraft, Cleaned, OrganisationDraft, Problem, RawRow, Rejection
from assetmap.schedule import ParsedSchedule, from_day_columns, parse_schedule

ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://assetmap.example/ids")
AUDIENCE_SLUGS = {"young-people", "older-people", "carers", "parents-families", "disability"}
LEGAL_SUFFIX_RE = re.compile(r"\b(?:ltd|limited|cic|cio|inc|plc|llp|incorporated)$")


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """A name for matching: case, punctuation, "&", a leading "The" and legal suffixes ignored.

    >>> normalise_name("The Sale Walking Group Ltd.")
    'sale walking group'
    """
    text = taxonomy.normalise_term(name)
    text = re.sub(r"^the\s+", "", text)
    return LEGAL_SUFFIX_RE.sub("", text).strip()


def stable_id(kind: str, source: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}|{source}|{key}"))


def record_key(source_id: str | None, name: str, postcode: str | None, place: str | None = None) -> str:
    """What identifies a record within its source: its id, else its name and where it is."""
    if source_id:
        return f"id:{source_id}"
    return f"name:{normalise_name(name)}|{postcode or taxonomy.normalise_term(place or '')}"


def clean_row(raw: RawRow, today: dt.date, source: str = "", limits: cells.CellLimits = cells.CELL_LIMITS) -> Cleaned:
    """The record a row describes, or why it cannot be one."""
    raw, problems = _safe_cells(raw, limits)
    try:
        fields, extra, labels = _fields_of(raw)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        return _misshapen(raw, exc)
    unread = [field for field, header in labels.items() if header in raw.unread]
    if "name" in unread:
        return Rejection(raw.file, raw.line, labels["name"], "formula_without_value", FORMULA_EXPECTED, raw.record)
    problems += [Problem(labels[f], "formula_without_value", "", FORMULA_EXPECTED) for f in unread]
    clean = clean_organisation if raw.kind == ORGANISATION else clean_activity
    cleaned = clean(fields, extra, labels, raw, today, source)
    if problems and not isinstance(cleaned, Rejection):
        cleaned.problems[:0] = problems
    return cleaned


def _misshapen(raw: RawRow, exc: Exception) -> Rejection:
    """A feed record whose parts are not the types its standard says (text where an object belongs…):
    rejected with the reason, the rest of the feed read on."""
    standard = {"openactive": "an OpenActive item"}.get(raw.profile, "an Open Referral record" if raw.profile.startswith("oruk") else "a record")
    return Rejection(raw.file, raw.line, "record", "misshapen", f"is not shaped as {standard} should be ({type(exc).__name__}: {exc})", raw.record)


FORMULA_EXPECTED = "is a formula with no saved value: open the file in Excel and save it, so its values are stored"


def _safe_cells(raw: RawRow, limits: cells.CellLimits) -> tuple[RawRow, list[Problem]]:
    """Cells any backend can store: control characters removed, over-long words and cells cut, each flagged."""
    record, found = cells.clean_cells(raw.record, limits)
    if not found:
        return raw, []
    return dataclasses.replace(raw, record=record), [Problem(f, reason, v, limits.expected(reason)) for f, reason, v in found]


def _fields_of(raw: RawRow) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Flat fields, unknown columns, and field → the column name the source used (for messages)."""
    if raw.profile.startswith("oruk"):
        fields, extra = feeds.oruk_fields(raw.record)
        return fields, extra, {}
    if raw.profile == "openactive":
        fields, extra = feeds.openactive_fields(raw.record)
        return fields, extra, {}
    mapping = headers.map_headers(raw.record)
    fields, extra = headers.split_record(raw.record, mapping)
    if raw.profile == "charity":
        fields = {k: (None if v == "NA" else v) for k, v in fields.items()}
        extra = {k: v for k, v in extra.items() if v != "NA"}
    labels = {field: header for header, field in mapping.items() if field}
    return fields, extra, labels


def _label(labels: Mapping[str, str], field: str) -> str:
    return labels.get(field, field)


def _name(fields: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The record's name and the organisations named; a sheet of groups names only the group."""
    organisations = [values.plain(o) for o in re.split(r"\s*;\s*", values.plain(fields.get("organisation")))] if fields.get("organisation") else []
    organisations = [o for o in organisations if o and not values.is_placeholder(o)]
    name = values.plain(fields.get("name"))
    if values.is_placeholder(name):
        name = ""
    return name or (organisations[0] if organisations else ""), organisations


def clean_activity(fields: dict[str, Any], extra: dict[str, Any], labels: Mapping[str, str], raw: RawRow,
                   today: dt.date, source: str) -> ActivityDraft | Rejection:
    name, organisations = _name(fields)
    source_id = values.identifier(fields.get("source_id"))
    if fields.get("deleted"):
        draft = ActivityDraft(raw.file, raw.line, name, source=source, source_id=source_id, deleted=True, raw=raw.record)
        draft.id = stable_id("activity", source, record_key(source_id, name, None))
        return draft
    if not name:
        return Rejection(raw.file, raw.line, _label(labels, "name"), "missing_name", "has no name: a record needs one", raw.record, source_id)
    draft = ActivityDraft(raw.file, raw.line, name[:500], source=source, source_id=source_id, raw=raw.record, extra=dict(extra))
    draft.organisation_names = organisations
    notes_left = _merge_timing_notes(fields)
    for step in (_set_text, _set_contact, _set_tags, _set_schedule, _set_terms, _set_flags, _set_place, _set_verification):
        step(draft, fields, labels, today)
    if notes_left:
        draft.schedule_text = _joined(draft.schedule_text, notes_left)
    place = draft.address or draft.venue or draft.extra.get("place_as_given")
    draft.id = stable_id("activity", source, record_key(source_id, name, draft.postcode, place))
    _set_organisation(draft, fields, today, source)
    return draft


def _set_text(draft: ActivityDraft, fields, labels, today) -> None:
    draft.description, unsafe = values.rich_text(fields.get("description") or "")
    if unsafe:
        draft.problems.append(Problem(_label(labels, "description"), "unsafe_url", unsafe[0][:80], "link is not a safe web address (removed)"))
    draft.venue = values.plain(fields.get("venue")) or None
    draft.address = values.plain(fields.get("address")) or None
    if values.is_placeholder(draft.venue):
        draft.venue = None


def _set_contact(draft, fields, labels, today) -> None:
    """Email, phone, website and contact name; a "Contact" cell holding an email or number is read as one."""
    contact = values.plain(fields.get("contact"))
    email_value, phone_value = fields.get("email"), fields.get("phone")
    if contact and not values.is_placeholder(contact):
        if "@" in contact and values.is_blank(email_value):
            email_value = contact
        elif re.fullmatch(r"[\d\s()+-]{9,}", contact) and values.is_blank(phone_value):
            phone_value = contact
        else:
            draft.contact_name = contact[:300]
    _set_email(draft, email_value, _label(labels, "email"))
    draft.phone = values.clean_phone(phone_value)
    draft.website = _checked_url(draft, fields.get("website"), _label(labels, "website"))


def _set_email(draft, value, label: str) -> None:
    email, others, reason = values.clean_email(value)
    draft.email = email
    if others:
        draft.extra["other_emails"] = others
    if reason:
        draft.extra["email_as_given"] = values.plain(value)
        draft.problems.append(Problem(label, reason, values.plain(value)[:80], "is not a valid email address"))


def _checked_url(draft, value, label: str) -> str | None:
    url, reason = values.clean_url(value)
    if reason == "unsafe_url":
        draft.problems.append(Problem(label, reason, values.plain(value)[:80], "is not a safe web address (javascript: and data: links are refused)"))
    elif reason:
        draft.problems.append(Problem(label, reason, values.plain(value)[:80], "is not a web address"))
    return url


def _set_tags(draft: ActivityDraft, fields, labels, today) -> None:
    """Categories through the taxonomy map (else guessed from the name and description), audience with
    age bands, accessibility tidied, delivery from "Format" words."""
    given = values.split_values(fields.get("category")) or _implied_categories(labels)
    slugs, unmapped = categories_of(given)
    audience, ages = _audience_and_ages(fields)
    draft.audience = list(audience)
    if ages:
        draft.extra["ages"] = [list(r) for r in ages]
    audience_slugs = [s for tag in draft.audience for s in taxonomy.slugs_for(tag) if s in AUDIENCE_SLUGS]
    if not slugs:
        slugs = list(taxonomy.infer_slugs(draft.name) or taxonomy.infer_slugs(f"{draft.name}. {draft.description}"))
    draft.categories = list(dict.fromkeys(slugs + audience_slugs)) or (["other"] if unmapped else [])
    if unmapped:
        draft.extra["unmapped_categories"] = unmapped
    draft.accessibility = values.tidy_tags(values.split_values(fields.get("accessibility")))
    delivery = fields.get("delivery")
    draft.delivery = values.delivery_of(delivery) if not values.is_blank(delivery) else []
    draft.service_area = [c.upper() for c in values.split_values(fields.get("service_area")) if feeds.GSS_RE.fullmatch(c.upper())]
    area_text = [v for v in values.split_values(fields.get("service_area")) if not feeds.GSS_RE.fullmatch(v.upper())]
    if area_text:
        draft.extra["service_area_text"] = area_text


def _implied_categories(labels: Mapping[str, str]) -> list[str]:
    """"Pharmacy" for a layer whose name column is "pharmacy_name"."""
    implied = headers.implied_category(labels["name"]) if "name" in labels else None
    return [implied] if implied else []


def _audience_and_ages(fields: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[int, int | None], ...]]:
    """Audience tags, with the age bands of the ages given ("18-65", "Ages 60+", "Min age"/"Max age" columns)
    added after them, and the ranges read as ``(youngest, oldest)``."""
    cell, age_min, age_max = fields.get("audience"), fields.get("age_min"), fields.get("age_max")
    if age_min is None and age_max is None and (cell is None or cell.__class__ is str):
        return _audience_of_text(cell or "")
    return _audience_of(tuple(values.split_values(cell)), _scalar(age_min), _scalar(age_max))


@functools.lru_cache(maxsize=4096)
def _audience_of_text(cell: str) -> tuple[tuple[str, ...], tuple[tuple[int, int | None], ...]]:
    return _audience_of(tuple(values.split_values(cell)), None, None)


def _scalar(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else values.plain(value)


@functools.lru_cache(maxsize=4096)
def _audience_of(given: tuple[str, ...], age_min: Any, age_max: Any) -> tuple[tuple[str, ...], tuple[tuple[int, int | None], ...]]:
    ranges = [found for found in map(values.age_range_of, given) if found]
    youngest, oldest = values.age_of(age_min), values.age_of(age_max)
    if youngest is not None or oldest is not None:
        low = youngest or 0
        ranges.append((min(low, oldest), max(low, oldest)) if oldest is not None else (low, None))
    bands = [band for low, high in ranges for band in taxonomy.age_bands(low, high)]
    return tuple(values.tidy_tags([*given, *bands])), tuple(ranges)


def categories_of(given: list[str]) -> tuple[list[str], list[str]]:
    """Slugs for the categories a source gave, and the ones the map does not know."""
    slugs, unmapped = [], []
    for value in given:
        found = taxonomy.slugs_for(value)
        slugs.extend(found)
        if not found:
            unmapped.append(value)
    return list(dict.fromkeys(slugs)), unmapped


def _set_schedule(draft: ActivityDraft, fields, labels, today) -> None:
    parsed: ParsedSchedule | None = fields.get("schedule_parsed")
    text = values.plain(fields.get("schedule"))
    day_columns = {k[-3:]: v for k, v in fields.items() if k.startswith("schedule_") and k != "schedule_parsed" and not values.is_blank(v)}
    if parsed is None and day_columns:
        parsed = from_day_columns(day_columns)
        text = text or "; ".join(f"{k.capitalize()} {values.plain(v)}" for k, v in day_columns.items())
    if parsed is None:
        parsed = parse_schedule(text if not values.is_placeholder(text) else "", today)   # today places a date with no year
    draft.schedule_text = text
    draft.schedule = parsed.tokens
    if parsed.detail:
        draft.extra["schedule"] = parsed.detail


def _set_terms(draft: ActivityDraft, fields, labels, today) -> None:
    """Cost, status and capacity from the words used."""
    draft.cost_text = values.plain(fields.get("cost"))
    free = fields.get("is_free")
    if len(draft.cost_text) <= 5 and draft.cost_text[:1].isalpha():  # a cost column answered yes or no: is there a cost?
        answer, rest = values.yes_no(draft.cost_text)
        if answer is not None and not rest:
            draft.cost_text, free = "", not answer
    draft.is_free = free if isinstance(free, bool) else values.is_free_of(draft.cost_text)
    status_text = values.plain(fields.get("status"))
    draft.status = values.status_of(status_text) or "active"
    if status_text and values.status_of(status_text) is None:
        draft.extra["status_as_given"] = status_text
    draft.capacity = values.capacity_of(fields.get("capacity"))
    if draft.status == "active" and re.search(r"\bsuspended\b", f"{draft.description} {draft.extra.get('alert', '')}", re.I):
        draft.problems.append(Problem("description", "says_suspended", "", "says the activity is suspended, but its status is active"))


def _set_flags(draft: ActivityDraft, fields, labels, today) -> None:
    """Yes/no columns ("Free", "Referral only", "Step-free", "Online") into the fields they speak for."""
    for field in headers.FLAG_FIELDS.keys() & fields.keys():
        if not values.is_blank(fields[field]):
            _apply_flag(draft, headers.FLAG_FIELDS[field], fields[field])


def _apply_flag(draft: ActivityDraft, flag: tuple, value: Any) -> None:
    """A yes or a no sets what the flag says; other words are read as the target field reads them."""
    _, target, if_yes, if_no = flag
    answer, rest = values.yes_no(value)
    setting = None if answer is None else if_yes if answer else if_no
    if target == "is_free":
        draft.cost_text = draft.cost_text or rest
        draft.is_free = setting if setting is not None else draft.is_free if draft.is_free is not None else values.is_free_of(rest)
    elif target == "capacity":
        found = setting if answer is not None else values.capacity_of(rest)
        if found and (found == "referral_needed" or draft.capacity is None):
            draft.capacity = found
    elif target == "delivery":
        added = [setting] if setting else values.delivery_of(rest) if answer is None else []
        draft.delivery = list(dict.fromkeys(draft.delivery + added))
    else:  # audience, accessibility: a tag
        added = [setting] if setting else values.split_values(rest) if answer is None else []
        setattr(draft, target, values.tidy_tags(getattr(draft, target) + added))


def _merge_timing_notes(fields: dict[str, Any]) -> str:
    """Timing notes ("Term time only", "Please book by Monday") are shown after the schedule text and
    not read for days, unless they are the only times given; returns the notes still to append."""
    notes = values.plain(fields.get("timing_notes"))
    if not notes or values.is_placeholder(notes):
        return ""
    text = values.plain(fields.get("schedule"))
    if (text and not values.is_placeholder(text)) or any(k.startswith("schedule_") and k != "schedule_parsed" and not values.is_blank(v)
                                                          for k, v in fields.items()):
        return notes
    fields["schedule"] = notes
    return ""


def _joined(text: str, notes: str) -> str:
    return f"{text.rstrip(' .;,')}. {notes}" if text else notes


def _remote_places(draft: ActivityDraft) -> None:
    """"Online", "By phone", "Zoom" given as the venue or address: a delivery mode, not a place."""
    venue, address = draft.venue, draft.address
    if not ((venue and values.remote_modes(venue)) or (address and values.remote_modes(address))):
        return
    for field, value in (("venue", venue), ("address", address)):
        found = values.remote_modes(value) if value else ()
        if found:
            draft.extra.setdefault("place_as_given", value)
            setattr(draft, field, None)
            draft.delivery = list(dict.fromkeys(draft.delivery + list(found)))


def _set_place(draft: ActivityDraft, fields, labels, today) -> None:
    """Postcode checked for form (whether it exists is ``locate``'s job); coordinates read as numbers."""
    _remote_places(draft)
    text = values.plain(fields.get("postcode"))
    if text and not values.is_placeholder(text):
        draft.postcode = geo.normalise_postcode(text)
        if draft.postcode is None and values.remote_modes(text):  # "Online" in the postcode column
            draft.delivery = list(dict.fromkeys(draft.delivery + list(values.remote_modes(text))))
        elif draft.postcode is None:
            draft.problems.append(Problem(_label(labels, "postcode"), "invalid_postcode", text[:40], "is not a valid UK postcode"))
    draft.given_lat, draft.given_lon = _number(fields.get("lat")), _number(fields.get("lon"))
    _check_coordinates(draft, fields, labels)
    if not draft.delivery and (draft.postcode or draft.address or draft.venue or draft.given_lat is not None):
        draft.delivery = ["in_person"]
    elif not draft.delivery:  # no place given: "Befriending phone calls", "Online wellbeing circle"
        draft.delivery = [m for m in values.delivery_of(draft.name) if m != "in_person"]


def _check_coordinates(draft: ActivityDraft, fields, labels) -> None:
    """Coordinates given but not numbers, or a GeoJSON geometry that is no usable point, are flagged (never silently dropped)."""
    for field in ("lat", "lon"):
        value = fields.get(field)
        if getattr(draft, f"given_{field}") is None and values.plain(value) and not values.is_placeholder(values.plain(value)):
            text = values.plain(value)[:40]
            draft.problems.append(Problem(_label(labels, field), "invalid_coordinates", text, "is not a number; not placed from it"))
    geometry = draft.raw.get("geometry_type") if isinstance(draft.raw, Mapping) else None
    if geometry:
        draft.problems.append(Problem("geometry", "invalid_coordinates", str(geometry)[:60], "is not a usable point; not placed from it"))


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(values.plain(value)) if values.plain(value) else None
    except ValueError:
        return None


def _set_verification(draft: ActivityDraft, fields, labels, today) -> None:
    """The source's word on when the record was last right, labelled as the source's assertion.

    A check date (Date checked, assured_date) is ``source_assured``, with who checked when given; a
    sheet with only an update date (Last updated, last_modified) counts that as ``source_updated``.
    """
    checked, why = values.parse_date(fields.get("last_verified"), today)
    if why:
        draft.problems.append(Problem(_label(labels, "last_verified"), "invalid_date", values.plain(fields.get("last_verified"))[:40], why))
    updated, why = values.parse_date(fields.get("last_modified"), today)
    if why:
        draft.problems.append(Problem(_label(labels, "last_modified"), "invalid_date", values.plain(fields.get("last_modified"))[:40], why))
    if updated:
        draft.extra["source_last_modified"] = updated.isoformat()
    if checked:
        draft.last_verified, draft.verified_how = values.as_utc(checked), method_of(values.plain(fields.get("verified_how"))) or "source_assured"
        draft.verified_by = values.plain(fields.get("verified_by"))[:200] or None
    elif updated:
        draft.last_verified, draft.verified_how = values.as_utc(updated), "source_updated"
    draft.charity_number = values.identifier(fields.get("charity_number"))


def _set_organisation(draft: ActivityDraft, fields, today, source: str) -> None:
    record = fields.get("organisation_record")
    if isinstance(record, Mapping) and record.get("name"):
        org_fields = feeds.oruk_organisation_fields(record)
        org = clean_organisation(org_fields, {}, {}, RawRow(draft.file, draft.line, dict(record), ORGANISATION), today, source)
        draft.organisation = org if isinstance(org, OrganisationDraft) else None


def clean_organisation(fields: dict[str, Any], extra: dict[str, Any], labels: Mapping[str, str], raw: RawRow,
                       today: dt.date, source: str) -> OrganisationDraft | Rejection:
    """An organisation row (the Charity Commission register, an ORUK organisation)."""
    name, organisations = _name(fields)
    source_id = values.identifier(fields.get("source_id"))
    if not name:
        return Rejection(raw.file, raw.line, _label(labels, "name"), "missing_name", "has no name: a record needs one", raw.record, source_id)
    org = OrganisationDraft(raw.file, raw.line, name[:500], source=source, source_id=source_id, raw=raw.record, extra=dict(extra))
    org.description, _ = values.rich_text(fields.get("description") or "")
    org.charity_number = values.identifier(fields.get("charity_number"))
    org.company_number = values.identifier(fields.get("company_number"))
    org.phone = values.clean_phone(fields.get("phone"))
    _set_email(org, fields.get("email"), _label(labels, "email"))
    org.website = _checked_url(org, fields.get("website"), _label(labels, "website"))
    _set_org_place(org, fields, labels)
    key = f"id:{source_id}" if source_id else f"charity:{org.charity_number}" if org.charity_number else f"name:{normalise_name(name)}"
    org.source_id = source_id or org.charity_number
    org.id = stable_id("organisation", source, key)
    return org


def _set_org_place(org: OrganisationDraft, fields, labels) -> None:
    address, text = values.plain(fields.get("address")), values.plain(fields.get("postcode"))
    if address:
        org.extra["address"] = address
    if text:
        postcode = geo.normalise_postcode(text)
        org.extra["postcode"] = postcode or text
        if postcode is None:
            org.problems.append(Problem(_label(labels, "postcode"), "invalid_postcode", text[:40], "is not a valid UK postcode"))
