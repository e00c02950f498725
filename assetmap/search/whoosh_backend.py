"""The embedded backend: a Whoosh index read into numpy once per index generation.

Stock Whoosh scores each posting through a tree of Python matcher objects, which is what made it
miss 50 ms at 100,000 activities. Here Whoosh is the on-disk inverted index and the analyser; at
search time a ``Snapshot`` (per process, per index generation) holds the filter columns as numpy
arrays, and each query word's postings are read block by block into numpy once and cached, so
BM25 scoring, filtering and facet counting are array operations. The snapshot is replaced only when
the index's generation changes (an ``update_index`` or a rebuild by any process).

A new generation must not stall searches: after an edit the first search once waited about 4 s
while the whole snapshot was read again. Whoosh segments never change once written (only their
deletions do), so what is read from a segment — its records, facets, word counts and postings — is
kept per segment (``_SegmentCache``) and a new snapshot reads only the new segments, in
milliseconds for an edit. And a process already holding a snapshot keeps answering from it while
the new one loads in a background thread (``current_snapshot``); only the process that wrote the
change waits for it (``refresh``), so its own next search sees its own edit.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np
from whoosh import index as whoosh_index
from whoosh.matching.wrappers import WrappingMatcher

from assetmap.schedule import days_of_token, times_of_token
from assetmap.search.errors import SearchIndexError
from assetmap.search.rank import concept_score
from assetmap.search.schema import FACET_SEPARATOR, INDEX_NAME, KEYWORD_FIELDS, RECORD, TEXT_FIELDS, analysed_terms
from assetmap.search.spelling import Lexicon
from assetmap.search.table import Multi, Table, _derived, merged, multi_from_keys
from assetmap.search.text import Concept, QueryPlan, alternative_scales, evened

FIELD_WEIGHTS = {"name": 2.5, "tags": 1.5, "body": 1.0}
K1, B = 1.2, 0.75
WORD_CACHE_POSTINGS = 5_000_000   # postings kept in numpy across queries, per snapshot
_OPEN_INDEXES = 8
WAIT_FOR_DOCS = 20_000            # new documents a search waits to load (about 0.2 s); more load in the background


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


def segment_key(leaf) -> str:
    """A segment's identity: its id is random per segment, and a segment's documents never change."""
    return leaf.segment().segment_id()


class _SegmentCache:
    """What was read from each segment, shared by every snapshot (and thread) of the process; bounded LRU."""

    def __init__(self, max_postings: int = WORD_CACHE_POSTINGS, max_segments: int = 256):
        self._lock = threading.Lock()
        self._data: collections.OrderedDict = collections.OrderedDict()
        self._postings: collections.OrderedDict = collections.OrderedDict()
        self._posting_count = 0
        self.max_postings, self.max_segments = max_postings, max_segments

    def has(self, key: str) -> bool:
        return key in self._data

    def segment(self, leaf, make):
        """The data ``make(leaf)`` read from this segment, read once."""
        key = segment_key(leaf)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make(leaf)
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.max_segments:
                self._data.popitem(last=False)
        return value

    def postings(self, leaf, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (segment_key(leaf), field, term)
        with self._lock:
            if key in self._postings:
                self._postings.move_to_end(key)
                return self._postings[key]
        value = _leaf_postings(leaf, field, term)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = value
                self._posting_count += len(value[0])
                while self._posting_count > self.max_postings and len(self._postings) > 1:
                    _, old = self._postings.popitem(last=False)
                    self._posting_count -= len(old[0])
        return value


_segments = _SegmentCache()


def _postings(leaves, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    parts = [(docs + base, weights) for leaf, base in leaves for docs, weights in [_segments.postings(leaf, field, term)] if len(docs)]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class _SegmentData:
    """One segment's records and facets, read once: every document's ``rec`` column, and each keyword field as a Multi."""

    def __init__(self, leaf):
        count = leaf.doc_count_all()
        reader = leaf.column_reader("rec", translate=False)
        if hasattr(reader, "_dbfile") and getattr(reader, "_count", -1) == count:
            raw = bytes(reader._dbfile.get(reader._basepos, count * RECORD.itemsize))
        else:
            raw = b"".join(reader[i] for i in range(count))
        self.records = np.frombuffer(raw, dtype=RECORD)
        self.ids = np.char.decode(self.records["id"]).astype(object)
        self.digests = np.char.decode(self.records["digest"]).astype(object)
        column = leaf.column_reader("facets")
        parts = [column[i].decode().split(FACET_SEPARATOR) for i in range(count)]   # split once per document, not per field
        self.facets = {field: multi_from_keys([p[n] for p in parts], _listed) for n, field in enumerate(KEYWORD_FIELDS)}
        # The days and times of the schedule tokens, which a whole table once worked out again after every edit (0.5 s).
        self.facets["days"] = _derived(self.facets["when"], days_of_token)
        self.facets["times"] = _derived(self.facets["when"], times_of_token)
        self._words: collections.Counter | None = None

    def word_counts(self, leaf) -> collections.Counter:
        """Every document's words counted (deleted ones too: a snapshot subtracts its own deletions)."""
        if self._words is None:
            counts: collections.Counter = collections.Counter()
            column = leaf.column_reader("words")
            for docnum in range(leaf.doc_count_all()):
                counts.update(column[docnum].decode().split())
            self._words = counts
        return self._words


def _listed(part: str) -> list[str]:
    return part.split(",") if part else []


def _records(leaves, data, total: int) -> np.ndarray:
    out = np.zeros(total, dtype=RECORD)
    for (_, base), segment in zip(leaves, data):
        out[base:base + len(segment.records)] = segment.records
    return out


def _decoded(leaves, data, total: int, name: str) -> np.ndarray:
    out = np.empty(total, dtype=object)
    for (_, base), segment in zip(leaves, data):
        values = getattr(segment, name)
        out[base:base + len(values)] = values
    return out


def _live(leaves, total: int) -> np.ndarray:
    live = np.ones(total, dtype=bool)
    for leaf, base in leaves:
        if leaf.has_deletions():
            deleted = leaf.deleted_docs_set  # a cached property on segment readers
            deleted = deleted() if callable(deleted) else deleted
            live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + base] = False
    return live


def _facets(leaves, data) -> dict[str, Multi]:
    fields = data[0].facets if data else dict.fromkeys(KEYWORD_FIELDS)
    return {field: merged([(segment.facets[field], base) for (_, base), segment in zip(leaves, data)]) for field in fields}


class Snapshot:
    """One index generation, held as numpy arrays; thread-safe for reading."""

    def __init__(self, ix, generation: int, previous: Snapshot | None = None):
        self.generation = generation
        self.reader = ix.reader()
        # An empty index reads as one EmptyReader, which has no columns: only segments with documents count.
        self._leaves = [(leaf, base) for leaf, base in self.reader.leaf_readers() if leaf.doc_count_all()]
        self._data = [_segments.segment(leaf, _SegmentData) for leaf, _ in self._leaves]
        # The newest lexicon any earlier snapshot built, so a misspelling after each edit does not rebuild it whole.
        self._previous_lexicon = (previous._lexicon or previous._previous_lexicon) if previous is not None else None
        total = self.reader.doc_count_all()
        records = _records(self._leaves, self._data, total)
        live = _live(self._leaves, total)
        self.table = Table(
            ids=_decoded(self._leaves, self._data, total, "ids"),
            live=live,
            lat=records["lat"].astype(float), lon=records["lon"].astype(float),
            verified=records["verified"].astype(float),
            multi=_facets(self._leaves, self._data),
        )
        self.digests = _decoded(self._leaves, self._data, total, "digests")
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
        holding = int(self.table.live[unique].sum())   # deleted documents stay in the postings until a merge: not counted
        idf = math.log(1 + (self.live_count - holding + 0.5) / (holding + 0.5))
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
                for (leaf, base), segment in zip(self._leaves, self._data):
                    counts.update(segment.word_counts(leaf))
                    deleted = np.flatnonzero(~self.table.live[base:base + leaf.doc_count_all()])
                    if len(deleted):
                        column = leaf.column_reader("words")
                        counts.subtract(word for docnum in deleted for word in column[int(docnum)].decode().split())
                self._lexicon = Lexicon.recounted({w: c for w, c in counts.items() if c > 0}, self._previous_lexicon)
                self._previous_lexicon = None
            return self._lexicon


class WhooshBackend:
    """Answers a QueryPlan from the index in ``index_dir``."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot

    def retrieve(self, plan: QueryPlan, near=None, radius_km=None, box=None) -> tuple[Table, list[np.ndarray]]:
        """Every document (the filters are numpy masks over them all) and each concept's scores; ``box`` is left to the caller."""
        return self.snapshot.table, [self.snapshot.concept_scores(c) for c in plan.concepts]

    def basis(self, plan: QueryPlan, near=None, radius_km=None, box=None) -> object:
        """What ``retrieve``'s answer rests on (``search.answers``): the snapshot, new with every index generation."""
        return self.snapshot

    def known_words(self, words: Sequence[str]) -> set[str]:
        return self.snapshot.known_words(words)

    def correction(self, word: str, extra: Lexicon) -> str | None:
        """The likeliest intended word: from the records' words, else from the synonyms' words."""
        return self.snapshot.lexicon().correction(word) or extra.correction(word)


class _OpenIndex:
    def __init__(self, ix):
        self.ix = ix
        self.snapshot: Snapshot | None = None
        self.loading = False
        self.lock = threading.Lock()   # one load at a time per index


_open: collections.OrderedDict[str, _OpenIndex] = collections.OrderedDict()
_open_lock = threading.Lock()
log = logging.getLogger(__name__)


SNAPSHOT_TRIES = 5   # a generation replaced between listing its files and opening them: look again


def current_snapshot(index_dir: str, wait: bool = False) -> Snapshot:
    """``_current_snapshot``, looking again when a writer replaced the generation while it was being opened.

    Whoosh lists the index's table-of-contents files, then opens the newest; a writer committing in
    between (the web app's background catch-up, an editor's save) removes the one listed, and the
    open fails with FileNotFoundError. The newer generation is there: a second look finds it.
    """
    for attempt in range(SNAPSHOT_TRIES - 1):
        try:
            return _current_snapshot(index_dir, wait)
        except FileNotFoundError:
            time.sleep(0.02 * (attempt + 1))
    return _current_snapshot(index_dir, wait)


def _current_snapshot(index_dir: str, wait: bool = False) -> Snapshot:
    """The snapshot to search: the newest generation's, except while a newer one loads in the background.

    A process with no snapshot yet loads one now. One that has a snapshot and finds the index
    changed loads the new generation now if it has few new documents (an edit, a small ingest: the
    other segments are cached); with more (a rebuild, a big ingest) it keeps answering from the old
    one and loads the new one in a background thread; while another thread is loading it, the old one
    answers too. ``wait`` always loads now: for the process that made the change, so its next search
    sees it.
    """
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
        snapshot = entry.snapshot
        if snapshot is not None and snapshot.generation == entry.ix.latest_generation():
            return snapshot
        if snapshot is not None and not wait and entry.lock.locked():
            return snapshot   # another thread is loading the new generation: don't queue behind it
        if snapshot is not None and not wait and _costly(key):
            if not entry.loading:
                entry.loading = True
                threading.Thread(target=_load_in_background, args=(entry, key), name="assetmap-snapshot", daemon=True).start()
            return snapshot
    return _load(entry, key)


def _costly(key: str) -> bool:
    """Whether the new generation has more new documents than a search should wait for (its other segments are cached)."""
    try:
        segments = whoosh_index.open_dir(key, indexname=INDEX_NAME)._segments()
    except Exception:  # being replaced as we look: load in the background
        return True
    return sum(s.doc_count_all() for s in segments if not _segments.has(s.segment_id())) > WAIT_FOR_DOCS


def refresh(index_dir: str) -> None:
    """After this process changed the index: load the new snapshot now if one is held (nothing to do otherwise)."""
    if os.path.abspath(index_dir) in _open:
        current_snapshot(index_dir, wait=True)


def _load(entry: _OpenIndex, key: str) -> Snapshot:
    with entry.lock:
        generation = entry.ix.latest_generation()
        if entry.snapshot is None or entry.snapshot.generation != generation:
            ix = whoosh_index.open_dir(key, indexname=INDEX_NAME)
            entry.snapshot = Snapshot(ix, ix.latest_generation(), entry.snapshot)
            entry.ix = ix
        return entry.snapshot


def _load_in_background(entry: _OpenIndex, key: str) -> None:
    try:
        _load(entry, key)
    except Exception:  # a generation removed while it was read (a newer commit): the next search tries again
        log.info("search snapshot not loaded; trying again on the next search", exc_info=True)
    finally:
        entry.loading = False
