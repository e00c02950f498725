"""``search_activities``: the one search the web pages, the API and the CLI call.

Steps: check the parameters; take a place or postcode out of the words ("walking near Sale");
resolve "near" to a point; correct misspelt words; plan concepts with their synonyms; let the
backend (Whoosh, or PostgreSQL full-text search) score them over a ``Table``; filter, show each group
of linked duplicates once (``groups``), count facets, order; load the page's activities (and their
other listings) from the database by id; log a search that found little.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from assetmap import geo
from assetmap.config import Settings
from assetmap.freshness import freshness_of
from assetmap.models import Activity, SearchLog
from assetmap.schedule import local_date
from assetmap.search import answers, filters, groups, rank, records, text
from assetmap.search.near import NearPoint, resolve_near, split_place
from assetmap.search.params import AlsoListed, SearchHit, SearchParams, SearchResults, check_params
from assetmap.search.spelling import Lexicon
from assetmap.search.table import as_timestamp, table_freshness, table_unchecked_for
from assetmap.vocab import FRESHNESS_STATES
from assetmap.words import typed_words, words_of

LOW_RESULTS = 3      # a search finding fewer than this is logged as unmet demand
LOG_TEXT_CHARS = 200
MAX_LOGGED_INPUT = 2000   # characters of the query looked at before scrubbing
MAX_LOGGED_FILTERS = 20   # filters kept in a log row, and items kept in one filter's list


@dataclasses.dataclass
class Understood:
    """What the person asked for, once the words have been read."""

    words: list[str]
    near_text: str
    corrections: dict[str, str]
    plan: text.QueryPlan


def _backend(session: Session, settings: Settings):
    from assetmap.search.index import is_postgres

    if is_postgres(session):
        from assetmap.search.pg_backend import PostgresBackend

        return PostgresBackend(session)
    from assetmap.search.whoosh_backend import WhooshBackend, current_snapshot

    return WhooshBackend(current_snapshot(settings.index_dir))


def warm_search(session: Session, settings: Settings) -> None:
    """Read what searches need (the Whoosh snapshot; on PostgreSQL this process's table) before the first search waits for it."""
    _backend(session, settings)


def _words_and_place(session: Session, params: SearchParams) -> tuple[list[str], str]:
    """The query's words, and a place to search near taken from them when no "near" was given."""
    raw = params.text
    if params.near:
        return words_of(raw), params.near
    postcodes = geo.find_postcodes(raw)
    if postcodes:
        raw = re.sub(r"\b" + r"\s*".join(postcodes[0].replace(" ", "")) + r"\b", " ", raw, count=1, flags=re.IGNORECASE)
        return words_of(raw), postcodes[0]
    words, place = split_place(session, words_of(raw), typed_words(raw))
    return words, place


@functools.lru_cache(maxsize=4)
def _synonym_lexicon(synonyms: text.Synonyms) -> Lexicon:
    """The synonyms' own words, so "lonley" finds "lonely" even when no record says it."""
    return Lexicon.from_words(synonyms.words)


def _corrections(backend, words: list[str]) -> dict[str, str]:
    synonyms = text.load_synonyms()
    splits = text.compound_splits(words, backend.known_words)   # "menshed" → "men shed", before any spelling guess
    unknown = [w for w in text.unknown_words(words, backend.known_words, synonyms) if w not in splits]
    found = {**{w: backend.correction(w, _synonym_lexicon(synonyms)) for w in unknown}, **splits}
    return {w: c for w, c in found.items() if c and c != w}


def understand(session: Session, backend, params: SearchParams) -> Understood:
    words, near_text = _words_and_place(session, params)
    corrections = _corrections(backend, words)
    used = corrections if text.is_short(words) else {}
    return Understood(words, near_text, corrections, text.plan_query(words, text.load_synonyms(), used))


def _with_category_boost(table, plan: text.QueryPlan, concept_scores: list[np.ndarray]) -> list[np.ndarray]:
    categories = table.multi["categories"]
    named = text.concept_categories(plan, categories.values)
    return [
        rank.boost_category(scores, categories.rows_with_any(slugs, len(table))) if slugs else scores
        for scores, slugs in zip(concept_scores, named)
    ]


def _fetch(session: Session, ids: list[str]) -> dict[str, Activity]:
    if not ids:
        return {}
    # The organisation in the same query: every result shows who runs it (a query per result cost 1 ms each on PostgreSQL).
    query = sa.select(Activity).options(joinedload(Activity.organisation)).where(Activity.id.in_(ids))
    return {a.id: a for a in session.scalars(query)}


def _hits(session: Session, settings: Settings, table, found: Found) -> list[SearchHit]:
    """The page's activities (and their other listings), loaded in one query."""
    rows, reach = found.page_rows, found.reach
    shown = [*rows, *(o for others in found.also.values() for o in others)]
    versions = table.versions(shown)
    activities = records.load(session, [table.ids[r] for r in shown], versions, _fetch)
    hits = []
    now = settings.clock()
    for index, r in enumerate(rows):
        activity = activities.get(table.ids[r])
        if activity is None:  # deleted since indexing: the index is behind; `index --check` says so
            continue
        distance = None if reach is None or np.isnan(reach.distance[r]) else round(float(reach.distance[r]), 2)
        freshness = freshness_of(activity.last_verified, now, settings.ageing_after_days, settings.stale_after_days)
        also = [activities[table.ids[o]] for o in found.also.get(int(r), []) if table.ids[o] in activities]
        hits.append(SearchHit(activity, float(found.score[r]), distance, freshness,
                              [AlsoListed(a.id, a.source, a.last_verified) for a in also], versions[index] if versions else None))
    return hits


def _scrub(query: str) -> str:
    """Query text fit for the log: no postcodes, e-mail addresses, phone numbers or control characters, cut short."""
    scrubbed = "".join(ch if ch.isprintable() else " " for ch in query[:MAX_LOGGED_INPUT])
    scrubbed = re.sub(r"\S+@\S+", " ", scrubbed)
    scrubbed = re.sub(r"\+?\d[\d\s-]{5,}\d", " ", scrubbed)
    for postcode in geo.find_postcodes(scrubbed):
        scrubbed = re.sub(r"\s*".join(postcode.replace(" ", "")), " ", scrubbed, flags=re.IGNORECASE)
    return " ".join(scrubbed.split())[:LOG_TEXT_CHARS]


def _filters_for_log(params: SearchParams) -> dict:
    defaults = SearchParams()
    chosen = {}
    for field in dataclasses.fields(SearchParams):
        value = getattr(params, field.name)
        if field.name in ("text", "near", "page", "per_page") or value == getattr(defaults, field.name):
            continue
        chosen[field.name] = _bounded(value)
        if len(chosen) == MAX_LOGGED_FILTERS:
            break
    return chosen


def _bounded(value):
    """A filter value fit for the log: text cut to ``LOG_TEXT_CHARS``, lists to ``MAX_LOGGED_FILTERS`` items."""
    if isinstance(value, str):
        return value[:LOG_TEXT_CHARS]
    if isinstance(value, (tuple, list)):
        return [_bounded(v) for v in value[:MAX_LOGGED_FILTERS]]
    return value


def log_if_low(session: Session, settings: Settings, params: SearchParams, total: int, near: NearPoint | None) -> None:
    """Record a first-page search that found little; the caller commits (views never commit)."""
    if total >= LOW_RESULTS or params.page != 1:
        return
    query = _scrub(params.text)
    chosen = _filters_for_log(params)
    if not query and not chosen and near is None:
        return
    session.add(SearchLog(
        logged_at=settings.clock(), query=query, filters=chosen,
        area_code=near.area_code if near else None, result_count=total,
    ))


@dataclasses.dataclass
class Found:
    """The rows a search selected over a table, before any activity is loaded."""

    total: int
    page_rows: np.ndarray
    score: np.ndarray
    reach: filters.Reach | None
    facets: dict[str, dict[str, int]]
    also: dict[int, list[int]] = dataclasses.field(default_factory=dict)   # page row -> its group's other matching rows


def find_rows(table, plan: text.QueryPlan, concept_scores: list[np.ndarray], params: SearchParams,
              near: NearPoint | None, settings: Settings, facets: bool = True) -> Found:
    """Score, filter, count facets and order a table's rows, one per group of linked duplicates: the same for every backend."""
    concept_scores = _with_category_boost(table, plan, concept_scores)
    score, matched = rank.combine_concepts(concept_scores, plan.essential, len(table), plan.min_match)
    states = table_freshness(table, settings.clock(), settings.ageing_after_days, settings.stale_after_days)
    masks = filters.filter_masks(table, params, states, local_date(settings.clock()))
    base = table.live & matched
    if settings.hide_after_days:   # stale records only sink, unless the directory hides them after a longer limit
        base &= ~table_unchecked_for(table, settings.clock(), settings.hide_after_days)
    reach = filters.reach(table, base, near, params.radius_km) if near else None
    if reach is not None:
        base &= reach.mask
    rows = np.flatnonzero(filters.combine(base, masks))
    shown = groups.collapse(table, rows)
    ordered = rank.order_rows(shown, score, filters.sink_levels(table, states), table.verified,
                              reach.sort_km if reach else None, not plan.is_empty, params.page * params.per_page,
                              ageing=states == FRESHNESS_STATES.index("ageing"), tiebreak=table.tiebreak)
    page_rows = ordered[(params.page - 1) * params.per_page:]
    return Found(len(shown), page_rows, score, reach, filters.facet_counts(table, base, masks, states, params) if facets else {},
                 groups.others_in_group(table, rows, page_rows))


def _suggestion(understood: Understood, total: int) -> str | None:
    """The corrected query: for a short query whenever a word was corrected, for a long one only when nothing matched."""
    suggestion = text.corrected_text(understood.words, understood.corrections)
    if suggestion and total and not text.is_short(understood.words):
        return None
    return suggestion


def search_activities(session: Session, settings: Settings, params: SearchParams) -> SearchResults:
    """Find activities for ``params`` (see SearchParams); SearchError for parameters it cannot use.

    A search that finds little adds a SearchLog row to ``session``: the caller commits or not.
    """
    params = check_params(params)
    understood, near, table, found = _find(session, settings, params, every=False)
    log_if_low(session, settings, params, found.total, near)
    return SearchResults(
        hits=_hits(session, settings, table, found),
        total=found.total,
        facets=found.facets,
        suggestion=_suggestion(understood, found.total),
        near=near,
    )


def _find(session: Session, settings: Settings, params: SearchParams, every: bool, box=None):
    """The steps a page of results and an export share; ``every`` keeps all matching rows, not one page, and counts no facets.

    ``box`` (west, south, east, north) lets the backend leave out rows placed outside it (``_every_row`` keeps only those inside).
    """
    backend = _backend(session, settings)
    understood = understand(session, backend, params)
    near = resolve_near(session, settings, understood.near_text) if understood.near_text else None

    def work():
        table, concept_scores = backend.retrieve(understood.plan, near, params.radius_km, box)
        wanted = dataclasses.replace(params, page=1, per_page=max(1, len(table))) if every else params
        return table, find_rows(table, understood.plan, concept_scores, wanted, near, settings, facets=not every)

    minute = int(as_timestamp(settings.clock()) // 60)
    place = None if near is None else (near.lat, near.lon, tuple(sorted(near.codes.items())))
    question = (understood.plan, place, params, box, every, minute)
    table, found = answers.answer(settings, backend.basis(understood.plan, near, params.radius_km, box), question, work)
    return understood, near, table, found


def search_all(session: Session, settings: Settings, params: SearchParams, batch: int = 500,
               box: tuple[float, float, float, float] | None = None) -> Iterator[SearchHit]:
    """Every activity ``search_activities`` lists on any of its pages, in the same order, loaded ``batch`` at a time.

    For exports (CSV, GeoJSON, iCalendar): the same filters and grouping, but no page and no unmet-demand
    log, and never more than ``batch`` records loaded at once, so a whole directory streams in bounded memory.
    The search itself runs now, so a bad argument raises here, before a response has begun. ``box``
    (west, south, east, north) keeps only activities placed inside it, before any is loaded.
    """
    table, found = _every_row(session, settings, params, box)
    return _in_batches(session, settings, table, found, batch)


def search_all_ids(session: Session, settings: Settings, params: SearchParams,
                   box: tuple[float, float, float, float] | None = None) -> list[str]:
    """The ids ``search_all`` would load, in the same order, loading no record: for answers that need a few columns only."""
    table, found = _every_row(session, settings, params, box)
    return [table.ids[r] for r in found.page_rows]


def _every_row(session: Session, settings: Settings, params: SearchParams, box) -> tuple:
    _, _, table, found = _find(session, settings, check_params(params), every=True, box=box)
    if box is not None:
        west, south, east, north = box
        lat, lon = table.lat[found.page_rows], table.lon[found.page_rows]
        found = dataclasses.replace(found, page_rows=found.page_rows[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)])
    return table, found


def _in_batches(session: Session, settings: Settings, table, found: Found, batch: int) -> Iterator[SearchHit]:
    for start in range(0, len(found.page_rows), batch):
        yield from _hits(session, settings, table, dataclasses.replace(found, page_rows=found.page_rows[start:start + batch]))
