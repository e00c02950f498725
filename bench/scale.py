"""National-scale benchmark: PostgreSQL full-text search with 1,000,000 activities, beside 100,000.

A region runs on PostgreSQL (README "Running for a whole region"): every web server shares its
search. This generates activities across 30 English towns (the same generator as bench/search.py),
builds the PostgreSQL search tables, and times the same mixed questions — words with a filter
(category, day or free) near a point or near a postcode — through ``search_activities`` (which also
counts facets and loads the page's 20 records) at 100,000 and again after growing to 1,000,000, each
time after the process has read its copy of the filter columns and of the common words' lists
(``search/pg_table.py``, ``search/postings.py``, as a web server does at start; the seconds that took
are printed). Three of the 200 questions repeat an earlier one (the same postcode, words and filter),
as people do. The 100,000 run is the baseline measured in the same run; the ratio shows how search grows.

    .venv/bin/python bench/scale.py [--small 100000] [--large 1000000] [--queries 200] [--pg-setting shared_buffers=1GB ...]

The throw-away cluster runs PostgreSQL's defaults (shared_buffers 128 MB) unless ``--pg-setting`` says
otherwise: at 1,000,000 activities the search table (~0.8 GB) no longer fits, as it would on a tuned server.

Target (issue 20): p95 ≤ 30 ms at 1,000,000 activities on this 2-core machine. Runs in a throw-away
PostGIS cluster (the one the tests start); loopback only; nothing is kept.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as bench_search  # noqa: E402  (bench/search.py: the generator and the questions)
import sqlalchemy as sa  # noqa: E402

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.models import Activity  # noqa: E402
from assetmap.search import SearchParams, build_index, pg_table, search_activities  # noqa: E402

# Postcodes in the towns the generator uses (checked against the postcode directory at start).
POSTCODES = ["M33 7XW", "M1 1AE", "LS1 4DY", "B2 4QA", "L1 8JQ", "S1 2HH", "BS1 4ST", "NG1 5FS", "NE1 7RU", "LE1 5YA",
             "SW1A 1AA", "PL1 2AA", "SO14 7DU", "HU1 2AA", "CV1 5RR", "YO1 7HH", "CB2 1TN", "OX1 1BX", "BN1 1AE", "NR2 1NH"]
log = bench_search.log


def grow(engine, start: int, count: int, seed: int) -> None:
    """Add ``count`` generated activities numbered from ``start`` (ids from the seed, so distinct per batch)."""
    rng = random.Random(seed)
    batch: list[dict] = []
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # no per-row search trigger: build() refills after
        for n in range(start, start + count):
            batch.append(bench_search.fake_activity(rng, n))
            if len(batch) == 10_000 or n == start + count - 1:
                conn.execute(sa.insert(Activity), batch)
                batch = []
                if (n + 1 - start) % 100_000 == 0 or n == start + count - 1:
                    log(f"generated {n + 1:,} activities ({time.perf_counter() - started:.0f} s)")


def known_postcodes(settings) -> list[str]:
    from assetmap.places.cache import postcode_lookup

    lookup = postcode_lookup(settings)
    return [p for p in POSTCODES if lookup.find(p) is not None]


def mixed_questions(count: int, postcodes: list[str]) -> list[SearchParams]:
    """bench/search.py's questions; every other one asks near a postcode instead of a point."""
    found = []
    for i, q in enumerate(bench_search.questions(count)):
        near = postcodes[i % len(postcodes)] if i % 2 and postcodes else f"{q.lat:.5f},{q.lon:.5f}"
        found.append(SearchParams(text=q.text, near=near, radius_km=q.radius_km, categories=(q.category,) if q.category else (),
                                  days=(q.day,) if q.day else (), free_only=q.free_only))
    return found


def read_table(sessions, label: str) -> float:
    """Read this process's copy of the filter columns (``pg_table``), as a web server does at start; its seconds."""
    started = time.perf_counter()
    with sessions() as session:
        directory = pg_table.directory(session)
        directory.current(session)
    if directory.reading is not None:
        directory.reading.join()
    seconds = time.perf_counter() - started
    log(f"filter columns and word lists read into the process at {label}: {seconds:.1f} s")
    return seconds


def timed_searches(sessions, settings, questions: list[SearchParams], label: str) -> dict:
    with sessions() as session:
        search_activities(session, settings, SearchParams(text="walking"))  # warm the process's caches once
        timings = []
        for params in questions:
            started = time.perf_counter()
            search_activities(session, settings, params)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
    p50, p95 = bench_search.percentiles(timings)
    log(f"{label}: {len(timings)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}


def build(sessions, settings, label: str) -> float:
    started = time.perf_counter()
    with sessions.begin() as session:
        build_index(settings, session)
    seconds = time.perf_counter() - started
    log(f"PostgreSQL search build at {label}: {seconds:.0f} s")
    with sessions.begin() as session:
        session.execute(sa.text("ANALYZE"))
    return seconds


def configure(cluster, url: str, settings: list[str]) -> None:
    """Apply ``NAME=VALUE`` server settings (ALTER SYSTEM, then a restart with the cluster's own options)."""
    if not settings:
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for setting in settings:
            name, _, value = setting.partition("=")
            conn.execute(sa.text(f"ALTER SYSTEM SET {name.strip()} = '{value.strip()}'"))
    engine.dispose()
    options = f"-p {cluster.port} -k {cluster.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    cluster.run(f"{cluster.bin}/pg_ctl", "-D", cluster.data, "-o", options, "-l", f"{cluster.dir}/log", "-w", "restart")
    log(f"server settings: {', '.join(settings)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a server setting for the throw-away cluster, e.g. shared_buffers=1GB (a restart applies it)")
    args = parser.parse_args(argv)
    from tests.pg_cluster import PostgisCluster

    cluster = PostgisCluster()
    url = cluster.start()
    try:
        configure(cluster, url, args.pg_setting)
        engine = db.make_engine(url)
        db.create_schema(engine)
        settings = Settings(database_url=url, clock=lambda: bench_search.NOW)
        sessions = db.make_sessionmaker(engine)
        questions = mixed_questions(args.queries, known_postcodes(settings))
        grow(engine, 0, args.small, seed=7)
        small_build = build(sessions, settings, f"{args.small:,}")
        small_read = read_table(sessions, f"{args.small:,}")
        small = timed_searches(sessions, settings, questions, f"{args.small:,} activities (baseline)")
        grow(engine, args.small, args.large - args.small, seed=8)
        large_build = build(sessions, settings, f"{args.large:,}")
        large_read = read_table(sessions, f"{args.large:,}")
        large = timed_searches(sessions, settings, questions, f"{args.large:,} activities")
        engine.dispose()
    finally:
        cluster.stop()
    figures = {"small": args.small, "large": args.large, "small_build_s": round(small_build), "large_build_s": round(large_build),
               "small_table_read_s": round(small_read, 1), "large_table_read_s": round(large_read, 1),
               "small_p50_ms": small["p50_ms"], "small_p95_ms": small["p95_ms"], "large_p50_ms": large["p50_ms"], "large_p95_ms": large["p95_ms"],
               "p95_ratio_large_over_small": round(large["p95_ms"] / small["p95_ms"], 2) if small["p95_ms"] else None,
               "meets_target": large["p95_ms"] <= 30}
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
