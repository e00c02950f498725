"""Activity pages and result lists made from what the process keeps per record version are the pages made afresh.

On PostgreSQL an activity page takes its record, words, provenance and calendar offer from what is
kept for the record's version (``web/page_record.py``), and a results page its results' HTML
(``web/result_html.py``): each test compares them with the same page made without keeping, and
checks that every change shows at once, on both backends (SQLite keeps nothing, so is the reference).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from assetmap import changes, db
from assetmap.schedule import parse_schedule
from assetmap.search import build_index
from assetmap.web import create_app, page_record, result_html
from tests.factories import new_pg_database

from ..factories import make_activity, make_organisation

NOW = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.UTC)
EDITOR = changes.editor_actor("editor@example.org")


def _records(organisation_id: str) -> dict[str, object]:
    weekly = parse_schedule("Every Tuesday 10:00-11:00", NOW.date())
    return {
        "walk": make_activity(name="Sale walk", organisation_id=organisation_id, schedule=weekly.tokens, extra={"schedule": weekly.detail}),
        "choir": make_activity(name="Stretford choir", lat=53.4466, lon=-2.3090, categories=["singing"], last_verified=None,
                               extra={"service_area_text": ["Stretford"]}),   # an area it serves instead of its distance
        "phone": make_activity(name="Befriending phone walk", delivery=["telephone"], lat=None, lon=None, postcode=None,
                               precision="none", service_area=["E08000009"]),
        "other": make_activity(name="Sale walk (the council's list)", source="council", lat=53.4252, lon=-2.3256),
    }


@dataclasses.dataclass
class World:
    settings: object
    sessions: object
    app: object
    ids: dict[str, str]
    postgres: bool

    def write(self, actor: str = EDITOR):
        return changes.writing(self.settings, self.sessions, actor)


@contextlib.contextmanager
def _world(backend: str, request, settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'kept.db'}" if backend == "spatialite" else new_pg_database(request.getfixturevalue("postgis_url"), "kept")
    own = dataclasses.replace(settings, database_url=url, index_dir=str(tmp_path / "index"), tile_url="", clock=lambda: NOW)
    engine = db.make_engine(own.database_url)
    db.create_schema(engine)
    organisation = make_organisation(name="Sale Striders")
    records = _records(organisation.id)
    with db.make_sessionmaker(engine).begin() as session:
        session.add(organisation)
        session.add_all(records.values())
        build_index(own, session)
    engine.dispose()
    app = create_app(own)
    state = app.extensions["assetmap"]
    try:
        ids = {name: record.id for name, record in records.items()} | {"organisation": organisation.id}
        yield World(own, state["sessions"], app, ids, backend == "postgis")
    finally:
        state["engine"].dispose()


@pytest.fixture(params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def world(request, settings, tmp_path):
    with _world(request.param, request, settings, tmp_path) as made:
        yield made


@pytest.fixture
def postgis_world(request, settings, tmp_path):
    with _world("postgis", request, settings, tmp_path) as made:
        yield made


def _page(client, activity_id: str) -> str:
    response = client.get(f"/activities/{activity_id}?back=q%3Dwalk")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _afresh(monkeypatch, fetch):
    """``fetch()`` with nothing kept: the activity page from its query, every result rendered in full."""
    with monkeypatch.context() as patched:
        patched.setattr(page_record, "_kept", lambda session, activity_id: None)
        patched.setattr(result_html, "kept", lambda kind, version, key, build: build())
        return fetch()


def test_every_change_to_a_record_shows_on_its_page_at_once(world):
    client = world.app.test_client()
    walk = world.ids["walk"]
    page = _page(client, walk)
    assert "Add to your calendar" in page and "Run by Sale Striders" in page and "Phone number corrected" not in page
    with world.write() as tx:
        tx.edit_activity(walk, {"phone": "0161 496 0000"})
    page = _page(client, walk)
    assert "0161 496 0000" in page and "Phone number corrected by an editor, 15 Jun 2026" in page
    with world.write() as tx:
        tx.update_organisations([{"id": world.ids["organisation"], "name": "Sale Striders Club"}])
    assert "Run by Sale Striders Club" in _page(client, walk)   # a rename is not a new version of its activities
    with world.write() as tx:
        report = tx.report_problem(walk, "closed", "it stopped").id
    assert "report-note" in _page(client, walk)   # a report does not touch the record: asked for on every view
    with world.write() as tx:
        tx.deal_with_report(report)
    assert "report-note" not in _page(client, walk)
    with world.write() as tx:
        tx.link_duplicates([(walk, world.ids["other"], "same name and place")])
    assert "Also listed by council" in _page(client, walk)
    with world.write(changes.source_actor("test")) as tx:
        tx.close_activities([walk])
    page = _page(client, walk)
    assert "This activity is closed." in page and "No longer listed in test&#39;s list since 15 Jun 2026." in page


def test_a_kept_activity_page_is_the_page_made_from_the_database(postgis_world, monkeypatch):
    world = postgis_world
    client = world.app.test_client()
    with world.write() as tx:
        tx.report_problem(world.ids["choir"], "wrong_time", "")
        tx.link_duplicates([(world.ids["walk"], world.ids["other"], "same name and place")])
    for activity_id in [world.ids[name] for name in ("walk", "choir", "phone", "other")]:
        with world.sessions() as session:
            assert page_record.load(session, activity_id).version is not None   # the kept path is the one compared
        kept, again = _page(client, activity_id), _page(client, activity_id)
        assert kept == again == _afresh(monkeypatch, lambda page=activity_id: _page(client, page))


def test_a_kept_activity_page_asks_the_database_only_for_open_reports_and_its_organisations_name(postgis_world):
    world = postgis_world
    client = world.app.test_client()
    _page(client, world.ids["walk"])
    statements = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)   # noqa: E731
    engine = world.app.extensions["assetmap"]["engine"]
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        _page(client, world.ids["walk"])
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert [s for s in statements if "activity.description" in s or "audit_entry" in s] == []   # (a look for changes may run)
    assert len([s for s in statements if "problem_report" in s]) == 1


@pytest.mark.parametrize("path", ["/?q=sale", "/?q=sale&near=M33+7XW", "/?q=sale&near=M33+7XW&page=1&status=all", "/?near=M33+7XW"])
def test_kept_results_are_the_results_rendered_in_full(world, monkeypatch, path):
    client = world.app.test_client()
    assert "also-listed" not in client.get(path).get_data(as_text=True)   # kept, then changed
    with world.write() as tx:
        tx.link_duplicates([(world.ids["walk"], world.ids["other"], "same name and place")])
    first, second = client.get(path).get_data(as_text=True), client.get(path).get_data(as_text=True)
    assert first == second == _afresh(monkeypatch, lambda: client.get(path).get_data(as_text=True))
    assert "also-listed" in first   # the linked pair: one result, the other listing under it
    assert re.search(r'href="/activities/[^"?]+\?back=q%3Dsale', first) or "q=" not in path


def test_results_kept_for_one_search_link_back_to_another_and_show_its_distances(world):
    client = world.app.test_client()
    near = client.get("/?q=walk&near=M33+7XW").get_data(as_text=True)
    far = client.get("/?q=walk&near=M41+0NA").get_data(as_text=True)   # Urmston: other distances, the same results kept
    walk = world.ids["walk"]
    assert f'href="/activities/{walk}?back=q%3Dwalk%26near%3DM33%2B7XW"' in near
    assert f'href="/activities/{walk}?back=q%3Dwalk%26near%3DM41%2B0NA"' in far
    distances = [re.findall(r'<span class="distance">([^<]+)</span>', page) for page in (near, far)]
    assert distances[0] and distances[1] and distances[0] != distances[1]
    assert "Serves all of Stretford" in near and "By phone" in near   # no distance for these two


def test_a_record_holding_the_marker_is_rendered_in_full(world, monkeypatch):
    client = world.app.test_client()
    expected = _afresh(monkeypatch, lambda: client.get("/?q=walk").get_data(as_text=True))
    monkeypatch.setattr(result_html, "MARK", "Sale walk")   # as if a record's name held the marker: never kept, still right
    assert client.get("/?q=walk").get_data(as_text=True) == expected

