"""Fixtures shared by the whole suite: paths, a fixed clock, settings and the spatial databases.

Real ONS data comes from ../shared/data and a missing file fails loudly: a skipped accuracy test
would hide a broken geocoder. The PostGIS cluster is started once per run; with
``--require-postgis`` (CI) a cluster that cannot start is an error, not a skip.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap import db
from assetmap.config import Settings

from .pg_cluster import ClusterError, PostgisCluster

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
FIXED_NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def pytest_addoption(parser):
    parser.addoption("--require-postgis", action="store_true", help="fail, not skip, when PostGIS cannot start")
    parser.addoption("--browser", action="store_true", help="run the real-browser tests (Debian chromium)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--browser"):
        return
    skip = pytest.mark.skip(reason="browser tests run with --browser (make test does)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open data beside the project; its absence is an error, never a skip."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.fail(f"shared data not found at {SHARED_DATA}: the tests need ../shared/data beside the project")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixed_now() -> dt.datetime:
    return FIXED_NOW


@pytest.fixture(scope="session")
def settings(tmp_path_factory, shared_data) -> Settings:
    tmp = tmp_path_factory.mktemp("assetmap")
    return Settings(
        database_url=f"sqlite:///{tmp / 'test.db'}",
        index_dir=str(tmp / "index"),
        boundaries_dir=str(shared_data),
        secret_key="test-secret",
        warm_start=False,
        ratelimit_search="", ratelimit_export="", ratelimit_report="", ratelimit_login="",   # off: tests/web/test_security.py sets its own
        clock=lambda: FIXED_NOW,
    )


@pytest.fixture(scope="session")
def postcodes(settings):
    """The whole ONS postcode directory (from the cache folder), loaded once per run."""
    from assetmap.places.postcodes import PostcodeLookup

    return PostcodeLookup.load(settings.cache_dir)


@pytest.fixture(scope="session")
def postgis_url(request):
    """A running PostGIS cluster's URL, started once per run."""
    try:
        cluster = PostgisCluster()
        url = cluster.start()
    except ClusterError as exc:
        if request.config.getoption("--require-postgis") or os.environ.get("CI"):
            pytest.fail(f"PostGIS is required (--require-postgis or CI) but could not start: {exc}")
        pytest.skip(f"no PostGIS here: {exc}")
    request.addfinalizer(cluster.stop)
    return url


def _engine_with_schema(url: str) -> sa.Engine:
    engine = db.make_engine(url)
    db.create_schema(engine)
    return engine


@pytest.fixture(scope="session")
def engine(settings) -> sa.Engine:
    """The SpatiaLite test database with the schema, created once per run."""
    engine = _engine_with_schema(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine(postgis_url) -> sa.Engine:
    engine = _engine_with_schema(postgis_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def any_engine(request) -> sa.Engine:
    """Both backends: a DB test that takes this fixture runs on SpatiaLite and on PostGIS."""
    return request.getfixturevalue("engine" if request.param == "spatialite" else "pg_engine")


def _rolled_back_session(engine: sa.Engine):
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def session(engine):
    """A SpatiaLite session whose work is rolled back after the test (commits become savepoints)."""
    yield from _rolled_back_session(engine)


@pytest.fixture
def any_session(any_engine):
    """Like ``session``, on each backend in turn."""
    yield from _rolled_back_session(any_engine)


@pytest.fixture
def redis_server():
    """A throw-away Redis server of this test's own (``tests/redis_server.py``); missing redis-server fails, never skips."""
    from .redis_server import RedisServer, RedisServerError

    try:
        server = RedisServer()
        server.start()
    except RedisServerError as exc:
        pytest.fail(f"Redis is required for the shared rate-limit tests but could not start: {exc}")
    yield server
    server.remove()
