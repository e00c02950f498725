"""Benchmark: coverage for every ward of England against a single grouped SQL count, in the same run.

Builds a SpatiaLite database (or uses DATABASE_URL for PostGIS) with the real Dec 2021 wards (7,026)
and their lookup, the 33,755 LSOAs of 2021 (centres), IMD 2025, the mid-2020 population carried to
2021 LSOAs, and 100,000 generated activities (placed near real LSOA centres, so they fall in wards;
some with service areas, some by telephone or online, schedules, checked dates). Then times:

* the baseline: ``SELECT ward_code, count(*) FROM activity GROUP BY ward_code``;
* reading the inputs (areas, activities, LSOAs and statistics) from the database;
* activities, reach and per 10,000 for every ward (no access);
* access (E2SFCA) for every ward on its own;
* the whole ``coverage_table`` for every ward, as the page and the command call it.

Targets (issue 17): activities/reach/per_10k for every ward ≤ 10 s; access ≤ 30 s.

    .venv/bin/python bench/coverage.py [--activities 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from assetmap import db
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.areas.queries import load_area_index
from assetmap.config import load_settings
from assetmap.coverage import coverage_table
from assetmap.coverage.stats import load_file
from assetmap.coverage.table import figures_from, load_inputs
from assetmap.models import Activity, SmallArea

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CATEGORIES = ("walking", "lunch-club", "befriending", "singing", "food", "exercise", "carers", "learning")
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


CPU: dict[str, float] = {}


def timed(label: str, func):
    """Wall-clock seconds (returned), and this process's CPU seconds beside them: on a shared machine the
    wall clock also counts other people's work."""
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    seconds = time.perf_counter() - start
    CPU[label] = time.process_time() - cpu
    print(f"  {label}: {seconds:.2f} s (CPU {CPU[label]:.2f} s)", flush=True)
    return result, seconds


def build(sessions) -> None:
    with sessions.begin() as session:
        load_boundaries(session, SHARED / "boundaries/wards_dec2021_en_bsc.geojson", "ward", "2021-12")
        load_boundaries(session, SHARED / "boundaries/lad_dec2021_en_buc.geojson", "lad", "2021-12")
        load_lookup(session, SHARED / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    with sessions.begin() as session:
        index = load_area_index(session)
        for name in ("boundaries/lsoa_dec2021_en_bsc.geojson", "stats/imd2025_lsoa21_en.csv", "stats/population_mid2020_lsoa11_en.csv",
                     "lookups/lsoa11_lsoa21_lad22_ew.csv"):
            print(f"  {load_file(session, SHARED / name, area_index=index)}", flush=True)


def activity_rows(session, count: int, seed: int = 17) -> list[dict]:
    """Activities near real LSOA centres (within about 1 km), with the area codes ingest would give them."""
    rng = np.random.default_rng(seed)
    centres = session.execute(sa.select(SmallArea.lat, SmallArea.lon)).all()
    lat0 = np.array([c.lat for c in centres])
    lon0 = np.array([c.lon for c in centres])
    pick = rng.integers(0, len(centres), count)
    lats = lat0[pick] + rng.normal(0, 0.005, count)
    lons = lon0[pick] + rng.normal(0, 0.008, count)
    codes = load_area_index(session).assign(lats, lons)
    rows = []
    for i in range(count):
        roll = rng.random()
        delivery = ["telephone"] if roll < 0.05 else (["online"] if roll < 0.08 else ["in_person"])
        days = list(rng.choice(["mon", "tue", "wed", "thu", "fri", "sat"], size=int(rng.integers(1, 3)), replace=False))
        rows.append(dict(
            id=str(uuid.uuid4()), name=f"Activity {i}", categories=[CATEGORIES[int(rng.integers(len(CATEGORIES)))]], delivery=delivery,
            status="closed" if rng.random() < 0.03 else "active", lat=float(lats[i]), lon=float(lons[i]),
            ward_code=codes["ward"][i], lad_code=codes["lad"][i], stp_code=codes["stp"][i], icb_code=codes["icb"][i],
            service_area=[codes["lad"][i]] if codes["lad"][i] and rng.random() < 0.1 else [],
            schedule=[f"{d} morning" for d in days], source="bench",
            extra={"schedule": {"frequency": "weekly", "days": days, "sessions": [{"days": days}]}} if rng.random() < 0.6 else {},
            last_verified=NOW - dt.timedelta(days=int(rng.integers(0, 700))),
        ))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--keep", help="Folder to keep the SpatiaLite database in (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="assetmap-bench-coverage-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'coverage.db'}"
    settings = dataclasses.replace(load_settings(os.environ, database_url=url), clock=lambda: NOW)
    engine = db.make_engine(url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions() as session:
        have = session.scalar(sa.select(sa.func.count()).select_from(SmallArea))
    if not have:
        print(f"Building the database at {url} (wards, LSOAs, statistics)…")
        timed("load boundaries and statistics", lambda: build(sessions))
        with sessions.begin() as session:
            rows = timed(f"generate {args.activities:,} activities", lambda: activity_rows(session, args.activities))[0]
            timed("insert activities", lambda: session.execute(sa.insert(Activity), rows))

    with sessions() as session:
        wards = session.scalar(sa.text("SELECT count(*) FROM area WHERE kind = 'ward'"))
        acts = session.scalar(sa.text("SELECT count(*) FROM activity"))
        lsoas = session.scalar(sa.text("SELECT count(*) FROM small_area"))
        print(f"\n{wards:,} wards, {acts:,} activities, {lsoas:,} LSOAs")
        _, base = timed("baseline: SELECT ward_code, count(*) FROM activity GROUP BY ward_code",
                        lambda: session.execute(sa.text("SELECT ward_code, count(*) FROM activity GROUP BY ward_code")).all())
        inputs, read = timed("read inputs (areas, activities, LSOAs, statistics)", lambda: load_inputs(session, settings, "ward", NOW))
        _, provision = timed("activities, reach, per 10,000 for every ward (no access)",
                             lambda: figures_from(inputs, settings, None, None, with_access=False))
        _, warm = timed("the same again (activity masks already made)", lambda: figures_from(inputs, settings, None, None, with_access=False))
        _, both = timed("all figures with access (E2SFCA) for every ward", lambda: figures_from(inputs, settings, None, None))
        rows, table = timed("coverage_table(level='ward') end to end", lambda: coverage_table(session, settings, level="ward", now=NOW))
        _, icb = timed("coverage_table(level='icb') end to end", lambda: coverage_table(session, settings, level="icb", now=NOW))
    engine.dispose()
    print(f"\n{len(rows):,} ward rows; the top gap: {rows[0].name} ({rows[0].code}) gap {rows[0].gap_score}")
    print(f"activities/reach/per_10k (read + compute): {read + provision:.2f} s = {(read + provision) / base:.0f}× the grouped count "
          f"({base:.3f} s); target ≤ 10 s: {'met' if read + provision <= 10 else 'MISSED'}")
    print(f"access alone (compute): {both - warm:.2f} s; whole table with access: {table:.2f} s = {table / base:.0f}× the grouped count; "
          f"target ≤ 30 s: {'met' if table <= 30 else 'MISSED'}")
    print(f"ICB level end to end: {icb:.2f} s")
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
