"""What the Whoosh index holds for each activity, and how its words are analysed.

Three text fields are searched (``name``, ``tags`` = category labels and audience, ``body`` =
description, venue, organisation, times and cost), with English stemming and no positions (the
search scores bags of words; phrases come from the synonyms). Nothing is stored: what a search
filters, sorts and counts on is in per-document columns read in bulk into numpy — ``rec`` (id,
digest, lat, lon, last_verified, field lengths, fixed size), ``facets`` (the keyword fields) and
``words`` (for spelling corrections). The page's rows are loaded from the database by id, so the
index can never show stale text.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import math
import re
import struct
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh import columns, fields
from whoosh.analysis import STOP_WORDS, CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec.whoosh3 import W3Codec
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

from assetmap.schedule import clean_tokens
from assetmap.search.params import normalise_value
from assetmap.search.table import as_timestamp
from assetmap.search.text import NOT_JOINED, category_label
from assetmap.words import joined_words, words_of

INDEX_NAME = "activities_v4"   # change when the schema changes: `assetmap index` then builds afresh
ID_BYTES = 36
RECORD = np.dtype([
    ("id", f"S{ID_BYTES}"), ("digest", "S16"), ("lat", "<f8"), ("lon", "<f8"), ("verified", "<f8"),
    ("name_len", "<u2"), ("tags_len", "<u2"), ("body_len", "<u2"),
])
_RECORD_STRUCT = struct.Struct(f"<{ID_BYTES}s16sdddHHH")  # RECORD's layout, packed one document at a time
assert _RECORD_STRUCT.size == RECORD.itemsize
TEXT_FIELDS = ("name", "tags", "body")
KEYWORD_FIELDS = ("categories", "audience", "delivery", "accessibility", "when", "status", "free", "serves", "group", "capacity")
# The columns of Activity (and the organisation's name) a document is made from.
SOURCE_COLUMNS = (
    "id", "name", "description", "categories", "audience", "delivery", "schedule_text", "schedule", "cost_text",
    "is_free", "accessibility", "status", "venue", "address", "lat", "lon", "ward_code", "lad_code",
    "service_area", "last_verified", "content_hash", "capacity",
)


def text_analyzer():
    """Words lower-cased, accents folded, stop words dropped, Porter-stemmed ("carers" → carer).

    The reference definition: ``analysed_terms`` computes the same terms in one pass.
    """
    return (
        RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=2) | StemFilter(cachesize=50_000)
    )


_STOP_WORDS = frozenset(STOP_WORDS)


@functools.lru_cache(maxsize=200_000)
def _term(token: str) -> str | None:
    folded = token.lower().translate(accent_map)
    return None if len(folded) < 2 or folded in _STOP_WORDS else stem(folded)


def analysed_terms(text: str) -> list[str]:
    """The terms ``text_analyzer`` makes of a text, without its chain of generators.

    Whoosh's filter chain costs several generator steps per word, which made analysis half of a
    bulk index build; a cached function of each token does the same work once per distinct word.
    """
    terms = map(_term, [match.group() for match in default_pattern.finditer(text)])
    return [term for term in terms if term is not None]


def indexed_terms(text: str) -> list[str]:
    """What a text field is indexed under: its terms, and each pair of neighbouring words joined ("foodbank").

    Joined words are extra terms, not extra words: field lengths (BM25's) count only the text's words.
    """
    return analysed_terms(text) + [term for term in map(_term, joined_words(text, NOT_JOINED)) if term is not None]


def _postings(terms: Iterable[str]) -> list[tuple[bytes, int, float, bytes]]:
    """What ``FieldType.index`` returns for Whoosh's Frequency format: (term, count, weight, encoded count)."""
    return [(term.encode(), count, float(count), pack_uint(count)) for term, count in collections.Counter(terms).items()]


class IndexCodec(W3Codec):
    """Whoosh's own codec, without field lengths in the postings.

    Searches score with the lengths in the ``rec`` column, so Whoosh's per-posting length (read back
    from disk for every posting while a segment is written) was a third of the build time for nothing.
    """

    length_stats = False


class StemmedText(fields.TEXT):
    """A TEXT field analysed by ``analysed_terms`` (the same terms as ``text_analyzer``, faster), plus joined words."""

    def __init__(self):
        super().__init__(analyzer=text_analyzer(), phrase=False)
        self.scorable = False  # no length column: see IndexCodec

    def index(self, value, **kwargs):
        return _postings(indexed_terms(value))


FACET_SEPARATOR = "\x1f"   # between keyword fields in the ``facets`` column; white space, so never inside a value


def make_schema() -> fields.Schema:
    """Postings only for the searched words; everything else is a per-document column.

    Whoosh costs a few microseconds per posting to write: facets and spelling words as postings
    were half of them, and a search reads both in bulk anyway.
    """
    return fields.Schema(
        id=fields.ID(unique=True),
        **{name: StemmedText() for name in TEXT_FIELDS},
        facets=fields.COLUMN(columns.VarBytesColumn()),   # KEYWORD_FIELDS' values: facet_column / facet_lists
        words=fields.COLUMN(columns.VarBytesColumn()),    # spelling words, space-separated
        rec=fields.COLUMN(columns.FixedBytesColumn(RECORD.itemsize)),
    )


def facet_column(doc: dict[str, str]) -> bytes:
    """One document's keyword fields as one column value (each field's values comma-separated)."""
    return FACET_SEPARATOR.join(doc[field] for field in KEYWORD_FIELDS).encode()


def facet_lists(value: bytes, field: str) -> list[str]:
    """One keyword field's values back from a ``facets`` column value."""
    part = value.decode().split(FACET_SEPARATOR)[KEYWORD_FIELDS.index(field)]
    return part.split(",") if part else []


def area_code(value) -> str:
    """ONS codes are compared exactly as published (upper case), unlike free-text tags."""
    return "".join(str(value).replace(",", " ").split()).upper()


def free_value(is_free: bool | None) -> str:
    return "unknown" if is_free is None else ("yes" if is_free else "no")


def _text(*parts: Any) -> str:
    return "\n".join(str(p) for p in parts if p)


_WORD = re.compile(r"\w+")


def _capped_length(text: str) -> int:
    return min(len(_WORD.findall(text)), 65_535)


def _number(value) -> float:
    return float(value) if value is not None and math.isfinite(float(value)) else float("nan")


_normalised_tag = functools.lru_cache(maxsize=20_000)(normalise_value)  # tags repeat across thousands of records


def _tags(values, normalise=_normalised_tag) -> list[str]:
    return list(_distinct_tags(tuple(values or ()), normalise))


@functools.lru_cache(maxsize=20_000)
def _distinct_tags(values: tuple[str, ...], normalise) -> tuple[str, ...]:
    """Most records share their category and audience lists with many others: worked out once per list."""
    return tuple(dict.fromkeys(tag for tag in map(normalise, values) if tag))


# Keyword field → (the Activity column it comes from, how its value becomes keyword values).
FACET_RULES = {
    "categories": ("categories", _tags),
    "audience": ("audience", _tags),
    "delivery": ("delivery", _tags),
    "accessibility": ("accessibility", _tags),
    "when": ("schedule", lambda value: list(dict.fromkeys(clean_tokens(value)))),
    "status": ("status", lambda value: [_normalised_tag(value or "active")]),
    "free": ("is_free", lambda value: [free_value(value)]),
    "serves": ("service_area", lambda value: _tags(value, area_code)),
    "group": ("group_id", lambda value: [value] if value else []),   # linked duplicates (DuplicateGroup), shown once
    "capacity": ("capacity", lambda value: [str(value)] if value else []),   # taking new people, waiting list, referral needed
}


def facet_values(row) -> dict[str, list[str]]:
    """The keyword values of one activity, normalised the same way for both backends."""
    return {field: rule(getattr(row, column, None)) for field, (column, rule) in FACET_RULES.items()}


def document_fields(row) -> dict[str, str]:
    """The text and keyword fields of one activity (``row`` is an Activity or a row of SOURCE_COLUMNS)."""
    categories = list(row.categories or [])
    keywords = {field: ",".join(values) for field, values in facet_values(row).items()}
    return {
        "id": str(row.id),
        "name": str(row.name or ""),
        "tags": _text(*(category_label(c) for c in categories), *(c.replace("-", " ") for c in categories), *(row.audience or [])),
        "body": _text(row.description, row.venue, getattr(row, "organisation_name", None), row.schedule_text, row.cost_text, row.address),
        **keywords,
    }


def digest_of(doc: dict[str, str], row) -> bytes:
    """A short fingerprint of everything indexed for a record: ``index --check`` compares it with the DB."""
    facts = [*(doc[key] for key in sorted(doc)), getattr(row, "content_hash", "") or "",
             repr(_number(row.lat)), repr(_number(row.lon)), repr(as_timestamp(row.last_verified))]
    return hashlib.blake2b("\x1e".join(facts).encode(), digest_size=8).hexdigest().encode()


def record_of(doc: dict[str, str], row) -> bytes:
    """The fixed-size binary column value of one document (see RECORD)."""
    ident = doc["id"].encode()
    if len(ident) > ID_BYTES:
        raise ValueError(f"activity id {doc['id']!r} is longer than {ID_BYTES} characters")
    return _RECORD_STRUCT.pack(
        ident, digest_of(doc, row), _number(row.lat), _number(row.lon), as_timestamp(row.last_verified),
        _capped_length(doc["name"]), _capped_length(doc["tags"]), _capped_length(doc["body"]),
    )


def whoosh_document(row) -> dict[str, Any]:
    """Everything Whoosh is given for one activity."""
    doc = document_fields(row)
    words = words_of(_text(doc["name"], doc["tags"], doc["body"]), limit=None)
    spelling = " ".join(dict.fromkeys(w for w in words if len(w) >= 3 and not w.isdigit()))  # what a correction can be
    return {"id": doc["id"], **{f: doc[f] for f in TEXT_FIELDS}, "facets": facet_column(doc), "words": spelling.encode(),
            "rec": record_of(doc, row)}
