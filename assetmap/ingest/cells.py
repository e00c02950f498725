"""Cells made safe for every backend, before any other cleaning.

PostgreSQL refuses NUL in text, and one unbroken "word" of ~2,700 letters overflows the btree index on
search words; SpatiaLite takes both. Cleaning every cell the same way here, before either backend sees
it, keeps the two in step and names the row and field instead of aborting the run. Control characters
are removed, over-long words and cells cut at limits from settings, and each change is reported so the
row is flagged. A spreadsheet row with nothing to clean (nearly all of them) costs one pass at C speed.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CELL_REASONS = {
    "control_characters": "held control characters (such as NUL), which were removed",
    "bad_bytes": "held bytes that were not valid text, replaced by \ufffd",
    "long_word_cut": "had an unbroken word longer than {max_word} letters, cut to that length",
    "long_field_cut": "was longer than {max_field} characters, cut to that length",
}


@dataclasses.dataclass(frozen=True)
class CellLimits:
    """Where a cell is cut (``ASSETMAP_MAX_WORD_CHARS``, ``ASSETMAP_MAX_FIELD_CHARS``)."""

    max_word: int = 200
    max_field: int = 20_000

    def expected(self, reason: str) -> str:
        return CELL_REASONS[reason].format(max_word=self.max_word, max_field=self.max_field)


CELL_LIMITS = CellLimits()


@functools.lru_cache(maxsize=8)
def _long_word_re(max_word: int) -> re.Pattern:
    return re.compile(rf"\w{{{max_word + 1},}}")


def clean_cells(record: Any, limits: CellLimits = CELL_LIMITS) -> tuple[Any, list[tuple[str, str, str]]]:
    """A record (cells, or a feed's nested JSON) with control characters removed and over-long words and
    cells cut; plus ``(field, reason, value)`` for each change, so the row can be flagged."""
    if record.__class__ is dict and _is_clean_record(record, limits):
        return record, []   # the common case (a spreadsheet row with nothing to clean): no copy made
    found: list[tuple[str, str, str]] = []
    return _clean_value(record, "", limits, found), found


def _is_clean_record(record: dict, limits: CellLimits) -> bool:
    """True when no cell of a flat record needs cleaning; checked at C speed for plain short ASCII cells."""
    short = min(limits.max_word, limits.max_field)
    for value in record.values():
        if value.__class__ is str:
            if (len(value) <= short and value.isascii() and value.isprintable()) or not _needs_cleaning(value, limits):
                continue
            return False
        if value is not None and value.__class__ not in (int, float, bool):
            return False
    return _are_clean_keys(tuple(record))


@functools.lru_cache(maxsize=256)
def _are_clean_keys(keys: tuple) -> bool:
    """A sheet's headers, checked once per sheet rather than once per row."""
    return all(k.__class__ is str and not CONTROL_RE.search(k) and len(k) <= CELL_LIMITS.max_word for k in keys)


def _needs_cleaning(text: str, limits: CellLimits) -> bool:
    return bool(CONTROL_RE.search(text) or "\ufffd" in text or len(text) > limits.max_field
                or (len(text) > limits.max_word and _long_word_re(limits.max_word).search(text)))


def _clean_value(value: Any, field: str, limits: CellLimits, found: list) -> Any:
    if value.__class__ is str:
        if len(value) <= min(limits.max_word, limits.max_field) and value.isascii() and value.isprintable():
            return value  # the common case, at C speed: nothing to clean
        return _clean_text(value, field, limits, found)
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            name = CONTROL_RE.sub("", name) if CONTROL_RE.search(name) else name
            key = _clean_value(key, name, limits, found) if key.__class__ is str else key
            cleaned[key] = _clean_value(item, name, limits, found)
        return cleaned
    if isinstance(value, list):
        return [_clean_value(v, field, limits, found) for v in value]
    return value


def _clean_text(text: str, field: str, limits: CellLimits, found: list) -> str:
    if CONTROL_RE.search(text):
        text = CONTROL_RE.sub("", text)
        found.append((field, "control_characters", text[:80]))
    if "\ufffd" in text:
        found.append((field, "bad_bytes", text[:80]))
    if len(text) > limits.max_field:
        text = text[:limits.max_field]
        found.append((field, "long_field_cut", text[:80]))
    if len(text) > limits.max_word and _long_word_re(limits.max_word).search(text):
        text = _long_word_re(limits.max_word).sub(lambda m: m.group()[:limits.max_word], text)
        found.append((field, "long_word_cut", text[:80]))
    return text
