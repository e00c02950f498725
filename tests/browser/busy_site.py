"""A live site with a few hundred activities round Sale: more than a page of results, enough to browse.

Imported by the shortlist and browse tests (``from .busy_site import busy_site``). The points are
drawn from a fixed seed so the tests can count what lies inside any box the map reports. The server and
the axe check come from serving.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from assetmap import db
from assetmap.search import build_index

from ..factories import make_activity
from .serving import serious_violations as serious_violations  # re-exported: the browse, shortlist and API page tests import it from here
from .serving import served

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WALKS, SINGING, THURSDAYS = 70, 30, 150
HOSTILE = '<img src=x onerror="window.hacked=1"> “Tuesday” walk · £2'
PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


@dataclasses.dataclass
class Site:
    url: str
    points: dict[str, tuple[float, float, str]]   # id → (lat, lon, first category)


def _activities():
    rng = random.Random(18)
    old = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    made = []
    for n in range(WALKS):
        made.append(make_activity(name=f"Park walk {n + 1:02d}", description="A gentle walk round the park – then tea.",
                                  phone="0161 912 3456", last_verified=old if n % 3 == 0 else dt.datetime(2026, 6, 1, tzinfo=dt.UTC)))
    for n in range(SINGING):
        made.append(make_activity(name=f"Singing for breathing {n + 1:02d}", categories=["singing"], schedule=["thu afternoon"],
                                  schedule_text="Thursdays · 2pm to 3pm", description="Sing “together” for your lungs.",
                                  last_verified=old))   # checked long ago: "Ring before you go"
    for n in range(THURSDAYS):
        made.append(make_activity(name=f"Lunch club {n + 1:03d}", categories=["food"], schedule=["thu morning"], schedule_text="Thursdays 12 noon",
                                  description="A hot meal and company."))
    made.append(make_activity(name=HOSTILE, description="<script>window.hacked=2</script>"))
    for activity in made:   # spread over Sale, Stretford and Altrincham
        lat, lon = round(rng.uniform(53.395, 53.455), 6), round(rng.uniform(-2.40, -2.28), 6)
        activity.lat, activity.lon, activity.geom = lat, lon, f"SRID=4326;POINT({lon} {lat})"
    return made


@pytest.fixture(scope="module")
def busy_site(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("busy")
    busy = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'busy.db'}", index_dir=str(folder / "index"), tile_url="")
    engine = db.make_engine(busy.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    made = _activities()
    points = {a.id: (a.lat, a.lon, a.categories[0]) for a in made}
    with sessions.begin() as session:
        session.add_all(made)
    with sessions() as session:
        build_index(busy, session)
    engine.dispose()

    from assetmap.web import create_app

    with served(create_app(busy)) as url:
        yield Site(url, points)


def new_page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def page_width(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
