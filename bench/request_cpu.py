"""CPU per request of each kind bench/load.py sends, in one process on PostGIS: where the web servers' two cores go.

``bench/load.py`` is bound by CPU (two saturated cores: requests a second = cores / CPU per request), and
its figures vary by a quarter between runs on a shared host. This measures the cause directly, without
the network, gunicorn or ``wrk``: a throw-away PostGIS cluster with ``--activities`` ingested and
indexed as ``bench/load.py`` does, one app (``create_app``) answering its same mix of paths through
Flask's test client, warm (every path asked once first), ``--requests`` of each kind timed by the
thread's own CPU clock (``time.thread_time``: other processes on the machine do not count) and by
the PostgreSQL server processes' CPU (from ``/proc``), median of ``--rounds``. The baseline, measured
in the same run the same way: ``/favicon.ico`` (no database, no template), so each kind is also printed
as a ratio to it.

    .venv/bin/python bench/request_cpu.py [--activities 10000] [--requests 600] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

from assetmap.config import Settings, load_settings  # noqa: E402

KINDS = {"search API": "/api/activities?", "search page": "/?", "map box": "/api/activities.geojson?", "activity page": "/activities/"}


def server_cpu(data_dir: str) -> float:
    """CPU seconds of the cluster's postmaster and its children (the backends answering the app)."""
    postmaster = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def by_kind(paths: list[str]) -> dict[str, list[str]]:
    return {kind: [p for p in paths if p.startswith(prefix)] for kind, prefix in KINDS.items()}


def timed(client, paths: list[str], data_dir: str) -> tuple[float, float]:
    """Milliseconds of this thread's CPU and of PostgreSQL's per request."""
    server, started = server_cpu(data_dir), time.thread_time()
    for path in paths:
        client.get(path).get_data()
    return (time.thread_time() - started) * 1000 / len(paths), (server_cpu(data_dir) - server) * 1000 / len(paths)


def measure(url: str, folder: Path, data_dir: str, args) -> dict:
    settings = Settings(database_url=url, index_dir=str(folder / "index"))
    ids = load.prepare(settings, folder, args.activities)
    env = load.environment(settings)
    os.environ.update(env)
    from assetmap.web import create_app

    app = create_app(load_settings(env))
    client = app.test_client()
    kinds = {"baseline (/favicon.ico)": ["/favicon.ico"], **by_kind(load.paths(ids))}
    samples = {kind: [paths[i % len(paths)] for i in range(args.requests)] for kind, paths in kinds.items()}
    time.sleep(3)   # the warm start's background reads
    for paths in samples.values():
        for path in paths:
            answer = client.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}")
    figures: dict[str, dict[str, list[float]]] = {kind: {"cpu_ms": [], "postgresql_ms": []} for kind in samples}
    for _ in range(args.rounds):
        for kind, paths in samples.items():
            cpu, server = timed(client, paths, data_dir)
            figures[kind]["cpu_ms"].append(cpu)
            figures[kind]["postgresql_ms"].append(server)
    result = {kind: {k: round(statistics.median(v), 3) for k, v in f.items()} for kind, f in figures.items()}
    floor = result["baseline (/favicon.ico)"]["cpu_ms"]
    for kind, f in result.items():
        f["ratio_to_baseline"] = round(f["cpu_ms"] / floor, 2) if floor else None
        load.log(f"{kind}: {f['cpu_ms']} ms of the web process's CPU + {f['postgresql_ms']} ms of PostgreSQL's "
                 f"({f['ratio_to_baseline']}× the baseline)")
    app.extensions["assetmap"]["engine"].dispose()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600, help="requests of each kind per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from tests.pg_cluster import PostgisCluster

    folder = Path(tempfile.mkdtemp(prefix="assetmap-bench-cpu-"))
    cluster = PostgisCluster()
    try:
        result = measure(cluster.start(), folder, cluster.data, args)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"load_average_1min": round(os.getloadavg()[0], 1), **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
