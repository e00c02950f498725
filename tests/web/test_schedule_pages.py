"""An activity page's "When": the next session in London time, or "This event has ended" (issue 15).

A small app of its own, so the dated events here change no count the other web tests rely on.
"""

import dataclasses
import datetime as dt

import pytest

from assetmap import db
from assetmap.models import Activity
from assetmap.schedule import parse_schedule
from assetmap.search import build_index
from assetmap.web import create_app

from ..factories import make_activity

INGESTED = dt.date(2025, 11, 1)
WEDNESDAY_2302 = dt.datetime(2026, 6, 17, 22, 2, tzinfo=dt.UTC)   # 23:02 in London (BST)


def _activity(name: str, when: str) -> Activity:
    parsed = parse_schedule(when, INGESTED)
    return make_activity(name=name, schedule_text=when, schedule=parsed.tokens, extra={"schedule": parsed.detail})


@pytest.fixture(scope="module")
def events(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("schedule-pages")
    page_settings = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'web.db'}", index_dir=str(folder / "index"),
                                        tile_url="", clock=lambda: WEDNESDAY_2302)
    engine = db.make_engine(page_settings.database_url)
    db.create_schema(engine)
    activities = {"concert": _activity("Christmas carol concert", "Saturday 13 December 2025 6-8pm"),
                  "walk": _activity("Wednesday walk", "Wednesdays 1.30pm"),
                  "summer": _activity("Summer fair", "Saturday 20 June 2026 11am-3pm")}
    ids = {key: a.id for key, a in activities.items()}
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all(activities.values())
    with db.make_sessionmaker(engine)() as session:
        build_index(page_settings, session)
    engine.dispose()
    app = create_app(page_settings)
    yield app.test_client(), ids
    app.extensions["assetmap"]["engine"].dispose()


def test_a_past_one_off_event_says_it_has_ended_and_keeps_its_text(events):
    client, ids = events
    html = client.get(f"/activities/{ids['concert']}").get_data(as_text=True)
    assert "This event has ended." in html and "Saturday 13 December 2025 6-8pm" in html and "Next:" not in html


def test_at_2302_a_1330_session_is_next_week_not_today(events):
    client, ids = events
    html = client.get(f"/activities/{ids['walk']}").get_data(as_text=True)
    assert "Next: Wednesday 24 June, 1:30pm" in html and "Today" not in html and "has ended" not in html


def test_an_upcoming_dated_event_names_its_date(events):
    client, ids = events
    html = client.get(f"/activities/{ids['summer']}").get_data(as_text=True)
    assert "Next: Saturday 20 June, 11am" in html and "has ended" not in html
