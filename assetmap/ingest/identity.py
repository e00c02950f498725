"""Pure: which held record a row without an id is, so a changed row updates its own record only.

A sheet with no id column names its records by name and place. Two sessions of the same name at
the same hall ("Coffee morning", Tuesdays and Thursdays) share that key, so the first gets the
key's id and the others numbered variants of it (``…|2``, ``…|3``). On a re-import the rows that
did not change claim their records by their digest before cleaning; each changed row then takes,
among the family's records nobody claimed, the one whose schedule reads most like its own (then
the one nearest in the file), and a family member nobody takes is missing, so it is closed by a
full import as before. A row is never given a record another row already holds.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from assetmap.ingest.clean import record_key, stable_id
from assetmap.ingest.dedupe import fingerprint
from assetmap.ingest.records import ActivityDraft

MAX_GAP = 3   # numbered variants looked for past the last one held (records closed long ago leave gaps)


def variant_id(source: str, base_key: str, n: int) -> str:
    """The id of the n-th record sharing a key (n = 1 is the key's own id)."""
    return stable_id("activity", source, base_key if n == 1 else f"{base_key}|{n}")


def family(source: str, base_key: str, held: Collection[str]) -> list[str]:
    """Ids of the records held for one key: the key's own id and its numbered variants."""
    found, n, misses = [], 1, 0
    while misses <= MAX_GAP:
        candidate = variant_id(source, base_key, n)
        if candidate in held:
            found.append(candidate)
            misses = 0
        else:
            misses += 1
        n += 1
    return found


def assign_ids(drafts: Sequence[ActivityDraft], held: Collection[str], claimed: Collection[str],
               schedules_of: Callable[[list[str]], Mapping[str, str]]) -> None:
    """Give each draft without a source id its own record's id (drafts are updated in place).

    ``held`` is the source's record ids, ``claimed`` those that unchanged rows of this run hold,
    and ``schedules_of`` reads the held records' schedule text (asked only when a choice is needed).
    Drafts whose id did not come from their name and place (a feed's own ids) are left alone.
    """
    if not held:
        return  # a first import: the ids clean gave are right (repeats of a key are numbered when loading)
    groups: dict[str, list[ActivityDraft]] = {}
    for draft in drafts:
        key = _base_key(draft)
        if key is not None:
            groups.setdefault(key, []).append(draft)
    taken = set(claimed)
    for base_key, group in groups.items():
        _assign_group(group, base_key, held, taken, schedules_of)


def _base_key(draft: ActivityDraft) -> str | None:
    if draft.source_id is not None or draft.deleted:
        return None
    key = record_key(None, draft.name, draft.postcode, draft.address or draft.venue)
    return key if draft.id == variant_id(draft.source, key, 1) else None


def _assign_group(group: list[ActivityDraft], base_key: str, held: Collection[str], taken: set[str],
                  schedules_of: Callable[[list[str]], Mapping[str, str]]) -> None:
    """Rows with the same cleaned content share one id (the run keeps one of them as a repeat)."""
    source = group[0].source
    firsts: dict[str, ActivityDraft] = {}
    for draft in group:
        firsts.setdefault(fingerprint(draft) if len(group) > 1 else "", draft)
    distinct = list(firsts.values())
    free = [i for i in family(source, base_key, held) if i not in taken]
    pairs = _best_pairs(distinct, free, schedules_of(free)) if len(free) > 1 or (free and len(distinct) > 1) else list(zip(distinct, free))
    paired = {id(draft) for draft, _ in pairs}
    for draft, record_id in pairs:
        draft.id = record_id
        taken.add(record_id)
    for draft in distinct:
        if id(draft) not in paired:
            draft.id = _next_free(source, base_key, held, taken)
            taken.add(draft.id)
    for draft in group[1:] if len(group) > 1 else ():
        draft.id = firsts[fingerprint(draft)].id


def _best_pairs(group: list[ActivityDraft], free: list[str], schedules: Mapping[str, str]) -> list[tuple[ActivityDraft, str]]:
    """Greedy matching, most alike first: schedule text, then family order against file order."""
    scored = sorted(((_likeness(d.schedule_text, schedules.get(i, "")), -abs(g - f), g, f)
                     for g, d in enumerate(group) for f, i in enumerate(free)), reverse=True)
    used_drafts, used_ids, pairs = set(), set(), []
    for _, _, g, f in scored:
        if g not in used_drafts and f not in used_ids:
            used_drafts.add(g)
            used_ids.add(f)
            pairs.append((group[g], free[f]))
    return sorted(pairs, key=lambda pair: group.index(pair[0]))


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, (a or "").lower(), (b or "").lower()).ratio()


def _next_free(source: str, base_key: str, held: Collection[str], taken: Iterable[str]) -> str:
    taken = set(taken)
    n = 1
    while (candidate := variant_id(source, base_key, n)) in held or candidate in taken:
        n += 1
    return candidate
