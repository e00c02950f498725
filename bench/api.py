"""Benchmark: the JSON API under load on loopback, 2 gunicorn workers, 10,000 activities (issue 19).

Fills a throw-away SpatiaLite database with generated activities over Greater Manchester (Trafford's
wards loaded from ../shared/data when it is there), starts the production server configuration
(``gunicorn -c python:assetmap.web.gunicorn_conf``) with 2 workers on a free loopback port, and runs
``wrk`` (Debian's package) for 10 s against each URL, printing requests/s and the 99th percentile
latency beside a baseline measured in the same run by the same server: a static file, which costs
Flask's routing and headers but no database or search. The search rate limit is turned off
(``ASSETMAP_RATELIMIT_SEARCH=``): one address sending hundreds of requests a second is the point.
Targets: ≥ 300 requests/s and p99 ≤ 100 ms for the search.

    .venv/bin/python bench/api.py [--activities 10000] [--seconds 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.models import Activity  # noqa: E402
from assetmap.schedule import parse_schedule  # noqa: E402
from assetmap.search import build_index  # noqa: E402

WARDS = ROOT.parent / "shared" / "data" / "test_regions" / "wards_dec2021_focus_stps.geojson"
LOOKUP = ROOT.parent / "shared" / "data" / "lookups" / "ward21_lad21_ccg21_stp21_icb22_en_derived.csv"
KINDS = [("Health walk", "walking"), ("Singing for lung health", "singing"), ("Lunch club", "food"), ("Befriending", "befriending"),
         ("Carers' café", "carers"), ("Knit and natter", "crafts"), ("Men's shed", "mens-sheds"), ("Memory café", "dementia")]
WHEN = ["Every Tuesday 10am-11am", "2nd and 4th Wednesday 2-4pm", "Mondays 10am-12pm, not on bank holidays", "Fridays 1.30-3pm"]
TARGET_RPS, TARGET_P99_MS = 300, 100
EXPORTS = ["/api/activities.geojson?compact=1", "/api/activities.geojson", "/api/activities.csv", "/api/activities.ics"]


def fill_database(settings: Settings, count: int) -> None:
    """``count`` activities over Greater Manchester (a cluster near Sale), each with a typed schedule, indexed."""
    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    if WARDS.is_file() and LOOKUP.is_file():
        from assetmap.areas.boundaries import load_boundaries, load_lookup

        with sessions.begin() as session:
            load_boundaries(session, WARDS, "ward", "2021-12")
            load_lookup(session, LOOKUP)
    rng = np.random.default_rng(19)
    lats, lons = rng.uniform(53.35, 53.60, count), rng.uniform(-2.55, -2.05, count)
    schedules = [parse_schedule(text) for text in WHEN]
    rows = []
    for i, (lat, lon) in enumerate(zip(lats.tolist(), lons.tolist())):
        name, category = KINDS[i % len(KINDS)]
        parsed = schedules[i % len(WHEN)]
        rows.append(dict(id=str(uuid.UUID(int=i + 1)), name=f"{name} {i}", description="A friendly group; all welcome, tea after.",
                         categories=[category], audience=["Anyone"], delivery=["in_person"], schedule_text=WHEN[i % len(WHEN)],
                         schedule=parsed.tokens, extra={"schedule": parsed.detail}, cost_text="Free", is_free=True, status="active",
                         postcode="M33 7XW", lat=lat, lon=lon, precision="coordinates", geom=f"SRID=4326;POINT({lon} {lat})",
                         source="bench", source_id=str(i), last_verified=settings.clock(), verified_by="Organiser"))
    with sessions.begin() as session:
        session.execute(Activity.__table__.insert(), rows)
    with sessions() as session:
        build_index(settings, session)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "python:assetmap.web.gunicorn_conf", "--workers", "2",
               "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--error-logfile", str(log)]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer /healthz in time: see the error log")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    """Requests/s, p99 latency in ms and the count of non-2xx/3xx answers, from ``wrk --latency``."""
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


def timed_download(url: str) -> tuple[float, float, int]:
    """Seconds to the first bytes and to the last, and the size: a streamed export starts at once."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        size = len(response.read(1))
        first = time.perf_counter() - started
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return first, time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8, help="open connections wrk keeps busy (2 workers × 4 threads = 8)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (scripts/install.sh test installs it)")
    folder = Path(tempfile.mkdtemp(prefix="assetmap-bench-api-"))
    settings = Settings(database_url=f"sqlite:///{folder}/api.db", index_dir=str(folder / "index"), tile_url="", env="development")
    started = time.perf_counter()
    fill_database(settings, args.activities)
    print(f"{args.activities:,} activities written and indexed in {time.perf_counter() - started:.1f} s")
    env = os.environ | {"DATABASE_URL": settings.database_url, "ASSETMAP_INDEX_DIR": settings.index_dir, "SECRET_KEY": "bench-" + uuid.uuid4().hex,
                        "ASSETMAP_RATELIMIT_SEARCH": "", "ASSETMAP_WARM_START": "1", "ASSETMAP_TILE_URL": ""}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, folder / "gunicorn.log")
    try:
        wait_ready(base)
        urls = {"baseline: static file": "/static/favicon.svg", "/healthz": "/healthz",
                "/api/activities?q=walk&near=M33 7XW": "/api/activities?q=walk&near=M33%207XW",
                "/openreferral/services": "/openreferral/services"}
        results = {}
        for label, path in urls.items():
            codes = {status_of(base + path) for _ in range(6)}   # warm both workers: search snapshot, postcode table
            if codes != {200}:
                print(f"{label}: answered {sorted(codes)}, not measured")
                continue
            results[label] = wrk(base + path, args.seconds, args.connections)
        report(results, args)
        print(f"\nwhole-directory exports ({args.activities:,} activities), one request each:")
        for path in EXPORTS:
            first, total, size = timed_download(base + path)
            print(f"{path:<40} first bytes {first * 1000:>7.0f} ms, all {total:>6.1f} s, {size / 1e6:>5.1f} MB")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def report(results: dict, args) -> None:
    baseline = results.get("baseline: static file")
    print(f"\nwrk, {args.seconds} s each, {args.connections} connections, gunicorn 2 workers (gthread), loopback")
    print(f"{'URL':<40} {'requests/s':>11} {'p99 ms':>8} {'errors':>7}  {'vs baseline':>12}")
    for label, (rps, p99, errors) in results.items():
        ratio = f"{rps / baseline[0]:.2f}×" if baseline and label != "baseline: static file" else ""
        print(f"{label:<40} {rps:>11,.0f} {p99:>8.1f} {errors:>7}  {ratio:>12}")
    search = results.get("/api/activities?q=walk&near=M33 7XW")
    if search:
        ok = search[0] >= TARGET_RPS and search[1] <= TARGET_P99_MS
        print(f"\nsearch target ≥ {TARGET_RPS} requests/s and p99 ≤ {TARGET_P99_MS} ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
