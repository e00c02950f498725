"""Faults an IT team tries before accepting assetmap, each on a real ``assetmap`` process.

An ingest is killed (SIGKILL) just before and just after its database commit, stopped with SIGTERM
and Ctrl-C, run twice at once, pointed at a database that is not there; the index is damaged or
deleted. The exact moments come from the documented test hook ``ASSETMAP_TEST_HOOK``
(``assetmap/testhook.py``): ``STAGE:kill`` kills the process there, ``STAGE:pause`` makes it wait there.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from assetmap.models import Activity, IngestRun
from assetmap.search import SearchParams, build_index, check_index, search_activities

from .scenarios import GOOD_ROW, OTHER_ROW, sheet
from .test_run_ingest import THIRD_ROW, write

ROWS = sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW)
NAMES = ["Chair Yoga", "Knit and Natter", "Sale Walking Group"]


def environment(settings, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETMAP_") and k != "DATABASE_URL"}
    return env | {"DATABASE_URL": settings.database_url, "ASSETMAP_CACHE_DIR": settings.cache_dir,
                  "ASSETMAP_INDEX_DIR": settings.index_dir, **extra}


def assetmap(*args: str) -> list[str]:
    return [sys.executable, "-m", "assetmap.cli", *map(str, args)]


def run(settings, *args, timeout: float = 120, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(assetmap(*args), env=environment(settings, **extra), capture_output=True, text=True, timeout=timeout)


def start_paused(settings, *args, stage: str = "before_commit", **extra) -> subprocess.Popen:
    """An ingest paused at ``stage`` (its stderr has said so) — or a failed test if it never gets there."""
    process = subprocess.Popen(assetmap(*args), env=environment(settings, ASSETMAP_TEST_HOOK=f"{stage}:pause", **extra),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 1)
        if ready:
            line = process.stderr.readline()
            if f"paused at {stage}" in line:
                return process
            if not line and process.poll() is not None:
                break
    process.kill()
    pytest.fail(f"the ingest never reached {stage}: {process.stderr.read()}")


def stored_names(sessions) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(sa.select(Activity.name)))


def found(settings, sessions, text: str) -> list[str]:
    with sessions() as session:
        return [h.activity.name for h in search_activities(session, settings, SearchParams(text=text)).hits]


@pytest.fixture
def indexed_db(fresh_db):
    """The private database with an (empty) search index, as after ``assetmap index``."""
    settings, _, sessions = fresh_db
    with sessions() as session:
        build_index(settings, session)
    return settings, sessions


def test_killed_before_the_commit_leaves_database_and_index_as_they_were(indexed_db, tmp_path):
    settings, sessions = indexed_db
    path = write(tmp_path, ROWS)
    killed = run(settings, "ingest", path, ASSETMAP_TEST_HOOK="before_commit:kill")
    assert killed.returncode == -signal.SIGKILL
    assert stored_names(sessions) == []
    with sessions() as session:
        assert check_index(settings, session) == [] and session.scalar(sa.select(sa.func.count()).select_from(IngestRun)) == 0
    again = run(settings, "ingest", path)
    assert again.returncode == 0, again.stderr
    assert stored_names(sessions) == NAMES and found(settings, sessions, "yoga") == ["Chair Yoga"]


def test_killed_after_the_commit_the_next_run_of_the_same_file_catches_the_index_up(indexed_db, tmp_path):
    settings, sessions = indexed_db
    path = write(tmp_path, ROWS)
    killed = run(settings, "ingest", path, ASSETMAP_TEST_HOOK="after_commit:kill")
    assert killed.returncode == -signal.SIGKILL
    assert stored_names(sessions) == NAMES
    with sessions() as session:
        assert len(check_index(settings, session)) == 3   # in the database, not yet searchable
    again = run(settings, "ingest", path)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout   # nothing to write: the records are in the database already
    with sessions() as session:
        assert check_index(settings, session) == []
    assert found(settings, sessions, "yoga") == ["Chair Yoga"]


def test_killed_after_the_commit_index_check_catches_up(indexed_db, tmp_path):
    settings, sessions = indexed_db
    assert run(settings, "ingest", write(tmp_path, ROWS), ASSETMAP_TEST_HOOK="after_commit:kill").returncode == -signal.SIGKILL
    checked = run(settings, "index", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Caught the search index up on 3 activities" in checked.stdout and "matches the database" in checked.stdout
    assert found(settings, sessions, "knit") == ["Knit and Natter"]


@pytest.mark.parametrize(("signum", "status", "said"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_a_signal_stops_the_ingest_promptly_and_writes_nothing(indexed_db, tmp_path, signum, status, said):
    settings, sessions = indexed_db
    process = start_paused(settings, "ingest", write(tmp_path, ROWS))
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == status and time.monotonic() - sent < 5
    assert err.strip().splitlines() == [f"Stopped by {said}: nothing was written, the database is as it was before this ingest of 'groups'"]
    assert stored_names(sessions) == []
    with sessions() as session:
        assert check_index(settings, session) == [] and session.scalar(sa.select(sa.func.count()).select_from(IngestRun)) == 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_during_a_big_ingest_leaves_no_index_writer_behind(indexed_db, tmp_path):
    """5,000 new rows: a second process indexes them alongside (search/background.py); SIGTERM stops both."""
    settings, sessions = indexed_db
    rows = [GOOD_ROW | {"Activity": f"Walking group {n}", "Source ID": f"w{n}"} for n in range(5_000)]
    process = start_paused(settings, "ingest", write(tmp_path, sheet(*rows)))
    writers = _children(process.pid)
    assert writers, "the big ingest should have started its index writer"
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 143
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_alive, writers)):
        time.sleep(0.05)
    assert [p for p in writers if _alive(p)] == []
    assert stored_names(sessions) == []


def test_a_second_ingest_of_the_same_source_refuses_plainly(indexed_db, tmp_path):
    settings, sessions = indexed_db
    first = start_paused(settings, "ingest", write(tmp_path, ROWS))
    try:
        second = run(settings, "ingest", write(tmp_path, ROWS, "other.csv"), "--source", "groups", ASSETMAP_INGEST_WAIT_S="0.5")
        other_source = run(settings, "ingest", write(tmp_path, sheet(GOOD_ROW), "else.csv"), "--source", "elsewhere",
                           ASSETMAP_INGEST_WAIT_S="0.5")
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another ingest of source 'groups' is running" in lines[0] and f"process {first.pid}" in lines[0]
    assert other_source.returncode == 1   # SQLite has one writer at a time: plainly said, not "database is locked" after 5 s
    assert "another ingest is writing to this SQLite database (source 'groups'" in other_source.stderr
    assert stored_names(sessions) == []


def test_the_second_ingest_waits_for_the_first_when_it_finishes_in_time(indexed_db, tmp_path):
    settings, sessions = indexed_db
    first = start_paused(settings, "ingest", write(tmp_path, ROWS))
    second = subprocess.Popen(assetmap("ingest", write(tmp_path, ROWS, "again.csv"), "--source", "groups"),
                              env=environment(settings, ASSETMAP_INGEST_WAIT_S="60"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=30)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert stored_names(sessions) == NAMES


@pytest.mark.parametrize("damage", ["deleted", "corrupt"])
def test_a_damaged_index_is_rebuilt_from_the_database_by_the_next_process(indexed_db, tmp_path, damage):
    settings, sessions = indexed_db
    assert run(settings, "ingest", write(tmp_path, ROWS)).returncode == 0
    if damage == "deleted":
        shutil.rmtree(settings.index_dir)
    else:
        for name in os.listdir(settings.index_dir):
            if name.endswith((".toc", ".seg")):
                with open(os.path.join(settings.index_dir, name), "r+b") as handle:
                    handle.write(b"\0garbage\0" * 8)
    checked = run(settings, "index", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Rebuilt the search index from the database." in checked.stdout
    assert found(settings, sessions, "walking") == ["Sale Walking Group"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("url", [f"postgresql+psycopg://assetmap@127.0.0.1:{_free_port()}/assetmap", "sqlite:////nonexistent-folder/assetmap.db"])
def test_an_unavailable_database_is_one_clear_line(fresh_db, tmp_path, url):
    settings, _, _ = fresh_db
    result = subprocess.run(assetmap("ingest", write(tmp_path, ROWS)), env=environment(settings) | {"DATABASE_URL": url},
                            capture_output=True, text=True, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: cannot ") and "Traceback" not in result.stderr


@pytest.mark.postgis
def test_on_postgresql_the_lock_is_per_source(postgis_url, fresh_db, tmp_path):
    import dataclasses
    import uuid

    name = f"faults_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    settings = dataclasses.replace(fresh_db[0], database_url=sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False))
    assert run(settings, "init").returncode == 0
    assert run(settings, "index").returncode == 0   # the search tables and their trigger, as a running directory has them
    first = start_paused(settings, "ingest", write(tmp_path, ROWS))
    other_source = None
    try:
        second = run(settings, "ingest", write(tmp_path, ROWS, "other.csv"), "--source", "groups", ASSETMAP_INGEST_WAIT_S="0.5")
        # Another source is not refused; it may wait for rows (search words) the first has not committed yet.
        elsewhere = GOOD_ROW | {"Organisation Name": "Urmston Ramblers", "Activity": "Urmston rambles"}
        other_source = subprocess.Popen(assetmap("ingest", write(tmp_path, sheet(elsewhere), "else.csv"), "--source", "elsewhere"),
                                        env=environment(settings, ASSETMAP_INGEST_WAIT_S="0.5"), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        time.sleep(15)
        assert other_source.poll() in (None, 0), other_source.stderr.read()
    finally:
        first.send_signal(signal.SIGTERM)
        _, first_err = first.communicate(timeout=30)
        other_out, other_err = other_source.communicate(timeout=240) if other_source else ("", "")
    assert second.returncode == 1 and len(second.stderr.strip().splitlines()) == 1
    assert "another ingest of source 'groups' is running" in second.stderr and f"process {first.pid}" in second.stderr
    assert other_source.returncode == 0, other_err   # PostgreSQL takes writers side by side: the lock is per source
    assert first.returncode == 143, first_err
