"""Pure: which organisation runs each activity.

Feeds name the organisation by id (nested in the service); spreadsheets name it in a column, often
as a ``;``-separated list, sometimes misspelt. A name is resolved by charity number, then by its
normalised form among the organisations already held and those of this run. A name that matches
none becomes a new organisation; when it is close to a known one (a likely misspelling) the
activity is flagged so a person can merge them, rather than the guess being made silently.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
from collections.abc import Iterable, Sequence

from assetmap.ingest.clean import normalise_name, stable_id
from assetmap.ingest.records import ActivityDraft, OrganisationDraft, Problem

MAX_CANDIDATES = 2_000    # names compared with difflib per lookup, after blocking on shared rare words


@dataclasses.dataclass(frozen=True)
class KnownOrganisation:
    id: str
    name: str
    charity_number: str | None
    source: str


class OrganisationIndex:
    """Organisations by id, charity number and normalised name: those held and those of this run."""

    def __init__(self, known: Iterable[KnownOrganisation]):
        self.by_id: dict[str, str] = {}
        self.by_number: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.display: dict[str, str] = {}
        self.by_word: dict[str, set[str]] = {}
        self._close: dict[str, str | None] = {}
        for org in known:
            self.add(org.id, org.name, org.charity_number)

    def add(self, org_id: str, name: str, charity_number: str | None) -> None:
        self.by_id[org_id] = name
        if charity_number:
            self.by_number.setdefault(charity_number, org_id)
        key = normalise_name(name)
        if key and key not in self.by_name:
            self.by_name[key] = org_id
            self.display[key] = name
            for word in set(key.split()):
                self.by_word.setdefault(word, set()).add(key)

    def resolve(self, name: str, charity_number: str | None = None) -> str | None:
        if charity_number and charity_number in self.by_number:
            return self.by_number[charity_number]
        return self.by_name.get(normalise_name(name))

    def _candidates(self, key: str) -> list[str]:
        """Names sharing the key's numbers, if it has any, else one of its two rarest words (a misspelling leaves the others intact)."""
        words = set(key.split())
        numbers = [self.by_word.get(w, set()) for w in words if any(ch.isdigit() for ch in w)]
        if numbers:
            found = set.intersection(*numbers)
        else:
            sets = sorted((self.by_word[w] for w in words if w in self.by_word), key=len)[:2]
            found = set().union(*sets) if sets else set()
        return [] if len(found) > MAX_CANDIDATES else [c for c in found if c != key]

    def close_match(self, name: str) -> str | None:
        """A different name held that this one is probably a misspelling of (numbers must agree: "Group 7" is not "Group 1")."""
        key = normalise_name(name)
        if key not in self._close:
            self._close[key] = self._closest(key)
        return self._close[key]

    def _closest(self, key: str) -> str | None:
        candidates = [c for c in self._candidates(key) if is_misspelling(key, c)]
        found = difflib.get_close_matches(key, candidates, n=1, cutoff=0)
        return self.display[found[0]] if found else None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), for short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def is_misspelling(first: str, second: str) -> bool:
    """Normalised names the same but for one word of five letters or more, two edits away at most.

    "Trafford Carers Center" / "Trafford Carers Centre" are; "Sale Good Neighbours" / "Hale Good
    Neighbours" are not (short words are usually different places), nor "Group 7" / "Group 1".

    >>> is_misspelling("trafford carers center", "trafford carers centre")
    True
    """
    words, others = first.split(), second.split()
    if len(words) != len(others):
        return False
    differing = [(a, b) for a, b in zip(words, others) if a != b]
    if len(differing) != 1:
        return False
    a, b = differing[0]
    return min(len(a), len(b)) >= 5 and not (a.isdigit() or b.isdigit()) and edit_distance(a, b) <= 2


def link_organisations(activities: Sequence[ActivityDraft], row_orgs: Sequence[OrganisationDraft],
                       known: Iterable[KnownOrganisation], source: str) -> list[OrganisationDraft]:
    """Set ``organisation_id`` on each activity; returns the organisations this run adds (from names or feeds).

    Misspellings are looked for only once every name of the run is known, and only for organisations
    that exist because a sheet named them, so a second run of the same file flags the same rows.
    """
    index = OrganisationIndex(known)
    for org in row_orgs:
        index.add(org.id, org.name, org.charity_number)
    created: dict[str, OrganisationDraft] = {}
    named: list[tuple[ActivityDraft, str, str]] = []
    for draft in activities:
        if draft.organisation is not None:
            _link_nested(draft, index, created)
        elif draft.organisation_names:
            ids = []
            for i, name in enumerate(draft.organisation_names):
                ids.append(_resolve_name(draft, name, index, created, source, first=(i == 0)))
                named.append((draft, name, ids[-1]))
            draft.organisation_id = ids[0]
            if len(ids) > 1:
                draft.extra["partner_organisations"] = ids[1:]
    _flag_misspellings(named, index, source)
    return list(created.values())


def _flag_misspellings(named: list[tuple[ActivityDraft, str, str]], index: OrganisationIndex, source: str) -> None:
    """Flag rows naming an organisation that is probably a misspelling of another.

    When both spellings come from this source's sheet, the one fewer rows use is taken as the slip
    ("Comunity" on one row, "Community" on three); when as many rows use each, both are flagged.
    """
    uses = collections.Counter(normalise_name(name) for _, name, _ in named)
    for draft, name, org_id in named:
        if org_id != name_id(source, name):
            continue  # resolved to an organisation held or listed by id: not a guess
        close = index.close_match(name)
        if close and index.resolve(close) == name_id(source, close) and uses[normalise_name(close)] < uses[normalise_name(name)]:
            continue  # the other spelling is the rarer one: that is where the slip is
        if close:
            draft.problems.append(Problem("organisation", "unresolved_organisation", name,
                                          f'matches no organisation held; did you mean "{close}"? (kept as a separate organisation)'))


@functools.lru_cache(maxsize=65536)
def name_id(source: str, name: str) -> str:
    """The id of an organisation a source named without an id."""
    return stable_id("organisation", source, f"name:{normalise_name(name)}")


def _link_nested(draft: ActivityDraft, index: OrganisationIndex, created: dict[str, OrganisationDraft]) -> None:
    org = draft.organisation
    draft.organisation_id = org.id
    if org.id not in index.by_id:
        index.add(org.id, org.name, org.charity_number)
    created[org.id] = org


def _resolve_name(draft: ActivityDraft, name: str, index: OrganisationIndex, created: dict[str, OrganisationDraft],
                  source: str, first: bool) -> str:
    number = draft.charity_number if first else None
    found = index.resolve(name, number)
    if found:
        return found
    org_id = name_id(source, name)
    created[org_id] = OrganisationDraft(draft.file, draft.line, name, id=org_id, source=source, charity_number=number)
    index.add(org_id, name, number)
    return org_id
