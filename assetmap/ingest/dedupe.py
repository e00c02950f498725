"""Pure: the same record twice in one run, and probably-the-same records across sources.

Within a run, an exact repeat collapses into the first copy; the same id with different content
keeps the last copy (feeds list a record again after it changes) and reports the earlier one.
Across sources nothing is merged: records that are probably the same activity (close names, and a
shared place, charity number or day; see ``score_pair``) are linked, both records kept, and search
shows a linked group once. A person can reject a link; a rejected link is never made again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rapidfuzz import fuzz

from assetmap import geo
from assetmap.ingest.clean import normalise_name, record_key, stable_id
from assetmap.ingest.records import ActivityDraft, Draft, OrganisationDraft, Problem, Unchanged
from assetmap.schedule import days_of_token

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
    """An activity as the cross-source matcher sees it: a draft of this run, or a record held.

    ``days`` are the schedule's days ("tue", "thu"); ``charity_number`` is its organisation's.
    """

    id: str
    source: str
    name: str
    postcode: str | None
    lat: float | None = None
    lon: float | None = None
    venue: str | None = None
    days: tuple[str, ...] = ()
    charity_number: str | None = None
    address: str | None = None


def match_record(draft: ActivityDraft) -> OtherRecord:
    """A draft as the matcher sees it (its organisation's charity number, if the feed nested one)."""
    number = draft.charity_number or (draft.organisation.charity_number if draft.organisation else None)
    return OtherRecord(draft.id, draft.source, draft.name, draft.postcode, draft.lat, draft.lon, draft.venue,
                       schedule_days(draft.schedule), number, draft.address)


def schedule_days(tokens: Iterable[str] | None) -> tuple[str, ...]:
    """The days of a schedule's tokens ("tue morning" → "tue"), once each."""
    return tuple(dict.fromkeys(day for token in tokens or () for day in days_of_token(token)))


# -- scoring -------------------------------------------------------------------------------------
# Points for each piece of evidence; a pair is linked at LINK_AT points or more, and only when the
# names are at least close (two different groups at one community centre share everything else).
LINK_AT = 6
NAME_POINTS = ((95, 4, "same_name"), (85, 3, "similar_name"), (75, 2, "close_name"))   # (similarity ≥, points, reason)
PLACE_POINTS = 2        # same postcode, within NEAR_M, or the same venue (normalised) in the same district
FAR_POINTS = -5         # both placed and further apart than FAR_M: not the same session
CHARITY_POINTS, OTHER_CHARITY_POINTS = 2, -3
SAME_DAY_POINTS, OTHER_DAYS_POINTS = 1, -3
NEAR_M, FAR_M = 150, 1500
FILLER = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with"})
GENERIC = frozenset({"group", "groups", "club", "class", "classes", "session", "sessions", "meeting", "meet", "weekly",
                     "project", "service", "services", "drop", "community"})


@functools.lru_cache(maxsize=100_000)
def name_words(name: str) -> str:
    """A name for comparing: normalised, without filler words ("Carers' coffee morning" ~ "Coffee morning for carers")."""
    return " ".join(w for w in normalise_name(name).split() if w not in FILLER)


@functools.lru_cache(maxsize=100_000)
def place_words(name: str, venue: str | None = None, address: str | None = None) -> frozenset[str]:
    """Words saying where a record is: its venue and address, a bracketed part of its name, what follows "at"."""
    lowered = name.lower()
    qualifiers = re.findall(r"\(([^)]*)\)", lowered) + re.findall(r"\bat\b(.*)$", lowered)
    return frozenset(w for text in (venue, address, *qualifiers) if text for w in normalise_name(text).split())


def name_similarity(first: str, second: str, first_place: frozenset[str] = frozenset(), second_place: frozenset[str] = frozenset()) -> float:
    """0–100 with word order ignored. Words one name adds that only say where ("(Worthington Park)",
    "at St Mary's", a word of its own venue or address) or what sort of thing ("group", "class") are
    left out, when the names share a word saying what the activity is; other added words count
    ("Allied Pharmacy Davyhulme Medical Centre" is not "Davyhulme Medical Centre").

    >>> name_similarity("Sale Walking Group", "Walking Group – Sale (Worthington Park)")
    100.0
    >>> name_similarity("Book club", "Boxing club") < 75
    True
    """
    a, b = name_words(first).split(), name_words(second).split()
    if not a or not b:
        return 0.0
    plain = fuzz.token_sort_ratio(" ".join(a), " ".join(b))
    shared = set(a) & set(b)
    if plain >= 95 or not shared - GENERIC:
        return float(plain)
    first_place, second_place = first_place | place_words(first), second_place | place_words(second)
    a_core = [w for w in a if w in shared or w not in GENERIC | first_place]
    b_core = [w for w in b if w in shared or w not in GENERIC | second_place]
    return float(max(plain, fuzz.token_sort_ratio(" ".join(a_core), " ".join(b_core))))


def _name_evidence(a: OtherRecord, b: OtherRecord) -> tuple[int, str] | None:
    similarity = name_similarity(a.name, b.name, place_words(a.name, a.venue, a.address), place_words(b.name, b.venue, b.address))
    return next(((points, reason) for floor, points, reason in NAME_POINTS if similarity >= floor), None)


def _metres(a: OtherRecord, b: OtherRecord) -> float | None:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    return geo.distance_m(a.lat, a.lon, b.lat, b.lon)


@functools.lru_cache(maxsize=100_000)
def _venue_key_of(venue: str | None, postcode: str | None) -> str | None:
    name = normalise_name(venue or "")
    return f"{geo.outward_code(postcode)}|{name}" if name and postcode else None


def _venue_key(record: OtherRecord) -> str | None:
    return _venue_key_of(record.venue, record.postcode)


def _place_evidence(a: OtherRecord, b: OtherRecord) -> tuple[int, str] | None:
    if a.postcode and a.postcode == b.postcode:
        return PLACE_POINTS, "same_postcode"
    metres = _metres(a, b)
    if metres is not None and metres <= NEAR_M:
        return PLACE_POINTS, f"within_{NEAR_M}m"
    if _venue_key(a) and _venue_key(a) == _venue_key(b):
        return PLACE_POINTS, "same_venue"
    if metres is not None and metres > FAR_M:
        return FAR_POINTS, "far_apart"
    return None


def _charity_evidence(a: OtherRecord, b: OtherRecord) -> tuple[int, str] | None:
    if not a.charity_number or not b.charity_number:
        return None
    return (CHARITY_POINTS, "same_charity") if a.charity_number == b.charity_number else (OTHER_CHARITY_POINTS, "other_charity")


def _schedule_evidence(a: OtherRecord, b: OtherRecord) -> tuple[int, str] | None:
    if not a.days or not b.days:
        return None
    return (SAME_DAY_POINTS, "same_day") if set(a.days) & set(b.days) else (OTHER_DAYS_POINTS, "other_days")


def score_pair(a: OtherRecord, b: OtherRecord) -> tuple[int, list[str]]:
    """Points and the evidence for two records being one activity; 0 and no evidence when the names differ.

    Names must be close; then a shared place, charity number and day add points, and a far-apart
    place, another charity or other days take them away. ``LINK_AT`` points or more is a likely duplicate.
    """
    name = _name_evidence(a, b)
    if name is None:
        return 0, []
    found = [name] + [e for e in (_place_evidence(a, b), _charity_evidence(a, b), _schedule_evidence(a, b)) if e]
    return sum(points for points, _ in found), [reason for _, reason in found]


def link_reason(points: int, reasons: Sequence[str]) -> str:
    """``DuplicateLink.reason``: the evidence and the score, e.g. "same_name, same_postcode, same_day (7)"."""
    return f"{', '.join(reasons)} ({points})"[:100]


# -- blocking ------------------------------------------------------------------------------------
CELL_LAT, CELL_LON = 0.0025, 0.004   # about 280 m each way in England: pairs within NEAR_M are in neighbouring cells
MAX_BLOCK = 2_000                    # a block bigger than this (a very common name with no place) is not compared


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_LAT)), int(math.floor(lon / CELL_LON))


@functools.lru_cache(maxsize=100_000)
def _telling_words(name: str) -> tuple[str, ...]:
    """The name's words that say what the activity is (all of them when every word is generic)."""
    words = name_words(name).split()
    return tuple(dict.fromkeys(w for w in words if w not in GENERIC) or words)


def _places(record: OtherRecord) -> list[tuple]:
    places: list[tuple] = []
    if record.postcode:
        places.append(("postcode", record.postcode))
    if record.lat is not None and record.lon is not None:
        places.append(("cell", *_cell(record.lat, record.lon)))
    if _venue_key(record):
        places.append(("venue", _venue_key(record)))
    return places


def _own_keys(record: OtherRecord) -> list[tuple]:
    """Blocks a record is filed under: each place it has, with each telling word of its name; a record
    with no place is filed under its whole name (in the "name" blocks every record is filed under)."""
    keys = [(*place, word) for place in _places(record) for word in _telling_words(record.name)]
    if not keys:
        keys.append(("nowhere", name_words(record.name)))
    keys.append(("name", name_words(record.name)))
    return keys


def _probe_keys(record: OtherRecord) -> list[tuple]:
    """The blocks a record is compared with: its own places and the cells around it with each telling
    word (names that share no such word are never close), and same-named records with no place."""
    places = _places(record)
    if not places:   # a record with no place: compared with every same-named one
        return [("name", name_words(record.name))]
    if record.lat is not None and record.lon is not None:
        row, column = _cell(record.lat, record.lon)
        places += [("cell", row + dr, column + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
    return [(*place, word) for place in places for word in _telling_words(record.name)] + [("nowhere", name_words(record.name))]


def _blocks(others: Iterable[OtherRecord]) -> dict[tuple, list[OtherRecord]]:
    blocks: dict[tuple, list[OtherRecord]] = {}
    for other in others:
        for key in _own_keys(other):
            blocks.setdefault(key, []).append(other)
    return blocks


def _candidates(record: OtherRecord, blocks: dict[tuple, list[OtherRecord]]) -> dict[str, OtherRecord]:
    found: dict[str, OtherRecord] = {}
    for key in _probe_keys(record):
        block = blocks.get(key, ())
        if len(block) <= MAX_BLOCK:
            found.update((o.id, o) for o in block if o.source != record.source and o.id != record.id)
    return found


def likely_duplicates(ours: Iterable[ActivityDraft | OtherRecord], others: Iterable[OtherRecord]) -> list[tuple[str, str, str]]:
    """``(activity_id, other_id, reason)`` for records of other sources that are probably the same activity.

    Each record is compared only with those sharing a block (a telling word of the name and a
    postcode, a ~280 m cell or its neighbours, or a venue in the same district; or the whole name
    when one has no place), so the work grows with the number of records, not its square. Pairs scoring ``LINK_AT`` or more are taken best
    first, at most one per record and other source: one listing of a Monday class and another of
    its Thursday class are not both linked to a third listing of "the class".
    """
    blocks = _blocks(others)
    scored = []
    for record in (r if isinstance(r, OtherRecord) else match_record(r) for r in ours):
        for other in _candidates(record, blocks).values():
            points, reasons = score_pair(record, other)
            if points >= LINK_AT:
                scored.append((-points, record.id, other.id, record.source, other.source, link_reason(points, reasons)))
    taken: set[tuple[str, str]] = set()
    links = []
    for _, ours_id, other_id, ours_source, other_source, reason in sorted(scored):
        if (ours_id, other_source) not in taken and (other_id, ours_source) not in taken:
            taken.update({(ours_id, other_source), (other_id, ours_source)})
            links.append((ours_id, other_id, reason))
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
