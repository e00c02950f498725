"""Benchmark: what the rate limiter adds to each request, in this process's memory and in a shared Redis (issue 20).

Builds a throw-away SpatiaLite database with a few activities and its index, starts a throw-away
``redis-server`` on a free loopback port (as the tests do), and sends requests through Flask's test
client (no network between client and app, so only the app's own cost is measured) to apps with no
limit (the baseline, measured in the same run), with ``memory://`` and with
``redis://127.0.0.1:PORT``: first a real search through ``create_app``, then a bare Flask route that
does nothing, limited by ``security.make_limiter`` (the limiter's cost alone). The limit is set high
enough never to be reached: the cost of counting, not of refusing, is the point. Prints
microseconds per request, the added cost and the ratio to the baseline, then the cost of one count
(the strategy's ``hit``, what the sign-in guard does) in each storage.

    .venv/bin/python bench/ratelimit.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from limits import parse  # noqa: E402
from limits.storage import storage_from_string  # noqa: E402
from limits.strategies import MovingWindowRateLimiter  # noqa: E402

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.search import build_index  # noqa: E402
from assetmap.web import create_app, security  # noqa: E402
from tests.factories import make_activity  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

URL = "/api/activities?q=walk&per_page=5"
NEVER_REACHED = "1000000 per minute"


def make_settings(folder: Path) -> Settings:
    """A small indexed database: the search is cheap, so the limiter's share of the request shows."""
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", index_dir=str(folder / "index"), boundaries_dir=str(folder),
                        secret_key="bench", warm_start=False, ratelimit_search="", ratelimit_export="", ratelimit_report="",
                        ratelimit_login="")
    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add_all(make_activity(name=f"Health walk {n}") for n in range(20))
    with sessions() as session:
        build_index(settings, session)
    engine.dispose()
    return settings


def per_request_us(clients: dict, url_of: dict, requests: int, rounds: int) -> dict[str, float]:
    """Microseconds per request for each client: the best of ``rounds``, the cases taking turns so that other work on the machine
    slows them all alike."""
    for label, client in clients.items():
        for _ in range(50):
            assert client.get(url_of[label]).status_code == 200, label
    best = dict.fromkeys(clients, float("inf"))
    for _ in range(rounds):
        for label, client in clients.items():
            started = time.perf_counter()
            for _ in range(requests):
                client.get(url_of[label])
            best[label] = min(best[label], (time.perf_counter() - started) / requests * 1e6)
    return best


def bare_app(storage_uri: str | None) -> Flask:
    """A Flask app whose one route does nothing, limited by ``security.make_limiter`` unless ``storage_uri`` is None."""
    app = Flask(__name__)
    app.add_url_rule("/ping", "ping", lambda: "pong")
    if storage_uri:
        limiter = security.make_limiter(app, storage_uri)
        app.view_functions["ping"] = limiter.limit(NEVER_REACHED)(app.view_functions["ping"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="assetmap-bench-ratelimit-") as tmp:
            base = make_settings(Path(tmp))
            run(base, server.url, args.requests, args.rounds)
    finally:
        server.remove()


def run(base: Settings, redis_url: str, requests: int, rounds: int) -> None:
    storages = {"no limit": None, "memory://": "memory://", "redis (loopback)": redis_url}
    apps = {label: create_app(dataclasses.replace(base, ratelimit_search=NEVER_REACHED if uri else "", ratelimit_storage=uri or "memory://"))
            for label, uri in storages.items()}
    bare = {label: bare_app(uri) for label, uri in storages.items()}
    print(f"best of {rounds} rounds of {requests} requests, Flask test client, the cases taking turns")
    for title, group, url in [(f"a search ({URL})", apps, URL), ("a route that does nothing (the limiter alone)", bare, "/ping")]:
        clients = {label: app.test_client() for label, app in group.items()}
        costs = per_request_us(clients, dict.fromkeys(clients, url), requests, rounds)
        baseline = costs["no limit"]
        print(title)
        for label, cost in costs.items():
            print(f"  {label:<20} {cost:8.0f} µs/request   {cost - baseline:+6.0f} µs   x{cost / baseline:.2f}")
    for app in apps.values():
        app.extensions["assetmap"]["engine"].dispose()
    print("one count alone (what the sign-in guard does per call):")
    item = parse(NEVER_REACHED)
    for label, uri in list(storages.items())[1:]:
        strategy = MovingWindowRateLimiter(storage_from_string(uri, **security.storage_options(uri)))
        started = time.perf_counter()
        for n in range(requests):
            strategy.hit(item, "bench", str(n % 50))
        print(f"  {label:<20} {(time.perf_counter() - started) / requests * 1e6:8.1f} µs/hit")


if __name__ == "__main__":
    main()
