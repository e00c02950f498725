"""Spelling: "dimentia" → dementia, "excercise" → exercise, without scanning the whole vocabulary.

``Lexicon`` is a symmetric-delete index (SymSpell's idea): every word is filed under itself and each
one-letter deletion of it, so a misspelling finds its candidates by a handful of dictionary lookups,
then the true edit distance decides. Pure Python and data only, so it tests without an index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def max_distance_for(word: str) -> int:
    """Short words change meaning with one letter ("walk"/"talk"): allow fewer edits the shorter the word."""
    if len(word) < 4:
        return 0
    return 1 if len(word) <= 6 else 2


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours.

    >>> edit_distance("excercise", "exercise"), edit_distance("dimentia", "dementia"), edit_distance("form", "from")
    (1, 1, 1)
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}


class Lexicon:
    """Known words with how many records use each; ``correction(word)`` is the likeliest intended word."""

    def __init__(self, counts: Mapping[str, int]):
        self.counts = dict(counts)
        self._index: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= 3:
                for key in _deletes(word):
                    self._index.setdefault(key, []).append(word)

    @classmethod
    def recounted(cls, counts: Mapping[str, int], previous: Lexicon | None) -> Lexicon:
        """A lexicon of ``counts`` sharing ``previous``'s deletion index, with only the new words added (cheap).

        The shared index may then hold words one of the two no longer has; ``candidates`` only
        offers words its own ``counts`` has, so each lexicon still answers from its own words.
        """
        if previous is None:
            return cls(counts)
        lexicon = cls({})
        lexicon.counts, lexicon._index = dict(counts), previous._index
        for word in counts.keys() - previous.counts.keys():
            if len(word) >= 3:
                for key in _deletes(word):
                    entries = lexicon._index.setdefault(key, [])
                    if word not in entries:
                        entries.append(word)
        return lexicon

    @classmethod
    def from_words(cls, words: Iterable[str], count: int = 1) -> Lexicon:
        return cls({w: count for w in words})

    def candidates(self, word: str) -> list[tuple[int, str]]:
        """(distance, word) for known words within the word's allowed distance, nearest first."""
        limit = max_distance_for(word)
        if not limit:
            return []
        seen = {w for key in _deletes(word) for w in self._index.get(key, ()) if w in self.counts}
        scored = [(edit_distance(word, w), w) for w in seen if w != word]
        return sorted((d, w) for d, w in scored if d <= limit)

    def correction(self, word: str) -> str | None:
        """The nearest known word, the most used among equals; None when nothing is close enough."""
        found = self.candidates(word)
        if not found:
            return None
        best = found[0][0]
        return max((w for d, w in found if d == best), key=lambda w: (self.counts.get(w, 0), w))
