"""PostgreSQL search finds a near search's records through the word index's ``place`` words, exactly as before.

A near search asks the word index for (its words) AND (the grid cells its reach box covers OR its
areas' codes OR "everywhere"), then the reach clause decides. These check that the cells cover the
box (a record just inside an edge that is also a cell edge is found, one just outside is not), that
SQL and Python number cells alike, that online services for the searcher's area and for everywhere
are found and others not, that the answer is the same as without the place words (same records, same
ranks) through the process's copy and from the rows, and that an edit moving a record moves its place.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import sqlalchemy as sa

from assetmap.models import Activity
from assetmap.search import pg_backend, pg_table, text
from assetmap.search.near import NearPoint
from assetmap.search.pg_table import reach_box
from tests.factories import make_activity
from tests.search.test_pg_table import committed_database

LAD = "E08000009"
RADIUS_KM = 3.0
HALF = RADIUS_KM / 110.0 + 0.01                   # reach_box's half height
NEAR = NearPoint(53.4 + 2e-9 + HALF, -2.3255, "test", "coordinates", {"lad": LAD, "ward": "E05000829"})
SOUTH, NORTH, WEST, EAST = reach_box(NEAR, RADIUS_KM)


def _cells(query: str) -> list[str]:
    return [w.strip("'") for w in query.split(" | ") if w.startswith("'g")]


def test_a_box_is_covered_by_a_few_cells_of_the_size_that_fits_it():
    query = pg_backend.place_query((SOUTH, NORTH, WEST, EAST), [LAD])
    words = [w.strip("'") for w in query.split(" | ")]
    assert "everywhere" in words and "s" + hashlib.md5(LAD.encode()).hexdigest() in words
    cells = _cells(query)
    assert 1 <= len(cells) <= pg_backend.MAX_PLACE_CELLS
    assert {c[:3] for c in cells} == {"g0y"}   # 3 km: the smallest cells
    wide = _cells(pg_backend.place_query(reach_box(NEAR, 20.0), []))
    assert len(wide) <= pg_backend.MAX_PLACE_CELLS and wide[0][:3] > "g0y"
    assert pg_backend.place_query(reach_box(NEAR, 500.0), []) is None   # too wide for any size: the words alone


def test_the_box_edges_used_below_lie_just_across_a_cell_edge():
    size = pg_backend.CELL_SIZES[0]
    assert pg_backend._cell(SOUTH - 3e-9, size) == pg_backend._cell(SOUTH, size) - 1


@pytest.mark.postgis
def test_sql_numbers_cells_as_python_does(pg_engine):
    values = [53.4, 53.4 - 1e-12, 53.45, -2.35, -0.0, 0.0, 1e-300, -1e-300, 0.15, 0.3, 0.7, 89.99, -179.95, 1e308, -1e308]
    with pg_engine.connect() as connection:
        pg_backend.ensure_schema(connection)
        for size in pg_backend.CELL_SIZES:
            found = connection.execute(sa.text("SELECT assetmap_cell(v, :size) FROM unnest(CAST(:values AS float8[])) AS v"),
                                       {"size": size, "values": values}).scalars().all()
            assert found == [str(pg_backend._cell(v, size)) for v in values]
        connection.rollback()


def _records() -> list[Activity]:
    """Who a 3 km search near NEAR must find (``found_*``) and must not (``away_*``)."""
    walk = dict(name="Walking group", categories=["walking"])
    remote = dict(delivery=["online"], lat=None, lon=None, **walk)
    return [
        make_activity(id="found_south_edge", lat=SOUTH, lon=NEAR.lon, **walk),
        make_activity(id="away_south_edge", lat=SOUTH - 3e-9, lon=NEAR.lon, **walk),
        make_activity(id="found_east_edge", lat=NEAR.lat, lon=EAST, **walk),
        make_activity(id="away_east_edge", lat=NEAR.lat, lon=np.nextafter(EAST, 180.0), **walk),
        make_activity(id="found_centre", lat=NEAR.lat, lon=NEAR.lon, **walk),
        make_activity(id="away_london", lat=51.507, lon=-0.128, **walk),
        make_activity(id="found_online_for_the_area", service_area=[LAD], **remote),
        make_activity(id="away_online_for_another_area", service_area=["E08000010"], **remote),
        make_activity(id="found_online_for_everywhere", service_area=[], **remote),
        make_activity(id="found_phone_line_based_in_reach", delivery=["telephone"], lat=NEAR.lat, lon=NEAR.lon, service_area=[], **walk),
        make_activity(id="away_phone_line_based_far", delivery=["telephone"], lat=51.507, lon=-0.128, service_area=[], **walk),
        make_activity(id="away_in_person_nowhere", lat=None, lon=None, service_area=[], **walk),
        make_activity(id="away_other_words", name="Choir", categories=["singing"], description="We sing.", lat=NEAR.lat, lon=NEAR.lon),
    ]


@pytest.fixture(scope="module")
def placed(postgis_url):
    with committed_database(postgis_url, lambda session: session.add_all(_records())) as found:
        yield found


def _retrieve(sessions, held: bool) -> dict[str, tuple]:
    """Each match's id and its concept scores, through the process's copy (``held``) or from the rows."""
    plan = text.plan_query(["walking"], text.load_synonyms(), {})
    with sessions() as session:
        backend = pg_backend.PostgresBackend(session)
        if not held:
            backend.held = None
        else:
            assert backend.held is not None
        table, scores = backend.retrieve(plan, NEAR, RADIUS_KM)
        return {table.ids[i]: tuple(float(s[i]) for s in scores) for i in range(len(table)) if table.live[i]}


@pytest.mark.postgis
@pytest.mark.parametrize("held", [True, False], ids=["copy", "rows"])
def test_a_near_search_finds_exactly_the_records_in_reach(placed, held, monkeypatch):
    _, sessions, _ = placed
    found = _retrieve(sessions, held)
    assert sorted(found) == sorted(r.id for r in _records() if r.id.startswith("found_"))
    monkeypatch.setattr(pg_backend, "place_query", lambda box, codes: None)   # the reach clause alone, as before
    assert _retrieve(sessions, held) == found


@pytest.mark.postgis
def test_the_place_words_use_the_word_index(placed):
    _, sessions, _ = placed
    where, params = pg_backend._reach_sql(NEAR, RADIUS_KM)
    with sessions() as session:
        session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(sa.text(f"EXPLAIN SELECT s.search_key FROM activity_search s WHERE s.document @@ "
                                       f"plainto_tsquery('english', 'walking') AND {where}"), params).scalars().all()
    assert any("ix_activity_search_words_place" in line for line in plan)
    assert "s.place @@" in where


@pytest.mark.postgis
def test_an_edit_moves_a_record_out_of_reach_and_back(placed):
    _, sessions, _ = placed
    with sessions.begin() as session:
        session.get(Activity, "found_centre").lat = 51.507
    assert "found_centre" not in _retrieve(sessions, held=True)
    with sessions.begin() as session:
        session.get(Activity, "found_centre").lat = NEAR.lat
    assert "found_centre" in _retrieve(sessions, held=True)
    with sessions() as session:
        assert pg_backend.check(session) == []


def _migration():
    import importlib.util
    from pathlib import Path

    path = Path(pg_backend.__file__).parent.parent / "migrations" / "versions" / "0008_search_place.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0008_runs_the_place_statements_of_this_version():
    """A change to ``pg_backend.PLACE`` needs a new migration (the stored column is not recomputed by ``build``)."""
    assert [" ".join(s.split()) for s in _migration().PLACE] == [" ".join(s.split()) for s in pg_backend.PLACE]


@pytest.mark.postgis
def test_migration_0008_upgrades_first_version_search_tables(postgis_url):
    def fill(session):
        session.add_all(_records())

    with committed_database(postgis_url, fill) as (engine, sessions, _):
        migration = _migration()
        with engine.begin() as connection:
            for statement in migration.FIRST_VERSION:
                connection.execute(sa.text(statement))
        with sessions() as session:
            assert not pg_backend.is_ready(session)   # searches say "run assetmap index" until upgraded
        with engine.begin() as connection:
            for statement in migration.PLACE:
                connection.execute(sa.text(statement))
        pg_table.forget(engine)
        with sessions() as session:
            assert pg_backend.is_ready(session)
        assert sorted(_retrieve(sessions, held=True)) == sorted(r.id for r in _records() if r.id.startswith("found_"))


@pytest.mark.postgis
@pytest.mark.parametrize("held", [True, False], ids=["copy", "rows"])
def test_a_map_box_with_words_keeps_exactly_the_records_inside_it(placed, held, monkeypatch):
    box = (WEST, SOUTH, EAST, NORTH)   # west, south, east, north: the reach box of NEAR as a map's view
    plan = text.plan_query(["walking"], text.load_synonyms(), {})

    def ids():
        _, sessions, _ = placed
        with sessions() as session:
            backend = pg_backend.PostgresBackend(session)
            if not held:
                backend.held = None
            table, _ = backend.retrieve(plan, box=box)
            return sorted(table.ids)

    inside = ids()
    assert inside == sorted(["found_south_edge", "found_east_edge", "found_centre", "found_phone_line_based_in_reach"])
    monkeypatch.setattr(pg_backend, "_box_place", lambda box: None)
    assert ids() == inside
