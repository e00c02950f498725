"""Pure: the same record twice in one run, and probably-the-same records across sources.

Within a run, an exact repeat collapses into the first copy; the same id with different content
keeps the last copy (feeds list a record again after it changes) and reports the earlier one.
Across sources nothing is merged: records with the same normalised name and postcode are linked
for a person to judge.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assetmap.ingest.clean import normalise_name, record_key, stable_id
from assetmap.ingest.records import ActivityDraft, Draft, OrganisationDraft, Problem, Unchanged

ACTIVITY_FIELDS = (
    "name", "description", "categories", "audience", "delivery", "schedule_text", "schedule", "cost_text", "is_free",
    "contact_name", "email", "phone", "website", "accessibility", "status", "capacity", "venue", "address", "postcode",
    "lat", "lon", "precision", "ward_code", "lad_code", "stp_code", "icb_code", "service_area", "source_id",
    "organisation_id", "extra", "deleted",
)
ORGANISATION_FIELDS = ("name", "description", "charity_number", "company_number", "website", "email", "phone", "source_id", "extra")


NO_ROW = "-" * 32   # the row half of the hash of an organisation a sheet only named


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def row_digest(record: Mapping[str, Any], reference: str) -> str:
    """32 hex characters naming a source row exactly, and the reference data it was read against.

    ``reference`` changes when the postcode directory, the boundaries or the category map do, so a
    re-run after such a change cleans and places every row again.
    """
    keys, cells = "\x1f".join(record), "\x1f".join(map(str, record.values()))  # str() of a nested value is deterministic
    return _digest(f"{reference}\x1e{keys}\x1e{cells}")


def fingerprint(draft: Draft) -> str:
    """32 hex characters for everything a record stores from its source (not when or by whom it was checked)."""
    names = ACTIVITY_FIELDS if isinstance(draft, ActivityDraft) else ORGANISATION_FIELDS
    content: dict[str, Any] = {name: getattr(draft, name) for name in names}
    content["flags"] = draft.flags
    return _digest(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")))


def content_hash(row: str, draft: Draft) -> str:
    """``content_hash`` is two halves: the source row (to skip unchanged rows before cleaning) and the
    cleaned content (to tell an edit from a row that only has a new check date)."""
    return row + fingerprint(draft)


def same_content(first: str, second: str) -> bool:
    return first[32:] == second[32:]


@dataclasses.dataclass
class Duplicate:
    """A row not kept because another row of the run is the same record."""

    draft: Draft
    reason: str          # exact_duplicate | conflicting_duplicate
    kept_line: int


def collapse_duplicates(drafts: Sequence[Draft]) -> tuple[list[Draft], list[Duplicate]]:
    """Drafts with one per id, and the rows dropped (exact repeats, or earlier versions of a changed id).

    Rows of a source without ids that share a name and place but differ are different records
    (two sessions at one hall), so they get ids of their own instead of replacing each other.
    """
    kept: dict[str, Draft] = {}
    dropped: list[Duplicate] = []
    for draft in drafts:
        draft.content_hash = draft.content_hash or content_hash(NO_ROW, draft)
        previous = kept.get(draft.id)
        if previous is None:
            kept[draft.id] = draft
        elif same_content(previous.content_hash, draft.content_hash):
            dropped.append(Duplicate(draft, "exact_duplicate", previous.line))
        elif draft.source_id is None:
            _give_own_id(draft, kept)
            kept[draft.id] = draft
        else:
            dropped.append(Duplicate(previous, "conflicting_duplicate", draft.line))
            del kept[draft.id]
            kept[draft.id] = draft
    return list(kept.values()), dropped


def settle_with_unchanged(kept: list[Draft], dropped: list[Duplicate], unchanged: Sequence[Unchanged]) -> tuple[list[Draft], set[int]]:
    """A changed row and a skipped unchanged row with the same id: the later row wins.

    Returns the drafts still kept and the lines of unchanged rows that lost (reported as duplicates).
    """
    by_id = {u.id: u for u in unchanged}
    superseded: set[int] = set()
    still: list[Draft] = []
    for draft in kept:
        earlier = by_id.get(draft.id)
        if earlier is None or draft.line > earlier.line:
            still.append(draft)
            if earlier is not None:
                superseded.add(earlier.line)
        else:
            dropped.append(Duplicate(draft, "conflicting_duplicate", earlier.line))
    return still, superseded


def _give_own_id(draft: Draft, kept: dict[str, Draft]) -> None:
    kind = "activity" if isinstance(draft, ActivityDraft) else "organisation"
    base = record_key(None, draft.name, getattr(draft, "postcode", None), getattr(draft, "address", None) or getattr(draft, "venue", None))
    n = 2
    while (candidate := stable_id(kind, draft.source, f"{base}|{n}")) in kept:
        n += 1
    draft.id = candidate


def duplicate_problem(duplicate: Duplicate) -> Problem:
    if duplicate.reason == "exact_duplicate":
        return Problem("", "exact_duplicate", "", f"repeats row {duplicate.kept_line} exactly (kept once)")
    return Problem("", "conflicting_duplicate", duplicate.draft.source_id or "",
                   f"has the same id as row {duplicate.kept_line}, with different content; row {duplicate.kept_line} was kept")


@dataclasses.dataclass(frozen=True)
class OtherRecord:
    """An activity already held from another source, for likely-duplicate matching."""

    id: str
    source: str
    name: str
    postcode: str | None


def match_key(name: str, postcode: str | None) -> str | None:
    return f"{normalise_name(name)}|{postcode}" if postcode and normalise_name(name) else None


def likely_duplicates(drafts: Iterable[ActivityDraft], others: Iterable[OtherRecord]) -> list[tuple[str, str, str]]:
    """``(activity_id, other_id, reason)`` for records of other sources with the same name and postcode."""
    by_key: dict[str, list[OtherRecord]] = {}
    for other in others:
        key = match_key(other.name, other.postcode)
        if key:
            by_key.setdefault(key, []).append(other)
    links = []
    for draft in drafts:
        for other in by_key.get(match_key(draft.name, draft.postcode) or "", []):
            if other.source != draft.source and other.id != draft.id:
                links.append((draft.id, other.id, "same_name_and_postcode"))
    return links


def organisation_duplicates(orgs: Iterable[OrganisationDraft], known: Iterable[Any]) -> list[tuple[str, str, str]]:
    """``(organisation_id, other_id, reason)``: the same charity number held from another source.

    ``known`` holds records with ``id``, ``charity_number`` and ``source`` (``link.KnownOrganisation``).
    """
    by_number: dict[str, list[tuple[str, str]]] = {}
    for other in known:
        if other.charity_number:
            by_number.setdefault(other.charity_number, []).append((other.id, other.source))
    return [
        (org.id, other_id, "same_charity_number")
        for org in orgs if org.charity_number
        for other_id, source in by_number.get(org.charity_number, [])
        if other_id != org.id and source != org.source
    ]
