"""Each process's word lists (``search.postings``) answer a question's words exactly as PostgreSQL does.

The lists hold PostgreSQL's own ranks ordered by place; these check the pieces (reading a
``plainto_tsquery``, cutting a reach into place numbers, slicing and joining lists) and then, on the
Trafford catalogue, that the same keys and ranks come back as from the SQL itself for one-word and
several-word alternatives near a point, in a map's box and anywhere; that records written since the
lists were read are asked of PostgreSQL by id; that a repeated question needs no query; and that
past ``TOUCHED_MAX`` written records the lists are read again.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from assetmap.models import Activity
from assetmap.search import pg_backend, pg_table, postings
from assetmap.search.near import NearPoint
from assetmap.search.table import Table, multi_from_lists
from assetmap.search.text import Alternative
from tests.search.conftest import add_catalogue
from tests.search.test_pg_table import committed_database


def test_a_plain_query_gives_its_lexemes_and_anything_else_none():
    assert postings.query_lexemes("'lunch' & 'club'") == ("lunch", "club")
    assert postings.query_lexemes("'walk'") == ("walk",)
    assert postings.query_lexemes("") == ()
    assert postings.query_lexemes("'it''s' & 'a\\\\b'") == ("it's", "a\\b")
    for other in ("'a' | 'b'", "'a' <-> 'b'", "'a':*", "!'a'", "'a' & !'b'", "( 'a' & 'b' )", "'a'&'b'"):
        assert postings.query_lexemes(other) is None, other


def test_a_reach_is_cut_into_one_range_of_cells_per_row_plus_its_areas():
    south, north, west, east = 53.38, 53.52, -2.41, -2.20
    found = postings.spans((south, north, west, east), areas=[7], everywhere=True)
    cells = [span for span in found if span[0] < postings.EVERYWHERE]
    assert len(cells) == 3   # 53.3, 53.4 and 53.5 onwards: rows of 0.1 degrees
    assert all(high - low == 3 for low, high in cells)   # -2.5, -2.4, -2.3, -2.2: four columns each
    assert (postings.AREA_BASE + 7, postings.AREA_BASE + 7) in found and (postings.EVERYWHERE, postings.EVERYWHERE) in found
    inside = postings.cell_numbers(np.array([53.45, south, north]), np.array([-2.3, west, east]))
    assert all(any(low <= c <= high for low, high in cells) for c in inside)
    assert postings.spans((40.0, 60.0, -5.0, 2.0)) is None   # 200 rows of cells and more: every place
    assert postings.spans((float("nan"), 1.0, 0.0, 1.0)) is None and postings.spans(None) is None


def _placed_table():
    """Five records: two with points far apart, an online one for area X, a phone line for everywhere, one with neither."""
    nan = float("nan")
    return Table(ids=np.array(list("abcde"), dtype=object), live=np.ones(5, bool), lat=np.array([53.45, 51.5, nan, nan, nan]),
                 lon=np.array([-2.3, -0.1, nan, nan, nan]), verified=np.full(5, nan),
                 multi={"delivery": multi_from_lists([["in_person"], ["in_person"], ["online"], ["telephone"], ["in_person"]]),
                        "serves": multi_from_lists([[], [], ["X"], [], []])})


def test_lists_are_sliced_by_place_and_joined_by_key():
    table = _placed_table()
    keys = np.array([10, 11, 12, 13, 14])
    places = postings.places_of(table, keys)
    term = postings.term_of(np.array([14, 13, 12, 11, 10]), np.array([0.5, 0.4, 0.3, 0.2, 0.1]), places)
    assert sorted(term.within(None)[0].tolist()) == [10, 11, 12, 13, 14]
    manchester = postings.spans((53.4, 53.5, -2.4, -2.2), areas=[places.areas["X"]], everywhere=True)
    found_keys, found_ranks = term.within(manchester)
    order = np.argsort(found_keys)
    assert found_keys[order].tolist() == [10, 12, 13] and found_ranks[order].tolist() == pytest.approx([0.1, 0.3, 0.4])
    assert term.within(postings.spans((53.4, 53.5, -2.4, -2.2)))[0].tolist() == [10]   # a map's box: points only
    other = postings.term_of(np.array([11, 10]), np.array([0.9, 0.8]), places)
    joined, ranks = postings.union([term.within(None), other.within(None), postings.EMPTY_TERM.within(None)], 20)
    assert joined.tolist() == [10, 11, 12, 13, 14]
    assert ranks[:2].ravel().tolist() == pytest.approx([0.1, 0.8, 0, 0.2, 0.9, 0])


@pytest.fixture(scope="module")
def catalogue_database(postgis_url, shared_data):
    with committed_database(postgis_url, lambda session: add_catalogue(session, shared_data)) as found:
        yield found


SALE = NearPoint(53.4246, -2.3222, "Sale", "postcode", {"lad": "E08000009", "ward": "E05000829"})
ALTERNATIVES = [["walking"], ["lonely", "befriending", "coffee morning", "social"], ["singing", "choir", "lung health"],
                ["dementia", "memory cafe", "carers"], ["nothing matches this", "the"], ["men shed", "woodwork"]]
PLACES = [(None, None, None), (SALE, 3.0, None), (SALE, 20.0, None), (None, None, (-2.40, 53.40, -2.28, 53.46)),
          (SALE, 10.0, (-2.40, 53.40, -2.28, 53.46))]


def _both(backend, words, near, radius, box):
    alternatives = [Alternative(tuple(w.split()), 1.0) for w in words]
    sql = backend._match_sql("s.search_key, s.activity_id", alternatives, near, radius, box)
    params = backend._match_params(alternatives, near, radius, box)
    return backend._looked_up(alternatives, near, radius, box, sql, params), backend._asked(sql, params, len(alternatives))


def _sorted(found):
    keys, ranks = found
    order = np.argsort(keys)
    return keys[order].tolist(), np.asarray(ranks, dtype=np.float32)[order].tolist()


def _backend(session):
    directory = pg_table.directory(session)
    directory.current(session)
    assert directory.held is not None and directory.held.postings is not None
    return pg_backend.PostgresBackend(session)


@pytest.mark.postgis
@pytest.mark.parametrize("common", [1, 10**9], ids=["every word read at start", "every word asked"])
@pytest.mark.parametrize("words", ALTERNATIVES, ids=lambda w: w[0])
def test_the_lists_answer_as_postgresql_does(catalogue_database, words, common, monkeypatch):
    engine, sessions, _ = catalogue_database
    monkeypatch.setattr(postings, "COMMON", common)
    pg_table.forget(engine)   # read again with this many
    with sessions() as session:
        backend = _backend(session)
        assert bool(backend.held.postings.words) == (common == 1)
        matched = 0
        for near, radius, box in PLACES:
            through_lists, from_sql = _both(backend, words, near, radius, box)
            assert _sorted(through_lists) == _sorted(from_sql), (near, radius, box)
            matched += len(from_sql[0])
        assert matched or words[0] == "nothing matches this"


@pytest.mark.postgis
def test_a_repeated_question_asks_nothing_and_written_records_are_asked_by_id(catalogue_database, monkeypatch):
    engine, sessions, _ = catalogue_database
    statements = []

    def note(*args):
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        with sessions() as session:
            _both(_backend(session), ["singing", "coffee morning"], SALE, 20.0, None)
            backend = _backend(session)
            statements.clear()
            alternatives = [Alternative(("singing",), 1.0), Alternative(("coffee", "morning"), 1.0)]
            sql = backend._match_sql("s.search_key", alternatives, SALE, 20.0, None)
            backend._looked_up(alternatives, SALE, 20.0, None, sql, backend._match_params(alternatives, SALE, 20.0, None))
            assert statements == []   # the lexemes and the phrase's list remembered
        with sessions.begin() as session:
            record = session.scalars(sa.select(Activity).where(Activity.lat.is_not(None)).limit(1)).one()
            record.name = "Singing for the brain"
        with sessions() as session:
            backend = _backend(session)
            assert len(backend.held.postings.touched) == 1
            asked = []
            original = pg_backend.PostgresBackend._asked
            monkeypatch.setattr(pg_backend.PostgresBackend, "_asked", lambda self, sql, params, *rest: asked.append(params.get("recheck"))
                                or original(self, sql, params, *rest))
            through_lists, from_sql = _both(backend, ["singing"], None, None, None)
            assert _sorted(through_lists) == _sorted(from_sql)
            assert record.id in backend.held.table.ids[backend.held.rows(through_lists[0], backend.held.table)]
            assert asked[0] == [record.id]   # the written record only, then the check's own full question
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


@pytest.mark.postgis
def test_lists_are_read_again_once_too_many_records_were_written(catalogue_database, monkeypatch):
    _, sessions, _ = catalogue_database
    monkeypatch.setattr(postings, "TOUCHED_MAX", 0)
    with sessions() as session:
        first = _backend(session).held
    with sessions.begin() as session:
        session.scalars(sa.select(Activity).limit(1)).one().name = "Walking netball"
    with sessions() as session:
        directory = pg_table.directory(session)
        directory.current(session)   # applies the change: one record touched, more than the limit, so all is read again
        if directory.reading is not None:
            directory.reading.join()
        assert directory.held.epoch != first.epoch and len(directory.held.postings.touched) == 0
