"""What a request must never do: write in its own transaction, wait on a busy database, answer the API in HTML,
or trust the Host header for a link it shows."""

import dataclasses
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
import sqlean

from assetmap.models import SearchLog
from assetmap.web import create_app, insert_briefly

from ..factories import private_copy


@pytest.fixture(scope="module")
def edge_settings(web_settings, tmp_path_factory):
    """A copy of the web database, so the shortlists and logs written here leave the shared one as it was."""
    return private_copy(web_settings, tmp_path_factory.mktemp("edges"))


@pytest.fixture(scope="module")
def app(edge_settings):
    app = create_app(edge_settings)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


def _db_path(app):
    return app.extensions["assetmap"]["settings"].database_url.removeprefix("sqlite:///")


def _search_log_count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM search_log").fetchone()[0]


def test_low_result_search_is_logged_on_its_own_transaction(client, app):
    before = _search_log_count(_db_path(app))
    assert client.get("/api/activities?q=zzzqqqlogged").status_code == 200
    assert _search_log_count(_db_path(app)) == before + 1


def _logged(path, query):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM search_log WHERE query = ?", (query,)).fetchone()[0]


def test_a_busy_database_drops_the_search_log_instead_of_waiting(client, app):
    path = _db_path(app)
    assert _logged(path, "zzzqqqbusy") == 0
    # The app's own SQLite (sqlean's): a second SQLite library in one process would not see this lock (POSIX locks are per process).
    holder = sqlean.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")   # what an ingest holds while it writes
        started = time.monotonic()
        response = client.get("/api/activities?q=zzzqqqbusy")
        elapsed = time.monotonic() - started
        body = response.get_json()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200 and body["total"] == 0
    assert elapsed < 2
    assert _logged(path, "zzzqqqbusy") == 0   # this search's row was dropped (other writers' rows do not matter here)


def test_an_unexpected_error_in_the_api_is_json(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("assetmap.web.api.search_activities", broken)
    response = client.get("/api/activities?q=walk")
    assert response.status_code == 500 and response.is_json
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 500 and "boom" not in body["error"]


def test_the_share_link_never_comes_from_the_host_header(client):
    ids = [i["id"] for i in client.get("/api/activities?per_page=2").get_json()["items"]]
    html = client.get("/shortlist?" + "&".join(f"ids={i}" for i in ids), headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "Link to this list" in html and "evil.example" not in html


def test_the_share_link_uses_the_configured_base_url(edge_settings):
    app = create_app(dataclasses.replace(edge_settings, base_url="https://assets.example.org/"))
    try:
        client = app.test_client()
        ids = [i["id"] for i in client.get("/api/activities?per_page=1").get_json()["items"]]
        html = client.get(f"/shortlist?ids={ids[0]}", headers={"Host": "evil.example"}).get_data(as_text=True)
    finally:
        app.extensions["assetmap"]["engine"].dispose()
    assert f"https://assets.example.org/shortlist?ids={ids[0]}" in html and "evil.example" not in html


def test_warm_start_loads_the_reference_data_in_the_background(edge_settings, monkeypatch):
    loaded = {"areas": threading.Event(), "postcodes": threading.Event()}
    monkeypatch.setattr("assetmap.places.cache.area_index", lambda _session: loaded["areas"].set())
    monkeypatch.setattr("assetmap.places.cache.postcode_lookup", lambda _settings: loaded["postcodes"].set())
    app = create_app(dataclasses.replace(edge_settings, warm_start=True))
    try:
        assert loaded["areas"].wait(10) and loaded["postcodes"].wait(10)
    finally:
        app.extensions["assetmap"]["engine"].dispose()


def test_the_short_write_works_on_both_backends(any_engine, settings):
    values = [{"logged_at": settings.clock(), "query": "briefly written", "filters": {"days": ["mon"]}, "result_count": 0}]
    assert insert_briefly(any_engine, SearchLog, values)
    with any_engine.begin() as conn:
        assert conn.execute(sa.delete(SearchLog).where(SearchLog.query == "briefly written")).rowcount == 1
