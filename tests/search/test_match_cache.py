"""Remembered word matches (``match_cache``): exact after changes, bounded, and asked afresh when changes are not known."""

from __future__ import annotations

import dataclasses

import numpy as np

from assetmap.search.match_cache import MatchCache


@dataclasses.dataclass
class Held:
    """A held table's change record: generation ``g``'s changed ids in ``log[g]``."""

    epoch: int = 1
    generation: int = 0
    log: dict = dataclasses.field(default_factory=dict)
    forgotten_before: int = 0

    def changed_since(self, generation):
        if generation < self.forgotten_before:
            return None
        ids = [i for g in range(generation + 1, self.generation + 1) for i in self.log.get(g, ())]
        return ids, np.array([int(i) for i in ids], dtype=np.int64)

    def change(self, *ids):
        self.generation += 1
        self.log[self.generation] = ids


class Directory:
    """Records by search key (ids are the keys as text) with a rank each; rank 0 means no match."""

    def __init__(self, ranks):
        self.ranks = dict(ranks)
        self.asked = []

    def run(self):
        self.asked.append("all")
        return self._answer(self.ranks)

    def recheck(self, ids):
        self.asked.append(sorted(ids))
        return self._answer({int(i): self.ranks.get(int(i), 0) for i in ids})

    @staticmethod
    def _answer(ranks):
        found = sorted((k, r) for k, r in ranks.items() if r)
        return np.array([k for k, _ in found], dtype=np.int64), np.array([[r] for _, r in found], dtype=np.float64).reshape(len(found), 1)


def answer(cache, question, held, directory):
    keys, ranks = cache.matches(question, held, directory.run, directory.recheck)
    return dict(zip(keys.tolist(), ranks[:, 0].tolist()))


def test_a_question_is_remembered_and_only_changed_records_are_matched_again():
    cache, held, directory = MatchCache(), Held(), Directory({1: 0.5, 2: 0.25, 3: 0})
    assert answer(cache, "walk", held, directory) == {1: 0.5, 2: 0.25}
    assert answer(cache, "walk", held, directory) == {1: 0.5, 2: 0.25}
    directory.ranks.update({1: 0, 3: 0.75})
    held.change("1", "3")
    assert answer(cache, "walk", held, directory) == {2: 0.25, 3: 0.75}
    assert directory.asked == ["all", ["1", "3"]]


def test_a_table_read_again_or_changes_no_longer_known_ask_afresh():
    cache, held, directory = MatchCache(), Held(), Directory({1: 0.5})
    answer(cache, "walk", held, directory)
    held.epoch = 2
    answer(cache, "walk", held, directory)
    held.change("1")
    held.forgotten_before = 1
    directory.ranks[2] = 0.5
    assert answer(cache, "walk", held, directory) == {1: 0.5, 2: 0.5}   # a record the lost changes added is found
    assert directory.asked == ["all", "all", "all"]


def test_memory_is_bounded_by_questions_and_by_matches():
    held, directory = Held(), Directory({k: 1.0 for k in range(1, 11)})
    cache = MatchCache(max_entries=2, max_keys=25)
    for question in ("a", "b", "c"):
        answer(cache, question, held, directory)
    assert list(cache.entries) == ["b", "c"]
    answer(cache, "b", held, directory)   # asked again: now the most recent
    answer(cache, "d", held, directory)
    assert list(cache.entries) == ["b", "d"] and cache.kept_keys == 20
    small = MatchCache(max_entries=10, max_keys=15)
    for question in ("a", "b"):
        answer(small, question, held, directory)
    assert list(small.entries) == ["b"] and small.kept_keys == 10


def test_changes_to_other_records_keep_the_very_same_answer():
    """What rests on an answer (``search.answers``) is kept while the answer is the same object."""
    cache, held, directory = MatchCache(), Held(), Directory({1: 0.5, 2: 0, 3: 0})
    first, _ = cache.matches("walk", held, directory.run, directory.recheck)
    held.change("2")
    again, _ = cache.matches("walk", held, directory.run, directory.recheck)
    held.change("1")
    changed, _ = cache.matches("walk", held, directory.run, directory.recheck)
    assert again is first and changed is not first and changed.tolist() == [1]
