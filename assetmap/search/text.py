"""Reading what people type: words, the synonyms they imply, and the plan both indexes run.

Residents write "something for my breathing" or "my wife died", not category names. A query is
turned into *concepts* (one per word, or one per phrase the synonyms file knows), each with
*alternatives*: the person's own words, the synonyms, and a spelling correction when a word is
unknown. The plan is plain data, so the Whoosh and the PostgreSQL backends score the same thing,
and user text never reaches a query parser (quotes, ``*``, ``:``, ``AND`` are just characters).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

from assetmap import taxonomy
from assetmap.words import words_of

SYNONYMS_PATH = Path(__file__).with_name("synonyms.csv")
SHORT_QUERY_WORDS = 4     # typo tolerance (fuzzy words) only for short queries, as people type them
SYNONYM_WEIGHT = 0.8      # a synonym counts a little less than the person's own word …
SYNONYM_STEP = 0.05       # … and each later one in its row a little less again (rows list the closest first)
SYNONYM_FLOOR = 0.5
FUZZY_WEIGHT = 0.8

# Words that carry no subject in a search box ("something for my …", "looking for …").
QUERY_STOP_WORDS = frozenset(STOP_WORDS) | frozenset(
    "something somewhere anything anywhere someone looking look want wanting need needs find finding "
    "i im me my our ours am do does did get go going just about like please some any there here what "
    "where who how which near nearby local around area feel feeling feels felt ive id ill really very".split()
)
# Words that say what kind of thing, not what it is about: searched, but a record need not match them.
GENERIC_WORDS = frozenset(
    "group groups club clubs session sessions class classes activity activities service services meeting meetings "
    "centre center event events course courses".split()
)


def is_stop_word(word: str) -> bool:
    return word in QUERY_STOP_WORDS


def content_words(words: Iterable[str]) -> list[str]:
    return [w for w in words if not is_stop_word(w)]


@functools.lru_cache(maxsize=20_000)
def stem_word(word: str) -> str:
    return stem(word)


@dataclasses.dataclass(frozen=True, eq=False)
class Synonyms:
    """Phrase → what it means, keyed by stemmed words so plurals and tenses match ("carers" → carer)."""

    by_key: Mapping[tuple[str, ...], tuple[str, ...]]
    longest: int
    stems: frozenset[str]
    words: frozenset[str]

    def match_at(self, stems: Sequence[str], start: int) -> tuple[int, tuple[str, ...]]:
        """The longest phrase starting at ``start``: (number of words, meanings), or (0, ())."""
        for length in range(min(self.longest, len(stems) - start), 0, -1):
            meanings = self.by_key.get(tuple(stems[start:start + length]))
            if meanings:
                return length, meanings
        return 0, ()

    def knows(self, word: str) -> bool:
        """A word the synonyms use is a real word even when no record contains it yet."""
        return stem_word(word) in self.stems


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(stem_word(w) for w in words_of(phrase))


def read_synonyms(rows: Iterable[Mapping[str, str]]) -> Synonyms:
    """Rows of ``words,means,two_way``: ``means`` is ``;``-separated; a two-way row links every member."""
    by_key: dict[tuple[str, ...], list[str]] = {}
    phrases: set[str] = set()
    for row in rows:
        words = " ".join(words_of(row["words"]))
        means = [" ".join(words_of(m)) for m in row["means"].split(";") if words_of(m)]
        two_way = row.get("two_way", "").strip().lower() in ("yes", "true", "1")
        phrases.update([words, *means])
        for member in [words, *means] if two_way else [words]:
            meanings = by_key.setdefault(_key(member), [])
            for meaning in [words, *means]:
                if meaning != member and meaning not in meanings:
                    meanings.append(meaning)
    surface = frozenset(w for phrase in phrases for w in phrase.split())
    return Synonyms(
        by_key={k: tuple(v) for k, v in by_key.items() if k},
        longest=max((len(k) for k in by_key), default=1),
        stems=frozenset(stem_word(w) for w in surface),
        words=surface,
    )


@functools.lru_cache(maxsize=4)
def load_synonyms(path: str = str(SYNONYMS_PATH)) -> Synonyms:
    with open(path, newline="", encoding="utf-8") as handle:
        return read_synonyms(list(csv.DictReader(handle)))


@dataclasses.dataclass(frozen=True)
class Alternative:
    """Words that must all appear in a record (in any field), and how much a match counts."""

    words: tuple[str, ...]
    weight: float


@dataclasses.dataclass(frozen=True)
class Concept:
    text: str
    alternatives: tuple[Alternative, ...]
    generic: bool = False   # "group", "club": scored, but not needed for a record to match fully


@dataclasses.dataclass(frozen=True)
class QueryPlan:
    concepts: tuple[Concept, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.concepts

    @property
    def essential(self) -> tuple[bool, ...]:
        """Which concepts count towards "matches everything asked": all but generic words (unless only those)."""
        flags = tuple(not c.generic for c in self.concepts)
        return flags if any(flags) else tuple(True for _ in flags)

    @property
    def min_match(self) -> int:
        """Essential concepts a record must match: one for short queries, half for long ones."""
        count = sum(self.essential)
        return 1 if count <= 3 else count // 2


def _alternatives(phrase_words: Sequence[str], meanings: Sequence[str], original: Sequence[str]) -> tuple[Alternative, ...]:
    found: dict[tuple[str, ...], float] = {}

    def add(words: Sequence[str], weight: float) -> None:
        key = tuple(content_words(words))
        if key and found.get(key, 0) < weight:
            found[key] = weight

    add(original, 1.0)
    add(phrase_words, 1.0 if list(phrase_words) == list(original) else FUZZY_WEIGHT)
    for position, meaning in enumerate(meanings):
        add(meaning.split(), max(SYNONYM_FLOOR, SYNONYM_WEIGHT - SYNONYM_STEP * position))
    return tuple(Alternative(words, weight) for words, weight in found.items())


def plan_query(words: Sequence[str], synonyms: Synonyms, corrections: Mapping[str, str] | None = None) -> QueryPlan:
    """Concepts for a list of words: synonym phrases first (longest wins), then single content words.

    ``corrections`` maps a misspelt word to the word it most likely meant; both are searched.
    """
    corrections = corrections or {}
    fixed = [corrections.get(w, w) for w in words]
    stems = [stem_word(w) for w in fixed]
    concepts: list[Concept] = []
    start = 0
    while start < len(fixed):
        length, meanings = synonyms.match_at(stems, start)
        length = max(length, 1)
        phrase, original = fixed[start:start + length], list(words[start:start + length])
        alternatives = _alternatives(phrase, meanings, original)
        if alternatives:
            generic = length == 1 and not meanings and phrase[0] in GENERIC_WORDS
            concepts.append(Concept(" ".join(original), alternatives, generic))
        start += length
    return QueryPlan(tuple(concepts))


def unknown_words(words: Sequence[str], is_known, synonyms: Synonyms) -> list[str]:
    """Content words neither the index nor the synonyms know: candidates for a spelling correction."""
    candidates = [w for w in dict.fromkeys(content_words(words)) if len(w) >= 4 and not w.isdigit() and not synonyms.knows(w)]
    known = is_known(candidates) if candidates else set()
    return [w for w in candidates if w not in known]


def is_short(words: Sequence[str]) -> bool:
    return len(content_words(words)) <= SHORT_QUERY_WORDS


def corrected_text(words: Sequence[str], corrections: Mapping[str, str]) -> str | None:
    """The query with its misspelt words corrected ("dimentia cafe" → "dementia cafe"), if any were."""
    if not any(w in corrections for w in words):
        return None
    return " ".join(corrections.get(w, w) for w in words)


def category_label(slug: str) -> str:
    """The plain-English label people see for a category slug ("lung-health" → "Lung health and breathing")."""
    return taxonomy.label(slug)


def _stem_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(stem_word(w) for w in content_words(words))


@functools.lru_cache(maxsize=8)
def _categories_by_words(slugs: tuple[str, ...]) -> dict[frozenset[str], set[str]]:
    by_words: dict[frozenset[str], set[str]] = {}
    for slug in slugs:
        for phrase in (slug.replace("-", " "), category_label(slug)):
            by_words.setdefault(_stem_set(words_of(phrase)), set()).add(slug)
    return by_words


def concept_categories(plan: QueryPlan, slugs: Iterable[str]) -> list[list[str]]:
    """For each concept, the categories it names ("befriending", "lung health", "walks" → walking)."""
    by_words = _categories_by_words(tuple(slugs))
    return [
        sorted({slug for alt in concept.alternatives for slug in by_words.get(_stem_set(alt.words), ())})
        for concept in plan.concepts
    ]
