"""Pure: finding a name one table gives among the names another table holds.

Names are compared in their normalised form (``clean.normalise_name``: case, spacing,
punctuation, "&"/"and", a leading "The" and legal suffixes ignored). A cell may hold a list, split
on ``;`` and new lines, then on ``,`` unless the commas belong to one name ("The Old Library,
Lostock"). A name that matches nothing exactly is joined to a near miss only when exactly one name
is that close, and the join is flagged for a person to check; short words must match exactly,
because "Hale Library" and "Sale Library" are different places.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from rapidfuzz.distance import Levenshtein

from assetmap.ingest import values
from assetmap.ingest.clean import normalise_name
from assetmap.ingest.records import Problem

LIST_SPLIT = re.compile(r"\s*(?:;|\n)\s*")
MIN_NEAR_LETTERS = 5   # a near miss must differ only in words this long


@dataclasses.dataclass(frozen=True)
class Match:
    given: str
    item: Any = None
    how: str = "none"          # exact | id | near | channel | none | ambiguous
    others: tuple[str, ...] = ()


class NameIndex:
    """Items by id and by normalised name; a near miss is found only when exactly one name is that close."""

    def __init__(self, label: str = ""):
        self.label = label      # the table the names come from, for messages ("venues.csv")
        self.by_id: dict[str, Any] = {}
        self.by_key: dict[str, list[Any]] = {}
        self.names: dict[str, str] = {}

    def add(self, item: Any, name: str, item_id: str | None = None) -> None:
        if item_id:
            self.by_id.setdefault(item_id, item)
        key = normalise_name(name)
        if key:
            self.by_key.setdefault(key, []).append(item)
            self.names.setdefault(key, name)

    def exact(self, text: str) -> Match | None:
        found = self.by_key.get(normalise_name(text))
        return Match(text, found[0], "exact") if found and len(found) == 1 else None

    def find(self, text: str) -> Match:
        """By exact name, else by id, else the one near miss; ``Match.how == "none"`` when nothing (or too much) is close."""
        found = self.exact(text) or (Match(text, self.by_id[text.strip()], "id") if text.strip() in self.by_id else None)
        if found:
            return found
        key = normalise_name(text)
        if len(self.by_key.get(key, ())) > 1:
            return Match(text, None, "ambiguous")
        close = [k for k in self.by_key if k != key and is_near_miss(key, k)]
        if len(close) == 1 and len(self.by_key[close[0]]) == 1:
            return Match(text, self.by_key[close[0]][0], "near")
        return Match(text, None, "none", tuple(sorted(self.names[k] for k in close)))


def is_near_miss(given: str, known: str) -> bool:
    """Normalised names that are the same but for spacing, word order or a slip in a long word or two.

    >>> is_near_miss("stretford libary", "stretford library"), is_near_miss("hale library", "sale library")
    (True, False)
    """
    if given.replace(" ", "") == known.replace(" ", "") or sorted(given.split()) == sorted(known.split()):
        return bool(given)
    words, others = given.split(), known.split()
    if len(words) != len(others):
        return False
    differing = [(a, b) for a, b in zip(words, others) if a != b]
    return 0 < len(differing) <= max(1, len(words) // 3) and all(
        min(len(a), len(b)) >= MIN_NEAR_LETTERS and not (a.isdigit() or b.isdigit()) and Levenshtein.distance(a, b) <= 2
        for a, b in differing)


def channel_of(text: str) -> str | None:
    """``online`` or ``telephone`` when a venue cell names a way of taking part, not a place ("Online", "By phone")."""
    if len(text.split()) > 3:
        return None
    modes = values.delivery_of(text)
    return modes[0] if len(modes) == 1 and modes[0] in ("online", "telephone") else None


def resolve_names(cell: Any, index: NameIndex, channels: bool = False) -> list[Match]:
    """The items a cell names: the whole cell, else its ``;``/new-line parts, else a part's ``,`` pieces."""
    text = values.plain(cell)
    if not text or values.is_placeholder(text):
        return []
    whole = index.exact(text)
    if whole:
        return [whole]
    found: list[Match] = []
    for part in (p for p in LIST_SPLIT.split(text) if p and not values.is_placeholder(p)):
        found += _resolve_part(part, index, channels)
    return found


def _resolve_part(part: str, index: NameIndex, channels: bool) -> list[Match]:
    whole = index.exact(part)
    if whole:
        return [whole]
    pieces = [p for p in re.split(r"\s*,\s*", part) if p]
    if len(pieces) > 1:
        matches = _resolve_pieces(pieces, index, channels)
        if any(m.how != "none" for m in matches):
            return matches
    return [_resolve_piece(part, index, channels)]


def _resolve_pieces(pieces: list[str], index: NameIndex, channels: bool) -> list[Match]:
    """``,``-separated pieces, the longest run of them that is one name first ("Online, Sale Library, Tatton Road")."""
    found, start = [], 0
    while start < len(pieces):
        end = next((e for e in range(len(pieces), start + 1, -1) if index.exact(", ".join(pieces[start:e]))), start + 1)
        found.append(_resolve_piece(", ".join(pieces[start:end]), index, channels))
        start = end
    return found


def _resolve_piece(piece: str, index: NameIndex, channels: bool) -> Match:
    exact = index.exact(piece)
    if exact:
        return exact
    channel = channel_of(piece) if channels else None
    return Match(piece, channel, "channel") if channel else index.find(piece)


def unresolved(field: str, what: str, match: Match, table: str = "") -> Problem:
    """``unresolved_location``/``unresolved_organisation``, saying why: no such name, or several equally close."""
    where = table or f"the {what}s table"
    if match.how == "ambiguous":
        why = f"names more than one {what} in {where}"
    elif match.others:
        why = f"matches no {what} in {where}; it is as close to {' as to '.join(repr(o) for o in match.others)}"
    else:
        why = f"matches no {what} in {where}"
    return Problem(field, f"unresolved_{what}", match.given, why)
