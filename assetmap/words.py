"""How typed text becomes words: one reading for the search index, the query and place names.

A place name ("St. Mary's") matches what people type ("st marys") only when both are read the same
way, so the search index, the query parser and the gazetteer of area names all read words here.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000          # a pasted letter is cut here: the first words say what is wanted
MAX_WORDS = 24

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u02bc]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[a-z0-9]+")
_TYPED_WORD = re.compile(r"[A-Za-z0-9]+")
# Words a compound can be made of: letters only, separated by nothing but spaces and hyphens ("drop-in", "Food Bank").
_JOINABLE_RUN = re.compile(r"[a-z]+(?:[\s-]+[a-z]+)+")
_JOIN_GAP = re.compile(r"[\s-]+")
JOIN_CHARS = (4, 20)      # shortest and longest compound made by joining two words


def normalise_text(text: str, lower: bool = True, limit: int | None = MAX_CHARS) -> str:
    """Lower case, accents and apostrophes gone ("Women’s Café" → "womens cafe"), cut to ``limit`` characters."""
    text = str(text or "")[:limit]
    if not text.isascii():  # only non-ASCII text has accents to fold (each distinct character looked at once)
        text = unicodedata.normalize("NFKD", text)
        marks = {ch for ch in _NON_ASCII.findall(text) if unicodedata.combining(ch)}
        if marks:
            text = text.translate(dict.fromkeys(map(ord, marks)))
    if not text.isalnum():
        text = _APOSTROPHES.sub("", text)
    return text.lower() if lower else text


def words_of(text: str, limit: int | None = MAX_WORDS) -> list[str]:
    """The words of a text as the index sees them; every other character is a separator."""
    words = _WORD.findall(normalise_text(text))
    return words if limit is None else words[:limit]


def typed_words(text: str, limit: int | None = MAX_WORDS) -> list[str]:
    """The same words with the person's capitals kept ("near Sale"), or [] if they do not line up."""
    typed = _TYPED_WORD.findall(normalise_text(text, lower=False))
    words = words_of(text, limit=None)
    if [w.lower() for w in typed] != words:
        return []
    return typed if limit is None else typed[:limit]


def is_joinable(first: str, second: str, skip: frozenset[str] = frozenset()) -> bool:
    """Whether two neighbouring words may be read as one ("food" + "bank" → "foodbank")."""
    return (first.isalpha() and second.isalpha() and first not in skip and second not in skip
            and JOIN_CHARS[0] <= len(first) + len(second) <= JOIN_CHARS[1])


def joined_words(text: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Each pair of neighbouring words written as one: "Food Bank" → foodbank, "drop-in" → dropin.

    People write compounds both ways ("foodbank", "men's shed" / "mens shed", "ju-jitsu"), so the
    index holds the joined form beside the words and a query's neighbouring words are joined too;
    either spelling then finds the other. Words join only across spaces and hyphens, never across
    other punctuation or digits (``pg_backend.assetmap_joins`` reads text the same way).
    """
    joins = []
    for run in _JOINABLE_RUN.findall(normalise_text(text, limit=None)):
        words = _JOIN_GAP.split(run)
        joins.extend(a + b for a, b in zip(words, words[1:]) if is_joinable(a, b, skip))
    return joins
