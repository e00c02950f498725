"""Benchmark: the search page's map with 10,000 activities in the directory, in headless Chromium.

Measures navigation → markers shown (median of 5) and bytes transferred (as sent, after gzip) on a
first view (empty cache), beside a bare Leaflet page drawing all 10,000 points as individual markers,
measured in the same run. Target (issues 5 and 18): ≤ 1.5 s and ≤ 1 MB on first view.

Two assetmap runs: a search ("walking", the map opening on the page's results and loading the other
matches in view), and browse mode (no query, the whole area in view: all 10,000 activities fetched by
bounding box as compact GeoJSON and clustered) — the case the bare page is the baseline for.

    .venv/bin/python bench/map_page.py [--activities 10000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assetmap import db  # noqa: E402
from assetmap.config import Settings  # noqa: E402
from assetmap.models import Activity  # noqa: E402
from assetmap.search import build_index  # noqa: E402
from assetmap.web import create_app  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WORDS = ["walking", "singing", "lunch club", "befriending", "carers", "knit and natter", "men's shed", "memory café"]


def fill_database(settings: Settings, count: int) -> list[tuple[float, float]]:
    """``count`` activities scattered over Greater Manchester, indexed for search."""
    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    rng = np.random.default_rng(5)
    lats, lons = rng.uniform(53.35, 53.60, count), rng.uniform(-2.55, -2.05, count)
    rows = [dict(id=str(uuid.UUID(int=i + 1)), name=f"{WORDS[i % len(WORDS)].title()} {i}", description="A friendly group.",
                 categories=["walking"], delivery=["in_person"], status="active", lat=float(lat), lon=float(lon),
                 geom=f"SRID=4326;POINT({lon} {lat})", source="bench", source_id=str(i)) for i, (lat, lon) in enumerate(zip(lats, lons))]
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        session.execute(Activity.__table__.insert(), rows)
    with sessions() as session:
        build_index(settings, session)
    engine.dispose()
    return list(zip(lats.tolist(), lons.tolist()))


def bare_page() -> str:
    """The baseline: plain Leaflet, every point its own marker (no clustering)."""
    return """<!doctype html><html><head><link rel="stylesheet" href="/static/vendor/leaflet.css"></head>
<body><div id="map" style="height:600px"></div><script src="/static/vendor/leaflet.js"></script>
<script src="/bare.js"></script></body></html>"""


def bare_js(points: list[tuple[float, float]]) -> str:
    data = json.dumps([[round(lat, 6), round(lon, 6)] for lat, lon in points])
    return f"""(function (points) {{
  var map = L.map('map', {{maxZoom: 18}}).setView([53.47, -2.3], 11);
  points.forEach(function (p) {{ L.marker(p).addTo(map); }});
  document.getElementById('map').dataset.markers = String(points.length);
}}({data}));"""


def serve(app):
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # keep the figures readable
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


VIEWPORT = {"width": 1366, "height": 900}
BROWSE_VIEW = "#map=10/53.475/-2.30"   # the whole of the generated area in view on a 1366 × 900 screen


def measure(browser, url: str) -> tuple[float, int]:
    """Seconds from navigation to the map's markers being drawn, and bytes transferred (bodies as sent), with a cold cache."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#map[data-markers]", state="attached", timeout=120_000)
    page.wait_for_selector(".leaflet-marker-icon")
    seconds = time.perf_counter() - start
    in_view = page.locator("#map").get_attribute("data-in-view")
    if in_view is not None and "#map=" in url:
        measure.in_view = int(in_view)
    received = [r.request.sizes()["responseBodySize"] for r in responses if r.ok]
    context.close()
    return seconds, sum(received)


def run(count: int, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/map.db", index_dir=f"{folder}/index", tile_url="", env="development")
        points = fill_database(settings, count)
        print(f"{count:,} activities loaded and indexed", flush=True)
        app = create_app(settings)
        script = bare_js(points)
        app.add_url_rule("/bare", "bare", bare_page)
        app.add_url_rule("/bare.js", "bare_js", lambda: (script, 200, {"Content-Type": "text/javascript"}))
        server, base = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                report(browser, {"assetmap search page": f"{base}/?q=walking", "assetmap browse mode": f"{base}/{BROWSE_VIEW}",
                                 "bare Leaflet, every point": f"{base}/bare"}, runs)
                browser.close()
        finally:
            server.shutdown()
            app.extensions["assetmap"]["engine"].dispose()


def report(browser, urls: dict[str, str], runs: int) -> None:
    results = {}
    for label, url in urls.items():
        samples = [measure(browser, url) for _ in range(runs)]
        seconds = statistics.median(s for s, _ in samples)
        size = statistics.median(b for _, b in samples)
        results[label] = (seconds, size)
        print(f"{label}: median {seconds:.2f} s to markers, {size / 1e6:.2f} MB transferred ({runs} cold runs)", flush=True)
    print(f"browse mode: {getattr(measure, 'in_view', 0):,} activities in view")
    bare = results["bare Leaflet, every point"]
    for label in ("assetmap search page", "assetmap browse mode"):
        ours = results[label]
        print(f"{label} — ratio (bare / assetmap): time {bare[0] / ours[0]:.1f}×, bytes {bare[1] / ours[1]:.1f}×; "
              f"target ≤ 1.5 s: {'PASS' if ours[0] <= 1.5 else 'FAIL'}; target ≤ 1 MB: {'PASS' if ours[1] <= 1e6 else 'FAIL'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.activities, args.runs)


if __name__ == "__main__":
    main()
