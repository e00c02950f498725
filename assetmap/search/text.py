"""Reading what people type: words, the synonyms they imply, and the plan both indexes run.

Residents write "something for my breathing" or "my wife died", not category names. A query is
turned into *concepts* (one per word, or one per phrase the synonyms file knows), each with
*alternatives*: the person's own words, the synonyms, a spelling correction when a word is
unknown, and compounds both ways: neighbouring words joined ("food bank" → foodbank, which both
indexes also hold for every record's neighbouring words) and an unknown joined word split
("menshed" → men shed). The plan is plain data, so the Whoosh and the PostgreSQL backends score the same thing,
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
from assetmap.words import is_joinable, words_of

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
    "where who how which near nearby local around area feel feeling feels felt ive id ill really very "
    "all always constantly often sometimes lot lots still anymore everything".split()
)
# Stop words never joined to a neighbour: "the"+"rapy" is not a word, but "drop in" and "walk on" are.
NOT_JOINED = frozenset(STOP_WORDS) - {"in", "on"}
SPLIT_PARTICLES = frozenset({"in", "on", "up", "out"})   # a compound may end in these ("dropin", "signup")
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
    phrases: frozenset[str] = frozenset()   # every phrase of every row

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


def _keys(phrase: str) -> list[tuple[str, ...]]:
    """A phrase's key, and for two words its key written as one word ("food bank" → foodbank, "play group" → playgroup)."""
    words = phrase.split()
    joined = len(words) == 2 and is_joinable(*words, NOT_JOINED)
    return [_key(phrase), *([_key(words[0] + words[1])] if joined else [])]


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
            for key in _keys(member):
                meanings = by_key.setdefault(key, [])
                meanings.extend(m for m in [words, *means] if m != member and m not in meanings)
    surface = frozenset(w for phrase in phrases for w in phrase.split())
    return Synonyms(
        by_key={k: tuple(v) for k, v in by_key.items() if k},
        longest=max((len(k) for k in by_key), default=1),
        stems=frozenset(stem_word(w) for w in surface),
        words=surface,
        phrases=frozenset(phrases),
    )


def phrase_alternatives(synonyms: Synonyms) -> list[str]:
    """The words of every alternative of several words a synonym row can give (``Alternative.words``, joined by spaces).

    What a backend may prepare before anyone asks (``search.postings``): the same words as ``_alternatives`` keeps.
    """
    return sorted({" ".join(words) for words in (tuple(content_words(p.split())) for p in synonyms.phrases) if len(words) > 1})


@functools.lru_cache(maxsize=4)
def load_synonyms(path: str = str(SYNONYMS_PATH)) -> Synonyms:
    with open(path, newline="", encoding="utf-8") as handle:
        return read_synonyms(list(csv.DictReader(handle)))


@dataclasses.dataclass(frozen=True)
class Alternative:
    """Words that must all appear in a record (in any field), and how much a match counts."""

    words: tuple[str, ...]
    weight: float


def alternative_scales(maxima: Sequence[float]) -> list[float]:
    """Factors putting each alternative's scores on the scale of the person's own words (the first one).

    Synonyms mean the same thing, so how rare each is in the directory must not decide between
    them: "pharmacy" in 600 records and "chemist" in 30 are equally good answers to "chemist",
    though BM25 scores the rarer word five times higher. Each alternative's best match is scaled
    to the best match of the person's words (or, when those match nothing, of the best-scoring
    alternative); the alternatives' weights then rank them.
    """
    reference = maxima[0] if maxima and maxima[0] > 0 else max(maxima, default=0.0)
    return [reference / top if top > 0 else 0.0 for top in maxima]


def evened(scores, top: float):
    """Scores of one alternative with their spread halved (square root of the share of its best).

    Where a word occurs (name or description, a short or a long text) says less about a record
    than whether it occurs at all, and much less than which word it is: the person's own word in
    a description must not fall below a looser synonym in a name.
    """
    return (scores / top) ** 0.5 * top if top > 0 else scores


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


def _alternatives(phrase_words: Sequence[str], meanings: Sequence[str], original: Sequence[str],
                  same_meaning: bool = False) -> tuple[Alternative, ...]:
    found: dict[tuple[str, ...], float] = {}
    by_stems: dict[frozenset[str], tuple[str, ...]] = {}   # "chemists" is "chemist" again: searched once

    def add(words: Sequence[str], weight: float) -> None:
        key = tuple(content_words(words))
        if not key:
            return
        key = by_stems.setdefault(_stem_set(key), key)
        if found.get(key, 0) < weight:
            found[key] = weight

    add(original, 1.0)
    add(phrase_words, 1.0 if same_meaning or list(phrase_words) == list(original) else FUZZY_WEIGHT)
    for position, meaning in enumerate(meanings):
        add(meaning.split(), max(SYNONYM_FLOOR, SYNONYM_WEIGHT - SYNONYM_STEP * position))
    return tuple(Alternative(words, weight) for words, weight in found.items())


def plan_query(words: Sequence[str], synonyms: Synonyms, corrections: Mapping[str, str] | None = None) -> QueryPlan:
    """Concepts for a list of words: synonym phrases first (longest wins), then single content words.

    ``corrections`` maps a misspelt word to the word it most likely meant, or a joined word to its
    parts ("menshed" → "men shed", see ``compound_splits``); both are searched. Neighbouring words
    are also searched as one ("food bank" → foodbank), by each concept they belong to.
    """
    corrections = corrections or {}
    fixed = [corrections.get(w, w) for w in words]
    stems = [stem_word(w) if " " not in w else "" for w in fixed]   # a split word makes no phrase with its neighbours
    concepts: list[tuple[int, int, Concept]] = []
    start = 0
    while start < len(fixed):
        if " " in fixed[start]:
            length, concept = 1, _split_concept(words[start], fixed[start].split(), synonyms)
        else:
            length, concept = _concept_at(words, fixed, stems, start, synonyms)
        if concept:
            concepts.append((start, length, concept))
        start += length
    return QueryPlan(tuple(_with_joins(concept, first, length, fixed) for first, length, concept in concepts))


def _concept_at(words: Sequence[str], fixed: Sequence[str], stems: Sequence[str], start: int,
                synonyms: Synonyms) -> tuple[int, Concept | None]:
    length, meanings = synonyms.match_at(stems, start)
    length = max(length, 1)
    phrase, original = fixed[start:start + length], list(words[start:start + length])
    alternatives = _alternatives(phrase, meanings, original)
    if not alternatives:
        return length, None
    generic = length == 1 and not meanings and phrase[0] in GENERIC_WORDS
    return length, Concept(" ".join(original), alternatives, generic)


def _split_concept(word: str, parts: Sequence[str], synonyms: Synonyms) -> Concept | None:
    """A joined word searched as itself and as its parts, with what the parts mean together ("menshed")."""
    length, meanings = synonyms.match_at([stem_word(p) for p in parts], 0)
    alternatives = _alternatives(parts, meanings if length == len(parts) else (), [word], same_meaning=True)
    return Concept(word, alternatives) if alternatives else None


_NOT_JOINED_IN_QUERIES = NOT_JOINED | (QUERY_STOP_WORDS - {"in", "on"})


def _with_joins(concept: Concept, first: int, length: int, fixed: Sequence[str]) -> Concept:
    """The concept, also matched by its first or last word joined to the word beside it."""
    joins = [fixed[i] + fixed[i + 1] for i in range(max(first - 1, 0), min(first + length, len(fixed) - 1))
             if is_joinable(fixed[i], fixed[i + 1], _NOT_JOINED_IN_QUERIES)]
    known = {alt.words for alt in concept.alternatives}
    extra = tuple(Alternative((join,), 1.0) for join in dict.fromkeys(joins) if (join,) not in known)
    return dataclasses.replace(concept, alternatives=concept.alternatives + extra) if extra else concept


def compound_splits(words: Sequence[str], is_known) -> dict[str, str]:
    """Words no record uses that are two words records do use, run together: "menshed" → "men shed", "dropin" → "drop in".

    Of several ways to split, the most even one wins. ``is_known`` takes a list of words and
    returns the set of those some record uses. Words the synonyms know are split too ("taekwondo").
    """
    candidates = [w for w in dict.fromkeys(content_words(words)) if len(w) >= 5 and w.isalpha()]
    unknown = set(candidates) - set(is_known(candidates)) if candidates else set()
    options = {w: [(w[:i], w[i:]) for i in range(2, len(w) - 1)] for w in candidates if w in unknown}
    parts = sorted({p for pairs in options.values() for pair in pairs for p in pair if len(p) >= 3 and p not in NOT_JOINED})
    known = set(is_known(parts)) if parts else set()
    splits = {}
    for word, pairs in options.items():
        usable = [(a, b) for a, b in pairs if a in known and (b in known or b in SPLIT_PARTICLES)]
        if usable:
            a, b = max(usable, key=lambda pair: min(len(pair[0]), len(pair[1])))
            splits[word] = f"{a} {b}"
    return splits


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
