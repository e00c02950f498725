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


@functools.lru_cache(maxsize=1)
def category_map() -> dict[str, str]:
    """Normalised free-text term → slug, read once from the CSV (unknown slugs in it are an error)."""
    with open(CATEGORY_MAP_PATH, newline="", encoding="utf-8") as handle:
        terms = {normalise_term(row["term"]): row["slug"].strip() for row in csv.DictReader(handle)}
    unknown = sorted(set(terms.values()) - set(LABELS))
    if unknown:
        raise ValueError(f"{CATEGORY_MAP_PATH}: unknown slugs {unknown}; known: {', '.join(SLUGS)}")
    return terms


@functools.lru_cache(maxsize=1)
def _term_pattern() -> re.Pattern:
    """All terms as one alternation, longest first, so "mental health" wins over "health"."""
    terms = sorted(category_map(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\b")


@functools.lru_cache(maxsize=20_000)
def slugs_for(text: str) -> tuple[str, ...]:
    """The slugs a free-text category (or a name) names, in order of appearance; () when none.

    A whole value is looked up first; otherwise every known term found in it counts, longest
    phrases first and each word used once.

    >>> slugs_for("Walking Groups")
    ('walking',)
    >>> slugs_for("Singing for Lung Health")
    ('lung-health',)
    >>> slugs_for("Knitting & tea")
    ('arts-crafts',)
    """
    term = normalise_term(text)
    if not term:
        return ()
    if term in LABELS:
        return (term,)
    found = category_map().get(term)
    if found:
        return (found,)
    return tuple(dict.fromkeys(category_map()[m] for m in _term_pattern().findall(term)))
