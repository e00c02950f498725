"""The category taxonomy: what people look for, as short slugs with plain-English labels.

Sources describe categories in their own words ("Keep Fit", "excercise", "Walking Groups"); the
mapping from those words to slugs is data (``ingest/category_map.csv``) so a person can extend it
without touching code. Search and the web pages show ``label(slug)``.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from pathlib import Path

LABELS: dict[str, str] = {
    "walking": "Walking",
    "exercise": "Exercise and sport",
    "singing": "Singing and music",
    "arts-crafts": "Arts and crafts",
    "befriending": "Befriending and company",
    "peer-support": "Peer support groups",
    "mental-wellbeing": "Mental wellbeing",
    "carers": "Support for carers",
    "food": "Food and meals",
    "practical-help": "Practical help and advice",
    "learning": "Learning and skills",
    "young-people": "Young people",
    "older-people": "Older people",
    "lung-health": "Lung health and breathing",
    "dementia": "Dementia support",
    "gardening": "Gardening and nature",
    "mens-sheds": "Men's sheds",
    "bereavement": "Bereavement support",
    "parents-families": "Parents and families",
    "cancer-support": "Cancer support",
    "disability": "Disability support",
    "faith": "Faith groups",
    "health-services": "Health services",
    "other": "Other",
}
SLUGS = tuple(LABELS)
CATEGORY_MAP_PATH = Path(__file__).parent / "ingest" / "category_map.csv"


def label(slug: str) -> str:
    """The plain-English label of a slug; an unknown slug is shown as its words."""
    return LABELS.get(slug, slug.replace("-", " ").capitalize())


def normalise_term(text: str) -> str:
    """Lower case, apostrophes dropped, ``&`` read as "and", anything else not a letter or digit a space.

    >>> normalise_term("Men’s  Sheds & Café")
    'mens sheds and cafe'
    """
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # "Café" matches "cafe"
    text = re.sub(r"['’‘`]", "", text).replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


# Audience age bands (the words the taxonomy uses for ages): label, youngest, oldest (None: no upper limit).
# They overlap as directories use them ("young people" run to 25, adult services often start at 16, "older
# people" at 50); a range counts as reaching a band when they share at least MIN_BAND_YEARS years of age.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Children", 0, 12),
    ("Young people", 11, 25),
    ("Adults", 16, None),
    ("Older people", 50, None),
)
# How a term in the map may be used to guess a category from a name or description (column ``infer``):
# "alone" is enough by itself, "paired" only with a second, different term for the same slug, "" never.
INFER_ALONE, INFER_PAIRED = "alone", "paired"
MAX_INFERRED = 3
MIN_BAND_YEARS = 3


@functools.lru_cache(maxsize=1)
def _map_rows() -> tuple[dict[str, str], dict[str, str]]:
    """``(term → slug, term → infer)`` read once from the CSV (unknown slugs in it are an error)."""
    with open(CATEGORY_MAP_PATH, newline="", encoding="utf-8") as handle:
        rows = [(normalise_term(row["term"]), row["slug"].strip(), (row.get("infer") or "").strip()) for row in csv.DictReader(handle)]
    terms = {term: slug for term, slug, _ in rows}
    unknown = sorted(set(terms.values()) - set(LABELS))
    if unknown:
        raise ValueError(f"{CATEGORY_MAP_PATH}: unknown slugs {unknown}; known: {', '.join(SLUGS)}")
    bad = sorted({infer for _, _, infer in rows} - {"", INFER_ALONE, INFER_PAIRED})
    if bad:
        raise ValueError(f"{CATEGORY_MAP_PATH}: unknown infer values {bad}; expected {INFER_ALONE!r}, {INFER_PAIRED!r} or empty")
    return terms, {term: infer for term, _, infer in rows if infer}


def category_map() -> dict[str, str]:
    """Normalised free-text term → slug."""
    return _map_rows()[0]


@functools.lru_cache(maxsize=1)
def _first_words() -> tuple[frozenset[str], int]:
    """The words a term can start with, and the longest term in words (to scan text word by word)."""
    terms = category_map()
    return frozenset(t.split(" ")[0] for t in terms) | frozenset(_singular(t.split(" ")[0]) for t in terms), max(t.count(" ") + 1 for t in terms)


def _singular(word: str) -> str:
    """"clubs" → "club", "libraries" → "library": plurals the map does not list find their singular."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _lookup(phrase: str) -> str | None:
    terms = category_map()
    if phrase in terms:
        return phrase
    head, _, last = phrase.rpartition(" ")
    singular = f"{head} {_singular(last)}" if head else _singular(last)
    return singular if singular in terms else None


@functools.lru_cache(maxsize=20_000)
def find_terms(term_text: str) -> tuple[str, ...]:
    """The map's terms in normalised text, left to right, the longest phrase first, each word used once.

    >>> find_terms("tea dances and lunch clubs")
    ('tea dances', 'lunch club')
    """
    words = term_text.split(" ")
    starts = _first_words()[0]
    found, i = [], 0
    while i < len(words):
        size, match = _longest_at(words, i) if words[i] in starts else (1, None)
        if match:
            found.append(match)
        i += size
    return tuple(found)


def _longest_at(words: list[str], i: int) -> tuple[int, str | None]:
    for size in range(min(_first_words()[1], len(words) - i), 0, -1):
        match = _lookup(" ".join(words[i:i + size]))
        if match:
            return size, match
    return 1, None


@functools.lru_cache(maxsize=20_000)
def slugs_for(text: str) -> tuple[str, ...]:
    """The slugs a free-text category (or a name) names, in order of appearance; () when none.

    A whole value is looked up first; otherwise the known terms found in it count, longest phrases
    first and each word used once; when some are strong enough to count alone (``infer``), only
    those do ("Dementia cafe" is not a food category). A plural the map lacks finds its singular; in a
    hierarchy ("Health > Mental health") the deepest level the map knows wins.

    >>> slugs_for("Walking Groups")
    ('walking',)
    >>> slugs_for("Singing for Lung Health")
    ('lung-health',)
    >>> slugs_for("Knitting & tea")
    ('arts-crafts',)
    >>> slugs_for("Lunch Clubs"), slugs_for("Health > Mental health")
    (('befriending',), ('mental-wellbeing',))
    """
    if ">" in text:  # a hierarchy: the deepest level the map knows
        for level in reversed(text.split(">")):
            if slugs_for(level):
                return slugs_for(level)
    term = normalise_term(text)
    if not term:
        return ()
    if term in LABELS:
        return (term,)
    terms = category_map()
    found = _lookup(term)
    if found:
        return (terms[found],)
    found_terms = find_terms(term)
    infer = _map_rows()[1]
    strong = [t for t in found_terms if infer.get(t) == INFER_ALONE]
    return tuple(dict.fromkeys(terms[t] for t in (strong if len(strong) < len(found_terms) and strong else found_terms)))


@functools.lru_cache(maxsize=20_000)
def infer_slugs(text: str) -> tuple[str, ...]:
    """Categories guessed from a name or description, conservatively (at most three).

    Only terms the map marks ``alone`` count by themselves; a ``paired`` term counts only beside a
    second, different term for the same slug; other terms are never used to guess.

    >>> infer_slugs("Drop-in group for people who hear voices and their carers")
    ()
    >>> infer_slugs("Partington Men's Shed")
    ('mens-sheds',)
    >>> infer_slugs("Advice on benefits")
    ('practical-help',)
    """
    terms, infer = _map_rows()
    paired: dict[str, set[str]] = {}
    slugs: dict[str, bool] = {}
    for term in find_terms(normalise_term(text)):
        how, slug = infer.get(term), terms[term]
        if how == INFER_ALONE:
            slugs[slug] = True
        elif how == INFER_PAIRED:
            paired.setdefault(slug, set()).add(term)
            if len(paired[slug]) > 1:
                slugs[slug] = True
    return tuple(slugs)[:MAX_INFERRED]


def age_bands(youngest: int | None, oldest: int | None) -> tuple[str, ...]:
    """The audience bands an age range is for: the narrowest band holding the whole range, else every
    band it reaches into (leaving out a band inside another one it reaches); none for "all ages".

    >>> age_bands(60, None), age_bands(18, 65), age_bands(16, 25), age_bands(4, 16), age_bands(16, None)
    (('Older people',), ('Adults',), ('Young people',), ('Children', 'Young people'), ('Adults',))
    """
    low, high = youngest or 0, oldest if oldest is not None else 200
    if low <= 0 and high >= 200:
        return ()
    spans = [(label, start, end if end is not None else 200) for label, start, end in AGE_BANDS]
    holding = [s for s in spans if s[1] <= low and high <= s[2]]
    if holding:
        return (min(holding, key=lambda s: s[2] - s[1])[0],)
    reached = [s for s in spans if min(high, s[2]) - max(low, s[1]) + 1 >= MIN_BAND_YEARS]
    return tuple(s[0] for s in reached if not any(o is not s and o[1] <= s[1] and s[2] <= o[2] for o in reached))
