"""/healthz: 200 when the database and the search index are fine, 503 naming the part that is not."""

import dataclasses
import datetime as dt
import shutil
import uuid

import pytest
import sqlalchemy as sa

from assetmap import db
from assetmap.models import IndexChange
from assetmap.search import build_index
from assetmap.web import create_app
from assetmap.web.health import check_index_health

from ..conftest import FIXED_NOW
from ..factories import make_activity, private_copy


@pytest.fixture
def copy_settings(web_settings, tmp_path):
    return private_copy(web_settings, tmp_path)


def _healthz(settings):
    app = create_app(settings)
    try:
        response = app.test_client().get("/healthz")
        return response.status_code, response.get_json(), response.headers
    finally:
        app.extensions["assetmap"]["engine"].dispose()


def test_all_well_is_200_with_each_part_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"database": "ok", "index": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_missing_index_folder_is_503_naming_the_index(copy_settings):
    shutil.rmtree(copy_settings.index_dir)
    status, body, _ = _healthz(copy_settings)
    assert status == 503 and body["database"] == "ok" and body["index"].startswith("missing")


def test_a_damaged_index_is_503_naming_the_index(copy_settings, tmp_path):
    for segment in (tmp_path / "index").glob("*.seg"):
        segment.write_bytes(b"not a segment")
    for toc in (tmp_path / "index").glob("*.toc"):
        toc.write_bytes(b"\x00garbage")
    status, body, _ = _healthz(copy_settings)
    assert status == 503 and body["database"] == "ok" and body["index"].startswith(("unreadable", "missing"))


def test_a_database_that_stops_answering_is_503_naming_the_database(copy_settings, tmp_path):
    app = create_app(copy_settings)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    state = app.extensions["assetmap"]
    state["engine"].dispose()
    state["engine"] = sa.create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}")   # as if its disk went away
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["database"].startswith("unavailable") and body["index"].startswith("not checked")
    assert str(tmp_path) not in response.get_data(as_text=True)    # no paths or addresses in the answer


def test_the_database_check_names_an_unreachable_database(tmp_path):
    from assetmap.web.health import check_database

    assert check_database(sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")).startswith("unavailable")
    broken = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 2})
    assert check_database(broken).startswith("unavailable (OperationalError)")


def test_changes_the_index_has_not_seen_for_minutes_are_behind_recent_ones_are_not(copy_settings):
    engine = db.make_engine(copy_settings.database_url)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        activity = make_activity(name="Not yet indexed")
        session.add(activity)
        session.flush()
        session.add(IndexChange(changed_at=FIXED_NOW - dt.timedelta(seconds=10), activity_ids=[activity.id]))
    with sessions() as session:
        assert check_index_health(session, copy_settings) == "ok"          # just committed: the catch-up has time
        later = dataclasses.replace(copy_settings, clock=lambda: FIXED_NOW + dt.timedelta(minutes=10))
        assert check_index_health(session, later).startswith("behind: 1 change(s)")
        build_index(copy_settings, session)
        assert check_index_health(session, later) == "ok"
    engine.dispose()


@pytest.mark.postgis
def test_on_postgis_the_search_tables_must_exist(postgis_url, web_settings):
    name = f"health_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    url = sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.create_schema(engine)
    settings = dataclasses.replace(web_settings, database_url=url)
    status, body, _ = _healthz(settings)
    assert status == 503 and body == {"database": "ok", "index": body["index"]} and body["index"].startswith("missing")
    with db.make_sessionmaker(engine).begin() as session:
        session.add(make_activity())
        build_index(settings, session)
    assert _healthz(settings)[:2] == (200, {"database": "ok", "index": "ok"})
    engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_runs_the_app_with_the_production_config_and_refuses_without_a_secret_key(copy_settings):
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    gunicorn = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "python:assetmap.web.gunicorn_conf", "--workers", "2"]
    env = {**os.environ, "DATABASE_URL": copy_settings.database_url, "ASSETMAP_INDEX_DIR": copy_settings.index_dir,
           "ASSETMAP_WARM_START": "0", "ASSETMAP_ENV": "production"}
    env.pop("SECRET_KEY", None)
    refused = subprocess.run([*gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{_free_port()}"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stderr
    port = _free_port()
    server = subprocess.Popen([*gunicorn, "--bind", f"127.0.0.1:{port}"], env=env | {"SECRET_KEY": "a-shared-secret"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    answer = response.status, response.read()
            except OSError:
                time.sleep(0.2)
        assert answer == (200, b'{"database":"ok","index":"ok"}\n'), server.stderr.read() if server.poll() is not None else answer
    finally:
        server.terminate()
        server.wait(timeout=30)
