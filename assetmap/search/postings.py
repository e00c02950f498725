"""Which records each word matches, and how well, held in each process: a search's words need no database.

At 1,000,000 activities most of a PostgreSQL search was ranking: ``ts_rank`` of every record in
reach that matches any of a question's alternatives, once per alternative (0.5 µs a record an
alternative: 150-200 ms for "lonely", with eleven alternatives and 15,000-35,000 matches near a
town). A record's rank for a word depends on that record alone, so each process reads, with its
filter columns (``pg_table.load``, in the same snapshot), every word's list of (search key, rank),
ranked by PostgreSQL's own ``ts_rank``, so an answer is the one PostgreSQL would give. Each list
is ordered by place (a grid cell for a record with a point, each area an online or phone service
serves, "everywhere" for one serving everywhere), so a near search reads only the slices of the
places in reach. An alternative of several words ("coffee morning": all of them, ranked by how
close they stand) is asked of PostgreSQL once for the whole directory when first needed, then
kept the same way.

Records written since the lists were read are left out of them (``touched``) and asked of
PostgreSQL by id, which is quick while they are few; ``pg_table`` reads everything again once more
than ``TOUCHED_MAX`` are.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa

from assetmap.search.filters import REMOTE
from assetmap.search.table import Table

CELL_DEGREES = 0.1            # a place cell: about 11 km north to south, 7 km east to west in England
CELL_LIMIT = 1000             # coordinates are clamped to ± this many cells' worth before numbering
ROW_STRIDE = 10_000           # a cell's place number: (row + CELL_LIMIT * 2) * ROW_STRIDE + column + CELL_LIMIT * 4
EVERYWHERE = 10**9            # online or phone services with no point and no area: in reach of every place
NOWHERE = 10**9 + 1           # records no place reaches (found only by a search with no place)
AREA_BASE = 2 * 10**9         # + an area's number: online or phone services for that area
MAX_CELL_ROWS = 200           # a search over more rows of cells than this reads whole lists (then filters as ever)
TOUCHED_MAX = 5_000           # records written since the lists were read; past this ``pg_table`` reads them all again
RANK_WEIGHTS = "{0.1, 0.6, 0.8, 1.0}"   # ``pg_backend``'s: D, C (description …), B (categories, audience), A (name)

COMMON = 200                  # lexemes in at least this many records are read at start; rarer ones are asked when first needed
# Each common lexeme's matches and ranks, one row per lexeme: ranked by ts_rank with that lexeme alone as the query,
# exactly as a one-word alternative is ranked (``pg_backend._match_sql``).
LEXEMES_SQL = f"""
    WITH common AS MATERIALIZED (
        SELECT word AS lexeme, CAST('''' || replace(replace(word, '\\', '\\\\'), '''', '''''') || '''' AS tsquery) AS q
        FROM ts_stat('SELECT document FROM activity_search') WHERE ndoc >= :least)
    SELECT lexeme, string_agg(key, ','), string_agg(rank, ',') FROM (
        SELECT c.lexeme, s.search_key::text AS key, ts_rank('{RANK_WEIGHTS}', s.document, c.q, 1)::text AS rank
        FROM activity_search s CROSS JOIN LATERAL unnest(s.document) AS u JOIN common c ON c.lexeme = u.lexeme OFFSET 0) AS ranked
    GROUP BY lexeme"""   # ranked before grouping (OFFSET 0 keeps it so): rows that spill to disk then carry no document
TERM_SQL = f"""
    SELECT string_agg(s.search_key::text, ','), string_agg(ts_rank('{RANK_WEIGHTS}', s.document, q, 1)::text, ',')
    FROM activity_search s, plainto_tsquery('english', assetmap_fold(:text)) AS q WHERE s.document @@ q"""
# Alternatives of several words known before anyone asks (the synonyms'): matched and ranked at start, as ``TERM_SQL`` does.
PHRASES_SQL = f"""
    SELECT p.q::text AS query, string_agg(s.search_key::text, ','), string_agg(ts_rank('{RANK_WEIGHTS}', s.document, p.q, 1)::text, ',')
    FROM (SELECT DISTINCT plainto_tsquery('english', assetmap_fold(t)) AS q FROM unnest(CAST(:texts AS text[])) AS t) AS p
    LEFT JOIN activity_search s ON s.document @@ p.q GROUP BY p.q"""
QUERY_SQL = "SELECT t, plainto_tsquery('english', assetmap_fold(t))::text FROM unnest(CAST(:texts AS text[])) AS t"
_QUOTED = re.compile(r"'((?:''|\\.|[^'\\])*)'")
_ESCAPED = re.compile(r"''|\\(.)")


def query_lexemes(tsquery: str) -> tuple[str, ...] | None:
    """The lexemes of a ``plainto_tsquery`` text ("'lunch' & 'club'"); None for anything but lexemes joined by &."""
    tsquery = (tsquery or "").strip()
    if not tsquery:
        return ()
    found = [m for m in _QUOTED.finditer(tsquery)]
    between = [tsquery[a.end():b.start()] for a, b in zip(found, found[1:])]
    if not found or found[0].start() or found[-1].end() != len(tsquery) or any(gap != " & " for gap in between):
        return None
    return tuple(_ESCAPED.sub(lambda m: m.group(1) or "'", m.group(1)) for m in found)


def cell_numbers(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Each point's place cell number (-1 where there is no point)."""
    with np.errstate(invalid="ignore"):
        known = np.isfinite(lat) & np.isfinite(lon)
        row = np.floor(np.clip(np.where(known, lat, 0), -90, 90) / CELL_DEGREES).astype(np.int64)
        column = np.floor(np.clip(np.where(known, lon, 0), -180, 180) / CELL_DEGREES).astype(np.int64)
    return np.where(known, (row + CELL_LIMIT * 2) * ROW_STRIDE + column + CELL_LIMIT * 4, -1)


def _cell(lat: float, lon: float) -> int:
    return int(cell_numbers(np.array([lat]), np.array([lon]))[0])


@dataclasses.dataclass(frozen=True)
class Places:
    """Each search key's places (CSR: ``parts[starts[k]:starts[k] + counts[k]]``; count 0 for a key not held)."""

    starts: np.ndarray
    counts: np.ndarray
    parts: np.ndarray
    areas: dict[str, int]


def places_of(table: Table, key_of_row: np.ndarray) -> Places:
    """Where each live row of a held table can be reached from, by its search key (``pg_table.candidates``'s rules)."""
    n = len(table)
    cells = cell_numbers(table.lat, table.lon)
    remote = table.multi["delivery"].rows_with_any(REMOTE, n)
    serves = table.multi["serves"]
    has_area = np.zeros(n, dtype=bool)
    has_area[serves.rows] = True
    everywhere = remote & (cells < 0) & ~has_area
    by_area = remote[serves.rows]
    rows = np.concatenate([np.flatnonzero(cells >= 0), serves.rows[by_area], np.flatnonzero(everywhere)])
    parts = np.concatenate([cells[cells >= 0], AREA_BASE + serves.codes[by_area].astype(np.int64),
                            np.full(int(everywhere.sum()), EVERYWHERE, np.int64)])
    placed = np.zeros(n, dtype=bool)
    placed[rows] = True
    nowhere = np.flatnonzero(~placed)
    rows, parts = np.concatenate([rows, nowhere]), np.concatenate([parts, np.full(len(nowhere), NOWHERE, np.int64)])
    live = table.live[rows]
    keys, parts = key_of_row[rows[live]], parts[live]
    order = np.argsort(keys, kind="stable")
    keys, parts = keys[order], parts[order]
    size = int(keys.max()) + 1 if len(keys) else 0
    counts = np.bincount(keys, minlength=size).astype(np.int64)
    starts = np.cumsum(counts) - counts
    return Places(starts, counts, parts, {code: i for i, code in enumerate(serves.values)})


@dataclasses.dataclass(frozen=True)
class Term:
    """One word's (or several words') matches ordered by place: ``keys[bounds[i]:bounds[i + 1]]`` are in place ``places[i]``."""

    places: np.ndarray
    bounds: np.ndarray
    keys: np.ndarray
    ranks: np.ndarray

    def within(self, spans: Sequence[tuple[int, int]] | None) -> tuple[np.ndarray, np.ndarray]:
        """Keys and ranks in the places of ``spans`` (first and last place number of each; None: everywhere)."""
        if spans is None:
            return self.keys, self.ranks
        lows = np.searchsorted(self.places, [low for low, _ in spans], "left")
        highs = np.searchsorted(self.places, [high for _, high in spans], "right")
        pieces = [(self.bounds[a], self.bounds[b]) for a, b in zip(lows.tolist(), highs.tolist()) if b > a]
        if len(pieces) == 1:
            return self.keys[pieces[0][0]:pieces[0][1]], self.ranks[pieces[0][0]:pieces[0][1]]
        return (np.concatenate([self.keys[a:b] for a, b in pieces] or [self.keys[:0]]),
                np.concatenate([self.ranks[a:b] for a, b in pieces] or [self.ranks[:0]]))


EMPTY_TERM = Term(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))


def term_of(keys: np.ndarray, ranks: np.ndarray, places: Places) -> Term:
    """A Term of matches (search keys and ranks), each placed in every place its record has (keys not held dropped)."""
    known = keys < len(places.counts)
    keys, ranks = keys[known], ranks[known]
    counts = places.counts[keys]
    total = int(counts.sum())
    if not total:
        return EMPTY_TERM
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    parts = places.parts[np.repeat(places.starts[keys], counts) + within]
    order = np.argsort(parts, kind="stable")
    parts = parts[order]
    cut = np.flatnonzero(np.diff(parts)) + 1
    bounds = np.concatenate([[0], cut, [len(parts)]]).astype(np.int64)
    key_type = np.int32 if len(places.counts) < 2**31 else np.int64
    return Term(parts[bounds[:-1]], bounds, np.repeat(keys, counts)[order].astype(key_type), np.repeat(ranks, counts)[order].astype(np.float32))


def spans(bounds: tuple[float, float, float, float] | None, areas: Sequence[int] = (), everywhere: bool = False) -> list[tuple[int, int]] | None:
    """Place-number ranges meeting ``bounds`` (south, north, west, east), one per row of cells, plus the areas' (and
    everywhere's) own; None (every place) with no bounds, or bounds too wide or not finite to cut into cells."""
    if bounds is None or not all(math.isfinite(edge) for edge in bounds):
        return None
    south, north, west, east = bounds
    (first_row, west_column), (last_row, east_column) = divmod(_cell(south, west), ROW_STRIDE), divmod(_cell(north, east), ROW_STRIDE)
    if last_row - first_row + 1 > MAX_CELL_ROWS:
        return None
    found = [(row * ROW_STRIDE + west_column, row * ROW_STRIDE + east_column) for row in range(first_row, last_row + 1)]
    found += [(AREA_BASE + area, AREA_BASE + area) for area in areas] + ([(EVERYWHERE, EVERYWHERE)] if everywhere else [])
    return sorted(found)


def union(found: Sequence[tuple[np.ndarray, np.ndarray]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows (each below ``size``) matching any alternative, and a column of ranks per alternative (0 where one does not).

    Marked in an array as long as the table rather than sorted (``np.unique``): a third of the time
    for the 60,000 matches of a common question at a million activities.
    """
    seen = np.zeros(size, dtype=bool)
    for rows, _ in found:
        seen[rows] = True
    unique = np.flatnonzero(seen)
    position = np.empty(size, dtype=np.int64)   # read only where seen
    position[unique] = np.arange(len(unique))
    ranks = np.zeros((len(unique), len(found)), dtype=np.float32)
    for column, (rows, column_ranks) in enumerate(found):
        ranks[position[rows], column] = column_ranks
    return unique, ranks


class Postings:
    """Common lexemes' Terms for one held table, the rarer and several-word alternatives asked since, and the keys written since.

    A new object for each batch of changes (``touched_by``), sharing the lists: readers in other
    threads keep the one they have.
    """

    MAX_ASKED = 5_000   # rare words' and several words' Terms kept (then all are asked again)

    def __init__(self, words: dict[str, Term], places: Places, touched: np.ndarray | None = None,
                 asked: dict[tuple[str, ...], Term] | None = None):
        self.words, self.places = words, places
        self.touched = np.zeros(0, np.int64) if touched is None else touched   # sorted search keys
        self.asked = {} if asked is None else asked   # shared by every version: a Term is true but for touched keys
        self.lock = threading.Lock()

    def touched_by(self, keys: np.ndarray) -> Postings:
        """These postings with ``keys`` (records written or deleted) left to PostgreSQL from now on."""
        return Postings(self.words, self.places, np.union1d(self.touched, keys.astype(np.int64)), self.asked)

    def term(self, lexemes: tuple[str, ...], ask) -> Term:
        """The Term of an alternative's lexemes: a common one's read at start, else asked of PostgreSQL once (``ask()``
        gives the whole directory's keys and ranks): a rare word's few records, or several words' matches."""
        if not lexemes:
            return EMPTY_TERM
        found = self.words.get(lexemes[0]) if len(lexemes) == 1 else None
        found = found or self.asked.get(lexemes)
        if found is None:
            keys, ranks = ask()
            found = term_of(keys, ranks, self.places)
            with self.lock:
                if len(self.asked) >= self.MAX_ASKED:
                    self.asked.clear()
                self.asked[lexemes] = found
        return found

    def untouched(self, keys: np.ndarray) -> np.ndarray:
        """Mask of ``keys`` not written since the lists were read (their lists are still true)."""
        if not len(self.touched):
            return np.ones(len(keys), dtype=bool)
        return ~np.isin(keys, self.touched)


def read(connection: sa.Connection, table: Table, key_of_row: np.ndarray, phrases: Sequence[str] = ()) -> Postings:
    """Common lexemes' matches and ranks, and those of ``phrases`` (alternatives' words), placed by ``table``.

    Read in the same snapshot as ``table`` (the caller's transaction).
    """
    places = places_of(table, key_of_row)
    words = {}
    result = connection.execution_options(stream_results=True, yield_per=50).execute(sa.text(LEXEMES_SQL), {"least": COMMON})
    for lexeme, keys, ranks in result:
        words[lexeme] = term_of(*_parsed(keys, ranks), places)
    asked = {}
    for query, keys, ranks in connection.execute(sa.text(PHRASES_SQL), {"texts": list(phrases)}) if phrases else ():
        lexemes = query_lexemes(query)
        if lexemes is not None and len(lexemes) > 1:
            asked[lexemes] = term_of(*_parsed(keys, ranks), places)
    return Postings(words, places, asked=asked)


def _parsed(keys: str | None, ranks: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Search keys and ranks sent as comma-joined text (parsed by numpy in C); none for NULL."""
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.fromstring(keys, dtype=np.int64, sep=","), np.fromstring(ranks, dtype=np.float64, sep=",")


def ask_term(session, text: str) -> tuple[np.ndarray, np.ndarray]:
    """The whole directory's matches and ranks for an alternative (a rare word, or several words), from PostgreSQL."""
    return _parsed(*session.execute(sa.text(TERM_SQL), {"text": text}).one())


def ask_lexemes(session, texts: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
    """Each alternative's lexemes as PostgreSQL's ``plainto_tsquery`` makes them (None: not a plain list of lexemes)."""
    return {text: query_lexemes(tsquery) for text, tsquery in session.execute(sa.text(QUERY_SQL), {"texts": list(texts)})}
