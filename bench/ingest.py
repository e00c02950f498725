"""Benchmark: a generated spreadsheet ingested end to end (validate, geocode, upsert, index) on SpatiaLite (and PostGIS).

    .venv/bin/python bench/ingest.py              # 100,000 rows
    .venv/bin/python bench/ingest.py --rows 20000 # bounded run
    .venv/bin/python bench/ingest.py --rows 10000 --postgres   # also on PostGIS, with the ratios

Targets (issue 3): at least 2,000 rows/s end to end on the 2-core machine, and a re-run of the same
file at least 3× faster than the first run (``--strict`` exits 1 when one is missed). The baseline,
measured in the same run, is the same file copied as it is into a plain SQLite table.

Stages are wall-clock seconds of the ingest's own process. With a search index, a big change is
indexed by a second process *during* ``load`` (see ``assetmap.search.background``); ``index`` is
only the wait for that writer to finish after the database commit. Everything happens in a temporary folder: a fresh
SpatiaLite database with the focus wards loaded, the postcode directory from the cache, and a
search index when ``assetmap.search`` is installed. Figures are printed as they come.

``--postgres`` then ingests the same file, first run and re-run, into a throw-away PostGIS cluster (the one
the tests start: ``tests/pg_cluster.py``, loopback only, stopped after) with the same wards and its search
tables, and prints each PostGIS time beside SpatiaLite's with the ratio (PostGIS over SpatiaLite: above 1 is slower).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from assetmap import db  # noqa: E402
from assetmap.areas.boundaries import load_boundaries  # noqa: E402  (shapely's GEOS loads before mod_spatialite's)
from assetmap.config import load_settings  # noqa: E402

SHARED = PROJECT_ROOT.parent / "shared" / "data"
WARDS = SHARED / "test_regions" / "wards_dec2021_focus_stps.geojson"
POSTCODE_FILES = (SHARED / "postcodes" / "trafford_postcodes_onspd_feb2025.csv",
                  SHARED / "postcodes" / "postcodes_focus_lads_nspd_nov2025_sample.csv")
HEADERS = ["Source ID", "Activity", "Organisation Name", "Description", "Category", "Who is it for", "Format", "When",
           "Cost", "Telephone", "E-mail", "Web address", "Venue", "Post Code", "Status", "Taking new people",
           "Date checked", "Checked by"]
KINDS = ["Walking group", "Knit and natter", "Chair yoga", "Memory cafe", "Men's shed", "Community choir", "Lunch club",
         "Carers cafe", "Breathe easy", "Foodbank", "Allotment group", "Bereavement support", "Stay and play",
         "Digital drop-in", "Tai chi", "Book club", "Peer support group", "Coffee morning", "Youth club", "Art class"]
CATEGORIES = ["Walking", "Crafts; Social", "Exercise | Yoga", "Dementia", "Men's Sheds", "Singing", "Food", "Carers",
              "Lung Health", "Food banks", "Gardening", "Bereavement", "Parents & families", "Digital skills",
              "Keep Fit", "Reading", "Mental Health", "Social", "Young People", "Arts and crafts", "Tea dances"]
WHEN = ["Mon & Wed 10-3", "Tuesdays 10am-12noon", "every 2nd Sunday", "Thursday evenings", "First Friday of the month 2-4pm",
        "Weekdays 9.30am-4pm", "Saturday mornings, term time only", "Fortnightly on Wednesdays 1-3pm", "By appointment", ""]
AUDIENCE = ["Anyone", "Older people", "older people ", "Carers", "Parents>Grandparents", "Men over 50", "Young people; Families"]
FORMATS = ["In person", "Online", "Face to face and Zoom", "Telephone", ""]
COSTS = ["Free", "£2 per session", "Free (donations welcome)", "£3.50", "Pay what you can"]
STATUSES = ["Active", "Active", "Active", "Suspended due to COVID-19", "Closed"]
CAPACITY = ["Yes", "Waiting list", "GP referral needed", "Yes - just turn up", ""]


def real_postcodes() -> list[str]:
    found = []
    for path in POSTCODE_FILES:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            column = "postcode" if "postcode" in reader.fieldnames else "PCDS"
            found += [row[column] for row in reader if row[column]]
    return found


def generate(path: Path, rows: int, seed: int = 20260615) -> None:
    """A realistic sheet: real postcodes, free-text times and categories, ~1% unknown and ~1% malformed postcodes."""
    rng = random.Random(seed)
    postcodes = real_postcodes()
    towns = ["Sale", "Urmston", "Stretford", "Altrincham", "Partington", "Hale"]
    kinds = ["Community", "Friends", "Wellbeing", "Neighbours"]
    organisations = [f"{rng.choice(towns)} {rng.choice(kinds)} Group {i}" for i in range(2_000)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            kind = rng.randrange(len(KINDS))
            roll = rng.random()
            postcode = "M33 9ZZ" if roll < 0.01 else "M32 0Q" if roll < 0.02 else rng.choice(postcodes)
            checked = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(880))
            org = rng.choice(organisations)
            writer.writerow([
                f"BENCH-{i:06d}", f"{KINDS[kind]} {i}", org,
                f"<p>A friendly {KINDS[kind].lower()} run by volunteers.</p><p>Everyone welcome, bring a friend.</p>" if i % 3 == 0
                else f"A friendly {KINDS[kind].lower()} run by volunteers. Tea, biscuits and a warm welcome.",
                CATEGORIES[kind], rng.choice(AUDIENCE), rng.choice(FORMATS), rng.choice(WHEN), rng.choice(COSTS),
                f"0161 {rng.randrange(1000):03d} {rng.randrange(10000):04d}", f"hello{i}@example.org",
                "www.example.org/groups", f"{org.split(' Group')[0]} Hall", postcode, rng.choice(STATUSES),
                rng.choice(CAPACITY), checked.strftime("%d/%m/%Y"), rng.choice(["Jo", "Sam", "Ayesha", ""]),
            ])


def with_wards(url: str):
    """The schema and the focus wards in the database at ``url``: the engine and its sessions."""
    engine = db.make_engine(url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        load_boundaries(session, WARDS, "ward", "2021-12")
    return engine, sessions


def fresh_database(folder: Path):
    """A SpatiaLite file with its spatial metadata written in one transaction, the schema, and the focus wards."""
    import pyproj  # noqa: F401  (before mod_spatialite, see assetmap.db)
    import sqlean

    path = folder / "bench.db"
    connection = sqlean.connect(str(path))
    connection.enable_load_extension(True)
    connection.load_extension("mod_spatialite")
    connection.execute("SELECT InitSpatialMetaData(1)")
    connection.commit()
    connection.close()
    return with_wards(f"sqlite:///{path}")


def empty_search_index(settings, sessions) -> bool:
    """Create the (empty) index so ingest has one to update, as in a running installation."""
    try:
        from assetmap.search import build_index
    except ImportError:
        return False
    with sessions() as session:
        build_index(settings, session)
    return True


def bare_copy(path: Path, folder: Path) -> float:
    """The baseline, measured in the same run: the same file copied as it is into a plain SQLite table.

    No checking, no geocoding, no search index: the floor for reading this file and writing it to
    disk on this machine today, so the end-to-end figure can be read against the machine's speed.
    """
    import sqlean

    start = time.perf_counter()
    connection = sqlean.connect(str(folder / "bare.db"))
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        connection.execute(f"CREATE TABLE sheet (id INTEGER PRIMARY KEY, {columns})")
        connection.executemany(f"INSERT INTO sheet VALUES (NULL, {', '.join('?' * len(header))})", reader)
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def run(settings, sessions, path: Path, label: str, rows: int):
    from assetmap.ingest import ingest_file

    start = time.perf_counter()
    report = ingest_file(settings, sessions, path)
    elapsed = time.perf_counter() - start
    stages = dict(report.timings)
    stages["other"] = max(0.0, elapsed - sum(stages.values()))
    shares = ", ".join(f"{name} {seconds:.1f}s ({seconds / elapsed:.0%})" for name, seconds in stages.items())
    print(f"{label}: {rows:,} rows in {elapsed:.1f}s = {rows / elapsed:,.0f} rows/s", flush=True)
    print(f"  counts: {', '.join(f'{k} {v}' for k, v in report.counts.items() if v)}", flush=True)
    print(f"  stages: {shares}", flush=True)
    for note in report.notes:
        print(f"  note: {note}", flush=True)
    return elapsed, report


def on_postgis(settings, sheet: Path, rows: int, with_index: bool) -> tuple[float, float]:
    """First run and re-run of ``sheet`` in a throw-away PostGIS cluster with the focus wards (and its search tables)."""
    from tests.pg_cluster import PostgisCluster

    cluster = PostgisCluster()
    url = cluster.start()
    try:
        pg_settings = dataclasses.replace(settings, database_url=url)
        engine, sessions = with_wards(url)
        indexed = with_index and empty_search_index(pg_settings, sessions)
        print(f"Database ready (PostGIS, focus wards); search tables: {'yes' if indexed else 'no'}", flush=True)
        first, _ = run(pg_settings, sessions, sheet, "PostGIS first run ", rows)
        second, _ = run(pg_settings, sessions, sheet, "PostGIS second run", rows)
        engine.dispose()
    finally:
        cluster.stop()
    return first, second


def compare(spatialite: tuple[float, float], postgis: tuple[float, float], rows: int) -> None:
    """Each run's time on both databases and the ratio (PostGIS over SpatiaLite: above 1 means PostGIS is slower)."""
    for label, lite, pg in (("first run", spatialite[0], postgis[0]), ("re-run", spatialite[1], postgis[1])):
        print(f"PostGIS vs SpatiaLite, {label}: {pg:.1f}s ({rows / pg:,.0f} rows/s) vs {lite:.1f}s ({rows / lite:,.0f} rows/s) "
              f"= {pg / lite:.2f}x", flush=True)
    print(f"Re-run speed-up: SpatiaLite {spatialite[0] / spatialite[1]:.1f}x, PostGIS {postgis[0] / postgis[1]:.1f}x", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated spreadsheet (bounds the run time)")
    parser.add_argument("--no-index", action="store_true", help="leave the search index out")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--postgres", action="store_true", help="also run both imports on a throw-away PostGIS cluster and print the ratios")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="assetmap-bench-") as tmp:
        folder = Path(tmp)
        settings = dataclasses.replace(load_settings({}), database_url=f"sqlite:///{folder / 'bench.db'}", index_dir=str(folder / "index"))
        sheet = folder / "activities.csv"
        start = time.perf_counter()
        generate(sheet, args.rows)
        print(f"Generated {args.rows:,} rows ({sheet.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f}s", flush=True)
        engine, sessions = fresh_database(folder)
        indexed = not args.no_index and empty_search_index(settings, sessions)
        print(f"Database ready (SpatiaLite, focus wards); search index: {'yes' if indexed else 'no'}", flush=True)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        first, first_report = run(settings, sessions, sheet, "First run ", args.rows)
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        second, report = run(settings, sessions, sheet, "Second run", args.rows)
        bare = bare_copy(sheet, folder)
        print(f"Baseline: the same file copied as it is into a plain SQLite table: {bare:.1f}s "
              f"= {args.rows / bare:,.0f} rows/s", flush=True)
        print(f"Summary: first run {args.rows / first:,.0f} rows/s end to end (target 2,000), "
              f"{first / bare:.1f}x the bare copy's time; re-run {first / second:.1f}x faster (target 3x)", flush=True)
        engine.dispose()
        ok = args.rows / first >= 2_000 and first / second >= 3 and report.counts["unchanged"] == report.counts["read"]
        if args.postgres:
            compare((first, second), on_postgis(settings, sheet, args.rows, not args.no_index), args.rows)
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
