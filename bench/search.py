"""Search benchmark: 100,000 generated activities, Whoosh (assetmap's search) against SQLite FTS5.

Prints as it goes: generation, index build time, then p50/p95 latency of 200 mixed queries (words,
"near" a point with a radius, one filter) through ``search_activities`` — which also counts every
facet and loads the page's 20 activities from the database — and the same 200 questions put to
SQLite FTS5 (porter stemmer; words OR-ed like ours, and AND-ed like PLATFORM.md's figure; the same
filter and a lat/lon box; top 20 by bm25; no synonyms, no facets, no page load) as an outside
baseline measured in the same run. The ratio is Whoosh over FTS5 with OR-ed words (the same question).

    .venv/bin/python bench/search.py [--activities 100000] [--queries 200] [--budget-s 1200] [--postgres]

``--postgres`` also runs the same questions on the PostgreSQL full-text backend, in a throw-away
PostGIS cluster (the one the tests start), for the record: it has no target.

Then the same questions again while an editor verifies one record a second (each a commit and a
new index generation): the p95 must stay within the same target (issue 20).

Targets (issue 4): p95 ≤ 50 ms for Whoosh at 100,000 activities, index build ≤ 3 minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.models import Activity  # noqa: E402
from assetmap.search import SearchParams, build_index, search_activities  # noqa: E402

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
CITIES = [  # (lat, lon) of 30 English towns and cities
    (51.507, -0.128), (52.486, -1.890), (53.480, -2.242), (53.801, -1.549), (53.408, -2.991), (53.381, -1.470),
    (51.454, -2.588), (52.954, -1.155), (54.978, -1.618), (52.636, -1.133), (50.376, -4.143), (50.909, -1.404),
    (53.745, -0.336), (52.407, -1.510), (53.426, -2.326), (53.958, -1.080), (52.205, 0.119), (51.752, -1.258),
    (50.822, -0.137), (52.630, 1.297), (54.574, -1.235), (53.646, -1.785), (53.391, -2.597), (51.621, -3.944),
    (52.040, -0.759), (50.720, -1.880), (53.228, -0.538), (54.906, -1.383), (51.279, 1.080), (52.586, -2.129),
]
TOPICS = {
    "walking": ("walking", "walk", "health walk", "ramble", "stroll", "park", "countryside", "fresh air"),
    "exercise": ("exercise", "fitness", "keep fit", "strength", "balance", "chair based", "movement", "class"),
    "singing": ("singing", "choir", "songs", "music", "voice", "harmony"),
    "arts-crafts": ("art", "crafts", "painting", "knitting", "sewing", "pottery", "drawing"),
    "befriending": ("befriending", "friendship", "company", "chat", "social", "lonely", "isolated", "coffee morning"),
    "peer-support": ("peer support", "support group", "share experiences", "listening", "understand"),
    "mental-wellbeing": ("wellbeing", "mental health", "anxiety", "low mood", "stress", "mindfulness", "calm"),
    "carers": ("carers", "unpaid carer", "caring", "respite", "break", "family member"),
    "food": ("food", "lunch club", "food bank", "pantry", "hot meal", "breakfast", "cooking"),
    "practical-help": ("advice", "debt", "benefits", "housing", "forms", "money", "bills", "energy"),
    "learning": ("learning", "course", "classes", "english", "computer", "digital skills", "reading"),
    "older-people": ("older people", "over 60s", "retired", "seniors", "later life"),
    "lung-health": ("lung health", "copd", "asthma", "breathe easy", "breathing", "breathless"),
    "dementia": ("dementia", "memory", "alzheimers", "memory cafe", "forgetful"),
    "gardening": ("gardening", "allotment", "growing", "vegetables", "green space"),
    "mens-sheds": ("mens shed", "woodwork", "workshop", "repairs", "men"),
    "bereavement": ("bereavement", "grief", "loss", "widowed", "loved one"),
    "parents-families": ("parents", "toddlers", "babies", "stay and play", "families", "children"),
    "young-people": ("young people", "youth club", "teenagers", "after school"),
    "cancer-support": ("cancer", "macmillan", "treatment", "diagnosis"),
}
FILLER = ("friendly", "welcoming", "weekly", "local", "group", "session", "community", "centre", "hall", "free", "everyone",
          "volunteers", "tea", "cake", "meet", "people", "new", "relaxed", "sessions", "drop", "in", "space", "support")
QUERY_WORDS = ["walking", "lonely", "something for my breathing", "carers", "dementia", "dimentia", "excercise", "knitting",
               "worried about money", "somewhere warm", "my wife died", "choir", "gardening", "mens shed", "food bank",
               "mental health", "toddlers", "art class", "coffee morning", "advice", "computer help", "grief", "youth club",
               "chair exercise", "memory cafe", "befriending", "copd", "lunch club", "cancer support", "allotment"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fake_activity(rng: random.Random, n: int) -> dict:
    topics = rng.sample(list(TOPICS), rng.choice((1, 1, 2)))
    words = [w for t in topics for w in rng.sample(TOPICS[t], min(3, len(TOPICS[t])))] + rng.sample(FILLER, 8)
    rng.shuffle(words)
    city = rng.randrange(len(CITIES))
    lat, lon = CITIES[city][0] + rng.gauss(0, 0.08), CITIES[city][1] + rng.gauss(0, 0.12)
    remote = rng.random() < 0.08
    lad = f"E080{city:05d}"
    return dict(
        id=str(uuid.UUID(int=rng.getrandbits(128))), name=f"{TOPICS[topics[0]][0].title()} {rng.choice(FILLER)} {n}",
        description=" ".join(words) + ".", categories=topics, audience=[rng.choice(["Anyone", "Adults", "Older people", "Carers", "Families"])],
        delivery=[rng.choice(["online", "telephone"])] if remote else ["in_person"],
        schedule_text="", schedule=[f"{rng.choice(DAYS)} {rng.choice(PARTS)}" for _ in range(rng.choice((1, 1, 2)))],
        cost_text="", is_free=rng.random() < 0.6, accessibility=["step free"] if rng.random() < 0.3 else [],
        status=rng.choices(["active", "paused", "closed"], [90, 6, 4])[0],
        lat=None if remote else lat, lon=None if remote else lon, precision="none" if remote else "postcode",
        ward_code=None if remote else f"E05{city:03d}{rng.randrange(30):03d}", lad_code=None if remote else lad,
        service_area=[lad] if remote and rng.random() < 0.7 else [], source="bench", source_id=str(n),
        last_verified=NOW - dt.timedelta(days=rng.randrange(700)) if rng.random() < 0.9 else None,
        content_hash=f"{n:x}", flags=[], raw={}, extra={},
    )


def generate(engine, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    batch: list[dict] = []
    started = time.perf_counter()
    with engine.begin() as conn:
        for n in range(count):
            batch.append(fake_activity(rng, n))
            if len(batch) == 5000 or n == count - 1:
                conn.execute(sa.insert(Activity), batch)
                batch = []
                if (n + 1) % 25000 == 0 or n == count - 1:
                    log(f"generated {n + 1:,} activities ({time.perf_counter() - started:.1f} s)")


@dataclasses.dataclass
class Question:
    text: str
    lat: float
    lon: float
    radius_km: float
    category: str
    day: str
    free_only: bool


def questions(count: int, seed: int = 11) -> list[Question]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        lat, lon = rng.choice(CITIES)
        kind = rng.choice(("category", "day", "free"))
        found.append(Question(
            text=rng.choice(QUERY_WORDS), lat=lat + rng.gauss(0, 0.03), lon=lon + rng.gauss(0, 0.05),
            radius_km=rng.choice((3.0, 5.0, 10.0, 20.0)), category=rng.choice(list(TOPICS)) if kind == "category" else "",
            day=rng.choice(DAYS) if kind == "day" else "", free_only=kind == "free",
        ))
    return found


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run_searches(sessions, settings, qs: list[Question], deadline: float) -> list[float]:
    """Each question through search_activities (the backend is whichever the settings' database uses)."""
    timings = []
    with sessions() as session:
        for q in qs:
            params = SearchParams(text=q.text, near=f"{q.lat:.5f},{q.lon:.5f}", radius_km=q.radius_km,
                                  categories=(q.category,) if q.category else (), days=(q.day,) if q.day else (), free_only=q.free_only)
            started = time.perf_counter()
            search_activities(session, settings, params)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()  # drop any search-log rows: a view's caller decides whether to commit
            if time.perf_counter() > deadline:
                log("time budget reached: stopping the Whoosh queries early")
                break
    return timings


def build_fts(engine) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS bench_fts"))
        conn.execute(sa.text("CREATE VIRTUAL TABLE bench_fts USING fts5(name, description, content='', tokenize='porter unicode61')"))
        conn.execute(sa.text("INSERT INTO bench_fts(rowid, name, description) SELECT rowid, name, description FROM activity"))
    return time.perf_counter() - started


FTS_SQL = """
SELECT a.id, bm25(bench_fts) AS rank FROM bench_fts JOIN activity a ON a.rowid = bench_fts.rowid
WHERE bench_fts MATCH :match AND a.status IN ('active', 'paused')
  AND a.lat BETWEEN :s AND :n AND a.lon BETWEEN :w AND :e
  AND (:category = '' OR EXISTS (SELECT 1 FROM json_each(a.categories) WHERE value = :category))
  AND (:day = '' OR EXISTS (SELECT 1 FROM json_each(a.schedule) WHERE substr(value, 1, 3) = :day))
  AND (:free = 0 OR a.is_free = 1)
ORDER BY rank LIMIT 20
"""


def run_fts(engine, qs: list[Question], deadline: float, joiner: str = " OR ") -> list[float]:
    from assetmap.search.text import content_words
    from assetmap.words import words_of

    timings = []
    with engine.connect() as conn:
        for q in qs:
            words = content_words(words_of(q.text)) or ["group"]
            box = q.radius_km / 111.0
            args = dict(match=joiner.join(f'"{w}"' for w in words), s=q.lat - box, n=q.lat + box, w=q.lon - box * 1.7, e=q.lon + box * 1.7,
                        category=q.category, day=q.day, free=int(q.free_only))
            started = time.perf_counter()
            conn.execute(sa.text(FTS_SQL), args).all()
            timings.append((time.perf_counter() - started) * 1000)
            if time.perf_counter() > deadline:
                log("time budget reached: stopping the FTS5 queries early")
                break
    return timings


def run_postgres(count: int, qs: list[Question], deadline: float) -> dict:
    """The same activities and questions on the PostgreSQL backend, in a cluster started for the run."""
    from tests.pg_cluster import PostgisCluster

    cluster = PostgisCluster()
    url = cluster.start()
    try:
        engine = db.make_engine(url)
        db.create_schema(engine)
        generate(engine, count)
        settings = Settings(database_url=url, clock=lambda: NOW)
        sessions = db.make_sessionmaker(engine)
        started = time.perf_counter()
        with sessions.begin() as session:
            build_index(settings, session)
        built = time.perf_counter() - started
        log(f"PostgreSQL search build: {built:.1f} s")
        p50, p95 = timed("PostgreSQL backend", run_searches(sessions, settings, qs, deadline))
        engine.dispose()
        return {"postgres_build_s": round(built, 1), "postgres_p50_ms": round(p50, 1), "postgres_p95_ms": round(p95, 1)}
    finally:
        cluster.stop()


def timed(label: str, samples: list[float], note: str = "") -> tuple[float, float]:
    p50, p95 = percentiles(samples)
    log(f"{label} ({len(samples)} queries{note}): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return p50, p95


def build_both(engine, sessions, settings) -> dict:
    started = time.perf_counter()
    with sessions() as session:
        count = build_index(settings, session, progress=lambda n: n % 20000 == 0 and log(f"  indexed {n:,}"))
    whoosh_build = time.perf_counter() - started
    log(f"Whoosh index build: {count:,} activities in {whoosh_build:.1f} s (target ≤ 180 s)")
    fts_build = build_fts(engine)
    log(f"FTS5 index build: {fts_build:.1f} s")
    return {"activities": count, "whoosh_build_s": round(whoosh_build, 1), "fts5_build_s": round(fts_build, 1)}


def query_both(engine, sessions, settings, qs: list[Question], deadline: float) -> dict:
    started = time.perf_counter()
    with sessions() as session:  # the first search in a process reads the index into memory
        search_activities(session, settings, SearchParams())
    log(f"Whoosh snapshot load (first search after the index changes): {(time.perf_counter() - started) * 1000:.0f} ms")
    w50, w95 = timed("Whoosh", run_searches(sessions, settings, qs, deadline), ", first pass; target p95 ≤ 50 ms")
    f50, f95 = timed("SQLite FTS5", run_fts(engine, qs, deadline), ", words OR-ed as search_activities does")
    s50, s95 = timed("SQLite FTS5", run_fts(engine, qs, deadline, joiner=" AND "), ", words AND-ed as in PLATFORM.md")
    a50, a95 = timed("Whoosh", run_searches(sessions, settings, qs, deadline), ", second pass, word postings cached")
    return {
        "whoosh_p50_ms": round(w50, 1), "whoosh_p95_ms": round(w95, 1), "fts5_p50_ms": round(f50, 2), "fts5_p95_ms": round(f95, 2),
        "fts5_and_p50_ms": round(s50, 2), "fts5_and_p95_ms": round(s95, 2),
        "ratio_p50": round(w50 / f50, 1) if f50 else None, "ratio_p95": round(w95 / f95, 1) if f95 else None,
        "whoosh_warm_p50_ms": round(a50, 1), "whoosh_warm_p95_ms": round(a95, 1),
    }


def _edit_each_second(settings, ids: list[str], stop, results) -> None:
    """The editor's process: verify one record a second through ``changes.writing`` until told to stop."""
    from assetmap import changes

    engine = db.make_engine(settings.database_url)
    sessions = db.make_sessionmaker(engine)
    rng, latencies = random.Random(5), []
    while not stop.wait(1.0):
        started = time.perf_counter()
        with changes.writing(settings, sessions, changes.editor_actor("bench@example.org")) as tx:
            tx.verify_activity(rng.choice(ids), "phoned")
        latencies.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    results.put(latencies)


def run_with_edits(sessions, settings, qs: list[Question], deadline: float) -> dict:
    """The same questions while an editor in another process verifies one record a second.

    Each verification commits, re-indexes that record and makes a new index generation, which this
    process's next search meets (as a web server meets an edit saved by another worker); the first
    search after a change once paid about 4 s to read the whole index again.
    """
    import multiprocessing

    with sessions() as session:
        ids = list(session.scalars(sa.select(Activity.id).limit(5000)))
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    editor = context.Process(target=_edit_each_second, args=(settings, ids, stop, results), daemon=True)
    editor.start()
    samples: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < 30 and time.perf_counter() < deadline:   # about 30 edits
        samples += run_searches(sessions, settings, qs, deadline)
    stop.set()
    edit_ms = results.get(timeout=120)
    editor.join(timeout=30)
    p50, p95 = timed("Whoosh", samples, f", during {len(edit_ms)} edits at one a second; target p95 ≤ 50 ms")
    log(f"each edit, committed and indexed (in the editor's process): median {statistics.median(edit_ms) if edit_ms else 0:.0f} ms")
    return {"whoosh_editing_p50_ms": round(p50, 1), "whoosh_editing_p95_ms": round(p95, 1), "edits": len(edit_ms),
            "edit_median_ms": round(statistics.median(edit_ms), 1) if edit_ms else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--budget-s", type=float, default=1200.0, help="stop (and report what was measured) after this long")
    parser.add_argument("--postgres", action="store_true", help="also measure the PostgreSQL backend (starts a throw-away cluster)")
    args = parser.parse_args(argv)
    deadline = time.perf_counter() + args.budget_s
    tmp = Path(tempfile.mkdtemp(prefix="assetmap-bench-search-"))
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", index_dir=str(tmp / "index"), clock=lambda: NOW)
    log(f"working in {tmp}")
    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    generate(engine, args.activities)
    qs = questions(args.queries)
    figures = {**build_both(engine, sessions, settings), **query_both(engine, sessions, settings, qs, deadline)}
    figures.update(run_with_edits(sessions, settings, qs, deadline))
    figures["meets_targets"] = figures["whoosh_p95_ms"] <= 50 and figures["whoosh_build_s"] <= 180 and figures["whoosh_editing_p95_ms"] <= 50
    engine.dispose()
    if args.postgres:
        figures.update(run_postgres(args.activities, qs, deadline))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
