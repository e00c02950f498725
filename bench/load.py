"""Load benchmark: the production gunicorn over 10,000 activities, with an editor at work, then during a 50,000-row ingest.

For each backend (PostGIS in a throw-away cluster, then SpatiaLite for comparison): a directory of
10,000 activities is ingested from a generated Trafford sheet (real postcodes) and indexed; gunicorn
serves it on loopback with the production settings (``web/gunicorn_conf.py``: two workers per core, 4 threads
each; ``--workers`` to change; with two workers the 24 connections were shared unevenly, one worker a whole
core and the other idle part of the time); ``wrk`` sends a mix for ``--seconds``:

- 35 % ``/api/activities?q=…&near=<postcode>`` (search, JSON), 10 % ``/?q=…`` (the search page),
- 25 % ``/api/activities.geojson?bbox=…&compact=1`` (the map's points in a box),
- 30 % ``/activities/<id>`` (an activity page),

while an editor verifies one record a second through ``changes.writing`` (a commit, an audit entry
and, on SpatiaLite, a new search-index generation each). Then the same again while
``assetmap ingest`` loads a 50,000-row sheet of another source. Printed per run: requests/s, p50 and
p99 latency, errors (socket errors, time-outs, non-2xx answers), and the editor's edits; first,
as a baseline measured in the same run, the same ``wrk`` on a static file from the same gunicorn
(no database, no search), so a busy machine shows as a low baseline rather than a slow app.

    .venv/bin/python bench/load.py [--seconds 60] [--activities 10000] [--ingest-rows 50000] [--backends postgis,spatialite] [--workers N]

Bounded and loopback only: everything listens on 127.0.0.1 and stops at the end. Rate limits are
off for the run (every request comes from one address). The cluster runs with fsync off (as in the
tests). Targets (issue 20): 0 errors, ≥ 300 requests/s, p99 ≤ 250 ms; p99 ≤ 500 ms during the ingest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from assetmap import changes, db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.models import Activity  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
WORDS = ["walking", "yoga", "choir", "lunch club", "carers", "dementia", "knit", "foodbank", "tai chi", "art", "coffee", "youth"]
NEAR = ["M33 7XW", "M32 0JT", "M41 0NA", "WA14 1EN", "M33 3SH", "M31 4DD"]
BOX = (-2.42, 53.38, -2.25, 53.48)   # Trafford: west, south, east, north
INGEST_GRACE_S = 900                 # after the load window, how long the big ingest may still run before it is stopped
WRK_SCRIPT = """
local paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.1f, "p99_ms": %%.1f, "max_ms": %%.1f, '
    .. '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(settings: Settings) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ASSETMAP_")},
            "DATABASE_URL": settings.database_url, "ASSETMAP_INDEX_DIR": settings.index_dir, "ASSETMAP_CACHE_DIR": settings.cache_dir,
            "SECRET_KEY": "bench-only-secret", "ASSETMAP_RATELIMIT_SEARCH": "", "ASSETMAP_RATELIMIT_REPORT": "",
            "ASSETMAP_RATELIMIT_LOGIN": "", "ASSETMAP_BOUNDARIES_DIR": settings.boundaries_dir}


def ingest(settings: Settings, path: Path, source: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "assetmap"), "ingest", str(path), "--source", source], env=environment(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def prepare(settings: Settings, folder: Path, activities: int) -> list[str]:
    """The schema, 10,000 activities ingested the ordinary way, the index built; returns their ids."""
    from ingest import generate

    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sheet = folder / "directory.csv"
    generate(sheet, activities, seed=7)
    started = time.perf_counter()
    process = ingest(settings, sheet, "bench-directory")
    _, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"the directory ingest failed: {err}")
    subprocess.run([str(BIN / "assetmap"), "index"], env=environment(settings), check=True, capture_output=True)
    log(f"{activities:,} activities ingested and indexed in {time.perf_counter() - started:.0f} s")
    with engine.connect() as conn:
        ids = [row.id for row in conn.execute(sa.select(Activity.id).where(Activity.status != "closed"))]
    engine.dispose()
    return ids


def paths(ids: list[str], count: int = 4000, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        roll = rng.random()
        word = urllib.parse.quote(rng.choice(WORDS))
        if roll < 0.35:
            found.append(f"/api/activities?q={word}&near={urllib.parse.quote(rng.choice(NEAR))}")
        elif roll < 0.45:
            found.append(f"/?q={word}")
        elif roll < 0.70:
            w, s = BOX[0] + rng.random() * 0.1, BOX[1] + rng.random() * 0.06
            found.append(f"/api/activities.geojson?bbox={w:.4f},{s:.4f},{w + 0.06:.4f},{s + 0.04:.4f}&compact=1")
        else:
            found.append(f"/activities/{rng.choice(ids)}")
    return found


@contextlib.contextmanager
def gunicorn(settings: Settings, folder: Path, workers: int = 0):
    """The production server (``web/gunicorn_conf.py``: gthread, 4 threads a worker; ``workers`` 0 keeps its two per core)."""
    port = free_port()
    args = [str(BIN / "gunicorn"), "-c", "python:assetmap.web.gunicorn_conf", *(["--workers", str(workers)] if workers else []),
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--error-logfile", str(folder / "gunicorn.log")]
    process = subprocess.Popen(args, env=environment(settings), cwd=folder, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"gunicorn did not become healthy: see {folder / 'gunicorn.log'}")
            time.sleep(0.5)
        for path in ["/?q=walking", "/api/activities?q=yoga&near=M33+7XW", f"/api/activities.geojson?bbox={','.join(map(str, BOX))}"] * 4:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()   # both workers warm
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)   # gunicorn's graceful stop waits up to 30 s for open connections
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


class Editor(threading.Thread):
    """Verifies one record a second through the one write path, as a person on /review would."""

    def __init__(self, settings: Settings, ids: list[str]):
        super().__init__(daemon=True)
        self.settings, self.ids = settings, ids
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        engine = db.make_engine(self.settings.database_url)
        sessions = db.make_sessionmaker(engine)
        rng = random.Random(9)
        while not self.stop.wait(1.0):
            started = time.perf_counter()
            try:
                with changes.writing(self.settings, sessions, changes.editor_actor("bench@example.org")) as tx:
                    tx.verify_activity(rng.choice(self.ids), "phoned")
                self.latencies.append((time.perf_counter() - started) * 1000)
            except Exception as error:  # counted, not fatal: "database is locked" during an ingest on SQLite
                self.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
        engine.dispose()


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
                            capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result: {result.stdout} {result.stderr}")
    figures = json.loads(line.removeprefix("RESULT "))
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))   # status: non-2xx/3xx answers
    figures["requests_per_s"] = round(figures["requests"] / figures["seconds"], 1)
    return figures


def phase(label: str, settings: Settings, url: str, script: Path, ids: list[str], seconds: int, connections: int,
          big_sheet: Path | None = None) -> dict:
    editor = Editor(settings, ids)
    editor.start()
    loading = ingest(settings, big_sheet, "bench-big-ingest") if big_sheet else None
    started = time.perf_counter()
    figures = wrk(url, script, seconds, connections)
    editor.stop.set()
    editor.join()
    if loading is not None:
        try:
            _, err = loading.communicate(timeout=INGEST_GRACE_S)
        except subprocess.TimeoutExpired:   # bounded: stop it (as Ctrl-C would), which rolls it back
            loading.send_signal(signal.SIGTERM)
            _, err = loading.communicate(timeout=120)
        figures["ingest_s"] = round(time.perf_counter() - started, 1)
        figures["ingest_ok"] = loading.returncode == 0
        if loading.returncode:
            figures["ingest_error"] = err.strip().splitlines()[-1][:200] if err.strip() else f"exit {loading.returncode}"
    figures["edits"] = len(editor.latencies)
    figures["edit_median_ms"] = round(statistics.median(editor.latencies), 1) if editor.latencies else None
    figures["edit_errors"] = len(editor.errors)
    if editor.errors:
        figures["edit_error"] = editor.errors[0]
    target = 500 if big_sheet else 250
    figures["meets_targets"] = figures["errors"] == 0 and figures["requests_per_s"] >= 300 and figures["p99_ms"] <= target
    log(f"{label}: {figures['requests_per_s']} requests/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"{figures['errors']} errors ({figures['timeout']} time-outs, {figures['status']} non-2xx); "
        f"editor {figures['edits']} edits (median {figures['edit_median_ms']} ms, {figures['edit_errors']} failed)"
        + (f"; ingest {figures['ingest_s']} s, {'ok' if figures['ingest_ok'] else 'FAILED'}" if big_sheet else ""))
    return figures


def run_backend(name: str, url: str, folder: Path, args) -> dict:
    from ingest import generate

    settings = Settings(database_url=url, index_dir=str(folder / "index"))
    log(f"{name}: preparing {args.activities:,} activities in {folder}")
    ids = prepare(settings, folder, args.activities)
    big = folder / "big.csv"
    if args.ingest_rows:
        generate(big, args.ingest_rows, seed=11)
    script = folder / "mix.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths(ids)))
    with gunicorn(settings, folder, args.workers) as base:
        floor = wrk(base, _static_script(folder), 10, args.connections)   # the baseline, in the same run: a static file, no database
        log(f"{name}, baseline (a static file from the same gunicorn, 10 s): {floor['requests_per_s']} requests/s, "
            f"p50 {floor['p50_ms']} ms, p99 {floor['p99_ms']} ms, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        quiet = phase(f"{name}, editor only", settings, base, script, ids, args.seconds, args.connections)
        busy = phase(f"{name}, during a {args.ingest_rows:,}-row ingest", settings, base, script, ids, args.seconds, args.connections,
                     big) if args.ingest_rows else {}
    for figures in filter(None, (quiet, busy)):
        figures["ratio_to_static"] = round(figures["requests_per_s"] / floor["requests_per_s"], 3) if floor["requests_per_s"] else None
    return {"baseline_static": floor, "steady": quiet, "ingest": busy, "load_average_1min": round(os.getloadavg()[0], 1)}


def _static_script(folder: Path) -> Path:
    script = folder / "static.lua"
    script.write_text(WRK_SCRIPT % '"/static/app.css"')
    return script


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--ingest-rows", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=24)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: the production config's two per core)")
    parser.add_argument("--backends", default="postgis,spatialite")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    results = {}
    for name in args.backends.split(","):
        folder = Path(tempfile.mkdtemp(prefix=f"assetmap-bench-load-{name}-"))
        if name == "postgis":
            from tests.pg_cluster import PostgisCluster

            cluster = PostgisCluster()
            try:
                results[name] = run_backend(name, cluster.start(), folder, args)
            finally:
                cluster.stop()
        else:
            results[name] = run_backend(name, f"sqlite:///{folder / 'bench.db'}", folder, args)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
