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


def normalise_text(text: str, lower: bool = True) -> str:
    """Lower case, accents and apostrophes gone ("Women’s Café" → "womens cafe"), cut to MAX_CHARS."""
    text = str(text or "")[:MAX_CHARS]
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
