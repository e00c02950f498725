"""Relevance benchmark: the judged queries against the real community directory, on both backends.

Ingests ``../shared/data/community`` (food banks, libraries, pharmacies, care homes, community hubs,
GP practices, mental health services, sports clubs, charities) with the normal ingest into a
throw-away SpatiaLite file and, when PostgreSQL can start, a throw-away PostGIS cluster (the one
the tests start); runs every query of ``tests/search/judged_real.csv`` through ``search_activities``
and prints mean recall@10 per backend, then each query that missed a judged record.

    .venv/bin/python bench/relevance.py [--no-postgres] [--judged tests/search/judged_real.csv] [--quiet]

Target (issue 15): mean recall@10 ≥ 0.9 on both backends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.search import build_index  # noqa: E402
from tests.search.judged_real import JUDGED_PATH, evaluate, load_community, mean_recall, read_judged  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
TARGET = 0.9


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _spatialite_url(folder: Path) -> str:
    from tests.ingest.conftest import init_spatial_metadata  # metadata in one transaction: seconds faster

    path = folder / "relevance.db"
    init_spatial_metadata(path)
    return f"sqlite:///{path}"


def run_backend(name: str, url: str, folder: Path, judged) -> list:
    settings = Settings(database_url=url, index_dir=str(folder / f"index-{name}"), boundaries_dir=str(SHARED),
                        secret_key="bench", clock=lambda: NOW)
    engine = db.make_engine(url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    started = time.perf_counter()
    with sessions.begin() as session:
        count = load_community(session, settings, SHARED)
    with sessions.begin() as session:
        build_index(settings, session)
    log(f"{name}: {count} records ingested and indexed in {time.perf_counter() - started:.1f} s")
    with sessions() as session:
        outcomes = evaluate(session, settings, judged)
        session.rollback()  # searches that found little were logged: not kept
    engine.dispose()
    return outcomes


def report(name: str, outcomes: list, quiet: bool) -> float:
    score = mean_recall(outcomes)
    log(f"{name}: mean recall@10 {score:.3f} over {len(outcomes)} queries (target ≥ {TARGET})")
    if not quiet:
        for outcome in outcomes:
            if outcome.recall < 1:
                print(f"  {outcome.recall:.2f}  {outcome.judged.query!r}"
                      f"{' near ' + outcome.judged.near if outcome.judged.near else ''}: missed {outcome.missed[:4]}"
                      f"{' …' if len(outcome.missed) > 4 else ''}\n        top: {[keys[0] for keys in outcome.found[:5]]}")
    return score


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-postgres", action="store_true", help="SpatiaLite/Whoosh only")
    parser.add_argument("--judged", default=str(JUDGED_PATH), help="the judged queries (CSV)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no per-query misses")
    args = parser.parse_args(argv)
    judged = read_judged(Path(args.judged))
    figures: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="assetmap-bench-relevance-") as tmp:
        folder = Path(tmp)
        figures["whoosh"] = report("whoosh", run_backend("whoosh", _spatialite_url(folder), folder, judged), args.quiet)
        figures["postgres"] = None if args.no_postgres else run_postgres(folder, judged, args.quiet)
    print(json.dumps({"queries": len(judged), **{f"{k}_recall_at_10": None if v is None else round(v, 3) for k, v in figures.items()},
                      "meets_target": all(v is None or v >= TARGET for v in figures.values())}, indent=2))
    return 0


def run_postgres(folder: Path, judged, quiet: bool) -> float | None:
    from tests.pg_cluster import ClusterError, PostgisCluster

    try:
        cluster = PostgisCluster()
        url = cluster.start()
    except ClusterError as exc:
        log(f"postgres: skipped, PostGIS could not start ({exc})")
        return None
    try:
        return report("postgres", run_backend("postgres", url, folder, judged), quiet)
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
