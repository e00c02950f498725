"""The map's kept points (web/map_points.py): a map box shows every change at once, on both backends.

Each test warms the process's points with a map, changes records through the one write path (an
edit, a check, an ingest, a close, a linked duplicate, a new record) and asks for the same map again:
it must show the new state, with a new ETag. Freshness moves with the injected clock alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from assetmap import changes, db
from assetmap.freshness import Thresholds
from assetmap.ingest import ingest_file
from assetmap.search import build_index
from assetmap.web import create_app
from assetmap.web.map_points import MapPoints, state_until
from tests.factories import new_pg_database

from ..factories import make_activity

BOX = "/api/activities.geojson?bbox=-2.40,53.40,-2.25,53.48&compact=1"
START = dt.datetime.now(dt.UTC).replace(microsecond=0)   # no fixed date: the clock moves from today
EDITOR = changes.editor_actor("editor@example.org")
SHEET_HEADER = ("Activity,Organisation Name,Description,Category,Format,When,Cost,Telephone,Venue,Address,Post Code,Status,"
                "Date checked,Checked by,Source ID\n")


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass
class World:
    settings: object
    sessions: object
    app: object
    clock: Clock
    ids: dict[str, str]

    def box(self, client, path: str = BOX) -> tuple[dict[str, dict], str]:
        response = client.get(path)
        assert response.status_code == 200
        return {f["properties"]["id"]: f["properties"] for f in response.get_json()["features"]}, response.headers["ETag"]

    def write(self):
        return changes.writing(self.settings, self.sessions, EDITOR)


def _records() -> dict[str, object]:
    """A walk checked 10 days ago, a choir about to turn ageing (180 days less 12 hours), a café never checked."""
    return {
        "walk": make_activity(name="Sale walk", last_verified=START - dt.timedelta(days=10)),
        "choir": make_activity(name="Stretford choir", lat=53.4466, lon=-2.3090, categories=["singing"],
                               last_verified=START - dt.timedelta(days=180) + dt.timedelta(hours=12)),
        "cafe": make_activity(name="Urmston café", lat=53.4480, lon=-2.3550, categories=["food"], last_verified=None),
        "other": make_activity(name="Sale walk (the council's list)", source="council", lat=53.4252, lon=-2.3256),
    }


def _database_url(backend: str, request, tmp_path) -> str:
    if backend == "spatialite":
        return f"sqlite:///{tmp_path / 'map.db'}"
    return new_pg_database(request.getfixturevalue("postgis_url"), "map_points")


@contextlib.contextmanager
def _world(backend: str, request, settings, tmp_path):
    clock = Clock(START)
    own = dataclasses.replace(settings, database_url=_database_url(backend, request, tmp_path), index_dir=str(tmp_path / "index"),
                              tile_url="", clock=clock)
    engine = db.make_engine(own.database_url)
    db.create_schema(engine)
    records = _records()
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all(records.values())
        build_index(own, session)
    engine.dispose()
    app = create_app(own)
    state = app.extensions["assetmap"]
    try:
        yield World(own, state["sessions"], app, clock, {name: record.id for name, record in records.items()})
    finally:
        state["engine"].dispose()


@pytest.fixture(params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def world(request, settings, tmp_path):
    with _world(request.param, request, settings, tmp_path) as made:
        yield made


def test_an_edit_a_check_and_a_close_show_at_once_with_a_new_etag(world):
    client = world.app.test_client()
    shown, tag = world.box(client)
    assert {shown[world.ids[n]]["freshness"] for n in ("walk", "cafe")} == {"fresh", "unknown"}
    assert client.get(BOX, headers={"If-None-Match": tag}).status_code == 304   # nothing changed: the browser's copy stands
    with world.write() as tx:
        tx.edit_activity(world.ids["walk"], {"name": "Sale Striders walk", "categories": ["walking", "social"]})
    shown, edited = world.box(client)
    assert shown[world.ids["walk"]]["name"] == "Sale Striders walk" and shown[world.ids["walk"]]["categories"] == ["walking", "social"]
    assert edited != tag and client.get(BOX, headers={"If-None-Match": tag}).status_code == 200
    with world.write() as tx:
        tx.verify_activity(world.ids["cafe"], "phoned")
    shown, checked = world.box(client)
    assert shown[world.ids["cafe"]]["freshness"] == "fresh" and checked != edited
    with world.write() as tx:
        tx.close_activities([world.ids["cafe"]])
    shown, closed = world.box(client)
    assert world.ids["cafe"] not in shown and closed != checked


def test_a_move_an_added_record_and_a_linked_duplicate_show_at_once(world):
    client = world.app.test_client()
    shown, _ = world.box(client)
    assert {world.ids["walk"], world.ids["other"]} <= set(shown)
    with world.write() as tx:
        tx.edit_activity(world.ids["choir"], {"lat": 53.3800, "lon": -2.3500})   # moved out of the box
        added = tx.add_activity({"name": "Altrincham knit and natter", "lat": 53.4500, "lon": -2.3000, "categories": ["crafts"]}).id
        tx.link_duplicates([(world.ids["walk"], world.ids["other"], "same name and place")])
    shown, _ = world.box(client)
    assert world.ids["choir"] not in shown
    assert shown[added]["name"] == "Altrincham knit and natter" and shown[added]["freshness"] == "fresh"
    assert len({world.ids["walk"], world.ids["other"]} & set(shown)) == 1   # one activity, shown once


def test_an_ingest_shows_its_new_and_changed_records(world, postcodes, tmp_path):
    client = world.app.test_client()
    sheet = tmp_path / "sheet.csv"
    checked = (START - dt.timedelta(days=300)).strftime("%d/%m/%Y")
    sheet.write_text(SHEET_HEADER + f"Sale bowls,Sale Bowlers,Bowls on the green.,Sport,In person,Mondays 2pm,Free,,Sale Park,,M33 7XW,Active,"
                                    f"{checked},Organiser,B-1\n", encoding="utf-8")
    ingest_file(world.settings, world.sessions, sheet, postcodes=postcodes, source="bowls")
    [bowls] = [p for p in world.box(client)[0].values() if p["name"] == "Sale bowls"]
    assert bowls["freshness"] == "ageing"
    again = (START - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    sheet.write_text(SHEET_HEADER + f"Sale crown green bowls,Sale Bowlers,Bowls on the green.,Sport,In person,Mondays 2pm,Free,,Sale Park,,"
                                    f"M33 7XW,Active,{again},Organiser,B-1\n", encoding="utf-8")
    ingest_file(world.settings, world.sessions, sheet, postcodes=postcodes, source="bowls")
    shown = world.box(client)[0]
    assert (shown[bowls["id"]]["name"], shown[bowls["id"]]["freshness"]) == ("Sale crown green bowls", "fresh")


def test_a_restore_that_takes_the_audit_trail_back_forgets_every_kept_point(world):
    """A restore writes records without new audit entries: the trail going back (SQLite), or the search's log (PostgreSQL), shows it."""
    client = world.app.test_client()
    with world.write() as tx:
        tx.edit_activity(world.ids["choir"], {"name": "Stretford community choir"})
    _, tag = world.box(client)
    with world.sessions.begin() as session:
        session.execute(sa.text("UPDATE activity SET name = 'Restored walk' WHERE id = :id"), {"id": world.ids["walk"]})
        session.execute(sa.text("DELETE FROM audit_entry WHERE id = (SELECT max(id) FROM audit_entry)"))
    shown, restored = world.box(client)
    assert shown[world.ids["walk"]]["name"] == "Restored walk" and restored != tag


def test_freshness_moves_with_the_clock_alone(world):
    client = world.app.test_client()
    shown, tag = world.box(client)
    assert shown[world.ids["choir"]]["freshness"] == "fresh"
    world.clock.now = START + dt.timedelta(hours=13)   # 180 days since the check: no record changed
    shown, later = world.box(client)
    assert shown[world.ids["choir"]]["freshness"] == "ageing" and shown[world.ids["walk"]]["freshness"] == "fresh"
    world.clock.now = START + dt.timedelta(days=1)
    assert world.box(client)[1] != tag   # a new day: a new ETag, so a browser's copy of yesterday's map is not reused


@pytest.mark.postgis
def test_on_postgis_a_change_that_commits_after_a_later_one_is_not_missed(request, settings, tmp_path):
    """Audit ids are handed out as transactions write, not as they commit: an older, slower transaction's change shows too."""
    with _world("postgis", request, settings, tmp_path) as world:
        client = world.app.test_client()
        world.box(client)
        slow = world.sessions()
        slow.execute(sa.text("UPDATE activity SET name = 'Slow walk' WHERE id = :id"), {"id": world.ids["walk"]})
        slow.execute(sa.text("INSERT INTO audit_entry (record_type, record_id, changed_at, actor, action) "
                             "VALUES ('activity', :id, now(), 'editor:slow', 'edit')"), {"id": world.ids["walk"]})
        with world.write() as tx:   # a later audit id, committed first
            tx.verify_activity(world.ids["cafe"], "phoned")
        shown, tag = world.box(client)
        assert shown[world.ids["cafe"]]["freshness"] == "fresh" and shown[world.ids["walk"]]["name"] == "Sale walk"
        slow.commit()
        slow.close()
        shown, after = world.box(client)
        assert shown[world.ids["walk"]]["name"] == "Slow walk" and after != tag


# -- the points themselves, without a database ----------------------------------------------------
def test_state_until_is_when_the_freshness_state_next_changes():
    checked = START - dt.timedelta(days=100)
    limits = Thresholds(180, 365)
    assert state_until(checked, limits, START) == checked + dt.timedelta(days=180)
    assert state_until(checked, limits, checked + dt.timedelta(days=200)) == checked + dt.timedelta(days=365)
    assert state_until(checked, limits, checked + dt.timedelta(days=365)) is None
    assert state_until(None, limits, START) is None


def test_points_past_their_moment_are_not_served_and_none_read_before_a_look_are_kept():
    points = MapPoints(limit=100)
    kept, epoch = points.get(["a", "b"], START)
    assert kept == [None, None]
    points.put({"a": (b"A", START + dt.timedelta(hours=1)), "b": (b"B", None)}, epoch)
    assert points.get(["a", "b"], START)[0] == [b"A", b"B"]
    assert points.get(["a", "b"], START + dt.timedelta(hours=1))[0] == [None, b"B"]
    _, epoch = points.get(["c"], START)
    points._forget(["b"])   # a look found b changed while c was being read
    points.put({"c": (b"C", None)}, epoch)
    assert points.get(["b", "c"], START)[0] == [None, None]


def test_points_stay_within_their_limit_under_threads():
    points = MapPoints(limit=1000)

    def fill(prefix: str):
        for n in range(200):
            _, epoch = points.get([f"{prefix}{n}"], START)
            points.put({f"{prefix}{n}-{k}": (b"x", None) for k in range(20)}, epoch)

    threads = [threading.Thread(target=fill, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0 < len(points.points) <= 1000
