"""The embedded backend: a Whoosh index read into numpy once per index generation.

Stock Whoosh scores each posting through a tree of Python matcher objects, which is what made it
miss 50 ms at 100,000 activities. Here Whoosh is the on-disk inverted index and the analyser; at
search time a ``Snapshot`` (per process, per index generation) holds the filter columns as numpy
arrays, and each query word's postings are read block by block into numpy once and cached, so
BM25 scoring, filtering and facet counting are array operations. The snapshot is replaced only when
the index's generation changes (an ``update_index`` or a rebuild by any process).
"""

from __future__ import annotations

import collections
import functools
import math
import os
import threading
from collections.abc import Iterable, Sequence

import numpy as np
from whoosh import index as whoosh_index
from whoosh.matching.wrappers import WrappingMatcher

from assetmap.search.errors import SearchIndexError
from assetmap.search.rank import concept_score
from assetmap.search.schema import INDEX_NAME, KEYWORD_FIELDS, RECORD, TEXT_FIELDS, analysed_terms, facet_lists
from assetmap.search.spelling import Lexicon
from assetmap.search.table import Multi, Table, multi_from_keys
from assetmap.search.text import Concept, QueryPlan, alternative_scales, evened

FIELD_WEIGHTS = {"name": 2.5, "tags": 1.5, "body": 1.0}
K1, B = 1.2, 0.75
WORD_CACHE_POSTINGS = 5_000_000   # postings kept in numpy across queries, per snapshot
_OPEN_INDEXES = 8


def index_exists(index_dir: str) -> bool:
    return os.path.isdir(index_dir) and whoosh_index.exists_in(index_dir, indexname=INDEX_NAME)


def _leaf_postings(leaf, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and term frequencies of one term in one segment, read a block at a time."""
    if (field, term) not in leaf:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    matcher = leaf.postings(field, term)
    while isinstance(matcher, WrappingMatcher):  # deletions are masked by the snapshot instead
        matcher = matcher.child
    docs: list = []
    weights: list = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # W3 codec: whole blocks
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            docs.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            docs.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.asarray(docs, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def _postings(leaves, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    parts = [(docs + base, weights) for leaf, base in leaves for docs, weights in [_leaf_postings(leaf, field, term)] if len(docs)]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _records(leaves, total: int) -> np.ndarray:
    """The ``rec`` column of every document, read in one slice per segment."""
    out = np.zeros(total, dtype=RECORD)
    for leaf, base in leaves:
        count = leaf.doc_count_all()
        reader = leaf.column_reader("rec", translate=False)
        if hasattr(reader, "_dbfile") and getattr(reader, "_count", -1) == count:
            raw = reader._dbfile.get(reader._basepos, count * RECORD.itemsize)
            out[base:base + count] = np.frombuffer(bytes(raw), dtype=RECORD)
        else:
            out[base:base + count] = np.frombuffer(b"".join(reader[i] for i in range(count)), dtype=RECORD)
    return out


def _live(leaves, total: int) -> np.ndarray:
    live = np.ones(total, dtype=bool)
    for leaf, base in leaves:
        if leaf.has_deletions():
            deleted = leaf.deleted_docs_set  # a cached property on segment readers
            deleted = deleted() if callable(deleted) else deleted
            live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + base] = False
    return live


def _facets(leaves) -> dict[str, Multi]:
    """Each keyword field as a Multi, from the ``facets`` column (values repeat, so decoded once per distinct value)."""
    values = [column[i] for leaf, _ in leaves for column in [leaf.column_reader("facets")] for i in range(leaf.doc_count_all())]
    return {field: multi_from_keys(values, functools.partial(facet_lists, field=field)) for field in KEYWORD_FIELDS}


class Snapshot:
    """One index generation, held as numpy arrays; thread-safe for reading."""

    def __init__(self, ix, generation: int):
        self.generation = generation
        self.reader = ix.reader()
        # An empty index reads as one EmptyReader, which has no columns: only segments with documents count.
        self._leaves = [(leaf, base) for leaf, base in self.reader.leaf_readers() if leaf.doc_count_all()]
        total = self.reader.doc_count_all()
        records = _records(self._leaves, total)
        live = _live(self._leaves, total)
        self.table = Table(
            ids=np.char.decode(records["id"]).astype(object),
            live=live,
            lat=records["lat"].astype(float), lon=records["lon"].astype(float),
            verified=records["verified"].astype(float),
            multi=_facets(self._leaves),
        )
        self.digests = np.char.decode(records["digest"]).astype(object)
        self.live_count = max(int(live.sum()), 1)
        self._lengths = {f: records[f"{f}_len"].astype(np.float32) for f in TEXT_FIELDS}
        self._average = {f: max(float(self._lengths[f][live].mean()) if live.any() else 1.0, 1.0) for f in TEXT_FIELDS}
        self._words: collections.OrderedDict = collections.OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()
        self._lexicon: Lexicon | None = None

    def stems(self, words: Iterable[str]) -> list[str]:
        return analysed_terms(" ".join(words))

    def _field_frequencies(self, field: str, stem: str) -> tuple[np.ndarray, np.ndarray]:
        """Each document's weighted, length-normalised frequency of a word in one field (BM25F's tf)."""
        docs, tf = _postings(self._leaves, field, stem)
        if not len(docs):
            return docs, tf
        norm = 1 - B + B * self._lengths[field][docs] / self._average[field]
        return docs, (FIELD_WEIGHTS[field] * tf / norm).astype(np.float32)

    def word_vector(self, stem: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25F score of one stemmed word: (sorted document numbers, scores), cached per snapshot.

        Field frequencies are weighted and summed *before* saturation, so a word in the name counts
        more than in the description, but not 2.5 times more.
        """
        with self._lock:
            if stem in self._words:
                self._words.move_to_end(stem)
                return self._words[stem]
        parts = [self._field_frequencies(f, stem) for f in TEXT_FIELDS]
        docs = np.concatenate([p[0] for p in parts])
        unique, inverse = np.unique(docs, return_inverse=True)
        tf = np.bincount(inverse, weights=np.concatenate([p[1] for p in parts]), minlength=len(unique))
        idf = math.log(1 + (self.live_count - len(unique) + 0.5) / (len(unique) + 0.5))
        vector = (unique, (idf * tf * (K1 + 1) / (tf + K1)).astype(np.float32))
        self._remember(stem, vector)
        return vector

    def _remember(self, stem: str, vector) -> None:
        with self._lock:
            if stem in self._words:  # another thread read it meanwhile
                return
            self._words[stem] = vector
            self._cached_postings += len(vector[0])
            while self._cached_postings > WORD_CACHE_POSTINGS and len(self._words) > 1:
                _, old = self._words.popitem(last=False)
                self._cached_postings -= len(old[0])

    def alternative_vector(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Documents holding every word of an alternative (in any field), with the summed score."""
        stems = list(dict.fromkeys(self.stems(words)))
        if not stems:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        docs, scores = self.word_vector(stems[0])
        for stem in stems[1:]:
            other_docs, other_scores = self.word_vector(stem)
            common, mine, theirs = np.intersect1d(docs, other_docs, assume_unique=True, return_indices=True)
            docs, scores = common, scores[mine] + other_scores[theirs]
        return docs, scores / len(stems)

    def concept_scores(self, concept: Concept) -> np.ndarray:
        """Dense score per document for one concept, from its weighted alternatives (rank.concept_score)."""
        best = np.zeros(len(self.table), dtype=np.float32)
        total = np.zeros(len(self.table), dtype=np.float32)
        vectors = [self.alternative_vector(alternative.words) for alternative in concept.alternatives]
        scales = alternative_scales([float(scores.max()) if len(scores) else 0.0 for _, scores in vectors])
        for alternative, (docs, scores), scale in zip(concept.alternatives, vectors, scales):
            if len(docs):
                weighted = evened(scores, float(scores.max())) * (alternative.weight * scale)
                best[docs] = np.maximum(best[docs], weighted)
                total[docs] += weighted
        return concept_score(best, total)

    # Vocabulary: is a word in the index, and what did a misspelt one mean?

    def known_words(self, words: Sequence[str]) -> set[str]:
        """Words whose stems all occur in a searched field (or that are only stop words)."""
        known = set()
        for word in words:
            stems = self.stems([word])
            if all(any((f, s) in self.reader for f in TEXT_FIELDS) for s in stems):
                known.add(word)
        return known

    def lexicon(self) -> Lexicon:
        """Every word of every live record with its record count, built on the first misspelling."""
        with self._lock:
            if self._lexicon is None:
                counts: collections.Counter = collections.Counter()
                for leaf, base in self._leaves:
                    column = leaf.column_reader("words")
                    for docnum in range(leaf.doc_count_all()):
                        if self.table.live[base + docnum]:
                            counts.update(column[docnum].decode().split())
                self._lexicon = Lexicon(counts)
            return self._lexicon


class WhooshBackend:
    """Answers a QueryPlan from the index in ``index_dir``."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot

    def retrieve(self, plan: QueryPlan, near=None, radius_km=None) -> tuple[Table, list[np.ndarray]]:
        """Every document (the filters are numpy masks over them all) and each concept's scores."""
        return self.snapshot.table, [self.snapshot.concept_scores(c) for c in plan.concepts]

    def known_words(self, words: Sequence[str]) -> set[str]:
        return self.snapshot.known_words(words)

    def correction(self, word: str, extra: Lexicon) -> str | None:
        """The likeliest intended word: from the records' words, else from the synonyms' words."""
        return self.snapshot.lexicon().correction(word) or extra.correction(word)


class _OpenIndex:
    def __init__(self, ix):
        self.ix = ix
        self.snapshot: Snapshot | None = None


_open: collections.OrderedDict[str, _OpenIndex] = collections.OrderedDict()
_open_lock = threading.Lock()


def current_snapshot(index_dir: str) -> Snapshot:
    """The snapshot of the newest generation of the index, reloaded only when the index changed."""
    key = os.path.abspath(index_dir)
    with _open_lock:
        entry = _open.get(key)
        if entry is None:
            if not index_exists(key):
                raise SearchIndexError(f"no search index in {index_dir}: run `assetmap index` to build it")
            entry = _open[key] = _OpenIndex(whoosh_index.open_dir(key, indexname=INDEX_NAME))
            while len(_open) > _OPEN_INDEXES:
                _open.popitem(last=False)
        _open.move_to_end(key)
        generation = entry.ix.latest_generation()
        if entry.snapshot is None or entry.snapshot.generation != generation:
            entry.ix = whoosh_index.open_dir(key, indexname=INDEX_NAME)
            entry.snapshot = Snapshot(entry.ix, generation)
        return entry.snapshot

