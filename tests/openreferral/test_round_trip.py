"""A feed assetmap publishes reads back into a fresh assetmap (``assetmap ingest --format oruk``), by file
and by URL, with the same records, places, schedules and verification dates; ids stay put across re-imports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from werkzeug.serving import make_server

from assetmap import db
from assetmap.cli import main
from assetmap.ingest import ingest_file
from assetmap.models import Activity

from .conftest import DEMO_DIR, build_demo_db

PLACE_FIELDS = ("postcode", "venue", "address", "ward_code", "lad_code", "icb_code")
SAME_FIELDS = ("name", "description", "schedule_text", "categories", "email", "phone", "website", "accessibility", "cost_text")


def _export(client) -> list[dict]:
    """Every page of ``/services?full=true``, as a consumer would page through them."""
    services, page = [], 1
    while True:
        listing = client.get(f"/openreferral/services?full=true&per_page=100&page={page}").get_json()
        services += listing["contents"]
        if listing["last_page"]:
            return services
        page += 1


def _activities(settings, **where) -> dict[str, Activity]:
    engine = db.make_engine(settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        found = list(session.scalars(sa.select(Activity).filter_by(**where)))
        session.expunge_all()
    engine.dispose()
    return found


def _ingest(settings, target: str, *extra_args, **env):
    environment = {"DATABASE_URL": settings.database_url, "ASSETMAP_CACHE_DIR": settings.cache_dir,
                   "ASSETMAP_INDEX_DIR": settings.index_dir, **env}
    result = CliRunner().invoke(main, ["ingest", target, "--format", "oruk", "--source", "round-trip", *extra_args], env=environment)
    assert result.exit_code == 0, result.output
    return result


def _assert_same(original: dict[str, Activity], copies: list[Activity], exported: list[dict]) -> None:
    by_source_id = {a.source_id: a for a in copies}
    assert set(by_source_id) == {s["id"] for s in exported}, "the same records"
    for service in exported:
        before, after = original[service["id"]], by_source_id[service["id"]]
        where = f"{before.name} ({before.id})"
        placed_by_ingest = not before.source.startswith("feed-test")   # the hand-made records carry invented area codes
        for field in SAME_FIELDS + (PLACE_FIELDS if placed_by_ingest else PLACE_FIELDS[:3]):
            assert getattr(after, field) == getattr(before, field), f"{where}: {field} {getattr(before, field)!r} → {getattr(after, field)!r}"
        if before.lat is not None:
            assert abs(after.lat - before.lat) < 1e-5 and abs(after.lon - before.lon) < 1e-5, f"{where}: moved"
        assert after.status == before.status, where
        assert sorted(after.schedule) == sorted(before.schedule), f"{where}: schedule tokens"
        if placed_by_ingest:   # hand-made records have no typed schedule beside their text: a re-import reads one from it
            assert (after.extra or {}).get("schedule") == (before.extra or {}).get("schedule"), f"{where}: typed schedule"
        assert set(after.delivery) == set(before.delivery), f"{where}: delivery"
        if service.get("assured_date"):
            assert after.last_verified.date() == dt.date.fromisoformat(service["assured_date"]), f"{where}: verification date"


@pytest.fixture(scope="module")
def exported(feed_app):
    return _export(feed_app.test_client())


@pytest.fixture(scope="module")
def originals(feed_settings):
    return {a.id: a for a in _activities(feed_settings)}


def test_round_trip_by_file(exported, originals, settings, shared_data, tmp_path):
    target = build_demo_db(settings, tmp_path, shared_data, files=())
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(exported))
    _ingest(target, str(path))
    _assert_same(originals, _activities(target), exported)
    _ingest(target, str(path))   # a re-import of the same feed keeps every record as it was
    _assert_same(originals, _activities(target), exported)


def test_round_trip_by_url_from_a_served_feed(exported, originals, feed_app, settings, shared_data, tmp_path):
    target = build_demo_db(settings, tmp_path, shared_data, files=())
    server = make_server("127.0.0.1", 0, feed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _ingest(target, f"http://127.0.0.1:{server.server_port}/openreferral", ASSETMAP_FETCH_ALLOW_PRIVATE="1")
    finally:
        server.shutdown()
        thread.join()
    _assert_same(originals, _activities(target), exported)


def test_loopback_feed_is_refused_without_the_setting(feed_app, settings, shared_data, tmp_path):
    target = build_demo_db(settings, tmp_path, shared_data, files=())
    server = make_server("127.0.0.1", 0, feed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"DATABASE_URL": target.database_url, "ASSETMAP_CACHE_DIR": target.cache_dir, "ASSETMAP_INDEX_DIR": target.index_dir}
        result = CliRunner().invoke(main, ["ingest", f"http://127.0.0.1:{server.server_port}/openreferral", "--format", "oruk"], env=env)
    finally:
        server.shutdown()
        thread.join()
    assert result.exit_code != 0 and "private" in result.output.lower()
    assert not _activities(target)


def _ids(value) -> set[str]:
    """Every id anywhere in a document."""
    if isinstance(value, dict):
        return {v for k, v in value.items() if k == "id" or k.endswith("_id")} | {i for v in value.values() for i in _ids(v)}
    if isinstance(value, list):
        return {i for v in value for i in _ids(v)}
    return set()


def _feed_ids(settings) -> set[str]:
    from assetmap.web import create_app

    app = create_app(settings)
    client = app.test_client()
    lines = client.get("/openreferral/services?format=ndjson&full=true").get_data(as_text=True).splitlines()
    found = _ids([json.loads(line) for line in lines]) | _ids(client.get("/openreferral/service_at_locations?per_page=1000").get_json())
    app.extensions["assetmap"]["engine"].dispose()
    return found


def test_ids_are_stable_across_a_re_ingest_and_a_fresh_directory(settings, shared_data, tmp_path):
    files = (("demo_oruk.json", "demo-oruk"), ("demo_activities.csv", "demo-spreadsheet"))
    (tmp_path / "one").mkdir()
    first = build_demo_db(settings, tmp_path / "one", shared_data, files=files)
    before = _feed_ids(first)
    engine = db.make_engine(first.database_url)
    for name, source in files:
        ingest_file(first, db.make_sessionmaker(engine), DEMO_DIR / name, source=source)
    engine.dispose()
    assert _feed_ids(first) == before
    (tmp_path / "two").mkdir()
    later = dataclasses.replace(settings, clock=lambda: settings.clock() + dt.timedelta(days=3))
    assert _feed_ids(build_demo_db(later, tmp_path / "two", shared_data, files=files)) == before
    assert len(before) > 500
