"""JSON documents read with the line each record starts on, so reports can point at it.

``json.loads`` forgets positions; here the top-level array (or the envelope's list: ``contents``,
``items``, ``features`` …) is walked element by element with ``raw_decode``, keeping offsets.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from assetmap.ingest.bounds import read_before, too_deep
from assetmap.ingest.errors import ReadError

ENVELOPE_KEYS = ("contents", "content", "items", "data", "results", "services", "features")


class _Lines:
    """Offset → line number in a text."""

    def __init__(self, text: str):
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._breaks, offset - 1) + 1


_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _array_items(text: str, pos: int, decoder: json.JSONDecoder) -> tuple[list[tuple[int, Any]], int]:
    """Elements of the JSON array starting at ``pos`` with their offsets, and the offset after it."""
    items = []
    pos = _skip(text, pos + 1)
    while text[pos] != "]":
        value, end = decoder.raw_decode(text, pos)
        items.append((pos, value))
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return items, pos + 1


def json_records(text: str, keys: tuple[str, ...] = ENVELOPE_KEYS, max_depth: int = 64) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    """``([(line, record)], envelope)``: a bare array's elements, or those of the envelope's first list key.

    A document that is one object with no such list is itself the only record (envelope empty).
    A record nested more than ``max_depth`` levels stops the read at its line: everything after
    reading (cleaning, storing as JSON) recurses, and would fail there without naming the record.
    """
    decoder = json.JSONDecoder()
    text = text.lstrip("\ufeff")
    lines = _Lines(text)
    try:
        pos = _skip(text, 0)
        if text[pos] == "[":
            items, _ = _array_items(text, pos, decoder)
            records, envelope = [(lines.line_of(p), v) for p, v in items], {}
        else:
            records, envelope = _object_records(text, pos, decoder, lines, keys)
    except RecursionError as exc:
        raise ReadError(f"nested so deep it cannot be read (the limit is ASSETMAP_MAX_JSON_DEPTH={max_depth})") from exc
    except (ValueError, IndexError) as exc:
        why = "a number has more than 4,300 digits" if "digits" in str(exc) else str(exc)
        raise ReadError(f"not valid JSON ({why})") from exc
    _check_depth(records, envelope, max_depth)
    return records, envelope


def _check_depth(records: list[tuple[int, Any]], envelope: dict[str, Any], max_depth: int) -> None:
    for count, (line, record) in enumerate(records):
        if too_deep(record, max_depth):
            raise ReadError(f"line {line}: a record nested more than {max_depth} levels deep (the limit is "
                            f"ASSETMAP_MAX_JSON_DEPTH); {read_before(count, 'record')}")
    if too_deep(envelope, max_depth + 1):
        raise ReadError(f"the document around its records is nested more than {max_depth} levels deep (the limit is ASSETMAP_MAX_JSON_DEPTH)")


def _object_records(text, pos, decoder, lines, keys):
    if text[pos] != "{":
        raise ValueError("expected an object or an array")
    envelope: dict[str, Any] = {}
    found: list[tuple[int, Any]] | None = None
    pos = _skip(text, pos + 1)
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)
        if found is None and key in keys and text[pos] == "[":
            items, pos = _array_items(text, pos, decoder)
            found = [(lines.line_of(p), v) for p, v in items]
        else:
            envelope[key], pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    if found is None:
        return [(lines.line_of(0), envelope)], {}
    return found, envelope
