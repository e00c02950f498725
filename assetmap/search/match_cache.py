"""Which records match a question's words, remembered in each process and kept exact as records change.

On PostgreSQL the word match and ``ts_rank`` of every matching record was most of a search's
database time (5-35 ms for a question whose synonyms match a few thousand records, every time it
was asked), and the same few questions ("walking", "lunch club") are most of what people ask. A
record's rank depends on its own words only, so an answer stays true until one of its records
changes. The process's held table (``pg_table``) already learns, before each search, which
records changed and numbers each batch of changes (its ``generation``): an answer remembered at
an older generation is brought up to date by matching only the records changed since (one query
by primary key) instead of the whole directory. When the changes are no longer known (the table
was read again), the answer is worked out afresh.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Protocol

import numpy as np

MAX_ENTRIES = 512            # questions remembered per database and process
MAX_KEYS = 4_000_000         # matches remembered in all (about 12 bytes each with one alternative)
MAX_ENTRY_KEYS = 250_000     # an answer bigger than this is not remembered (it would push out hundreds of others)


@dataclasses.dataclass(frozen=True)
class Matches:
    """An answer: the matching search keys and their ranks (a column per alternative), true at ``epoch``/``generation``."""

    keys: np.ndarray
    ranks: np.ndarray
    epoch: int
    generation: int


class Changes(Protocol):
    """What a held table says about changes: its epoch (a new one each time it is read whole), its generation
    (a new one each time changed records are applied), and the records changed after a generation (None: not known)."""

    epoch: int
    generation: int

    def changed_since(self, generation: int) -> tuple[Sequence[str], np.ndarray] | None: ...


class MatchCache:
    """Answers by question (the SQL and its parameters), the least recently asked dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_keys: int = MAX_KEYS):
        self.entries: OrderedDict[Hashable, Matches] = OrderedDict()
        self.max_entries, self.max_keys = max_entries, max_keys
        self.kept_keys = 0
        self.lock = threading.Lock()

    def matches(self, question: Hashable, held: Changes, run: Callable[[], tuple[np.ndarray, np.ndarray]],
                recheck: Callable[[Sequence[str]], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """The keys and ranks for ``question`` as of ``held``: remembered, brought up to date, or ``run`` afresh.

        ``recheck(ids)`` answers the same question for those activities only (deleted ones drop out
        later, when their keys find no live row in the table).
        """
        entry = self._get(question)
        if entry is not None and entry.epoch == held.epoch and entry.generation <= held.generation:
            if entry.generation == held.generation:
                return entry.keys, entry.ranks
            changed = held.changed_since(entry.generation)
            if changed is not None:
                keys, ranks = updated(entry, changed, recheck)
                self._put(question, Matches(keys, ranks, held.epoch, held.generation))
                return keys, ranks
        keys, ranks = run()
        ranks = ranks.astype(np.float32)   # as ranking reads them; the database's ``real``
        self._put(question, Matches(keys, ranks, held.epoch, held.generation))
        return keys, ranks

    def _get(self, question: Hashable) -> Matches | None:
        with self.lock:
            entry = self.entries.get(question)
            if entry is not None:
                self.entries.move_to_end(question)
            return entry

    def _put(self, question: Hashable, entry: Matches) -> None:
        if len(entry.keys) > MAX_ENTRY_KEYS:
            return
        with self.lock:
            old = self.entries.pop(question, None)
            self.kept_keys -= 0 if old is None else len(old.keys)
            self.entries[question] = entry
            self.kept_keys += len(entry.keys)
            while self.entries and (len(self.entries) > self.max_entries or self.kept_keys > self.max_keys):
                _, dropped = self.entries.popitem(last=False)
                self.kept_keys -= len(dropped.keys)


def updated(entry: Matches, changed: tuple[Sequence[str], np.ndarray],
            recheck: Callable[[Sequence[str]], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``entry`` without the changed records' old matches, plus their matches now."""
    ids, changed_keys = changed
    if not len(ids):
        return entry.keys, entry.ranks
    kept = ~np.isin(entry.keys, changed_keys)
    keys, ranks = recheck(ids)
    if kept.all() and not len(keys):   # none of its records changed: the same arrays, so what rests on them stays (``answers``)
        return entry.keys, entry.ranks
    return np.concatenate([entry.keys[kept], keys]), np.concatenate([entry.ranks[kept], ranks.astype(np.float32)])
