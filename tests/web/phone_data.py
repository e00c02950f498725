"""A copy of the web test database with the records the search and activity pages must lay out well:
a 200-character web address in a description, a phone line for all of Trafford, a waiting list, a
record checked 11 months ago beside fresher ones. Shared by the page tests and the phone browser tests."""

from __future__ import annotations

import datetime as dt

from assetmap import db
from assetmap.search import build_index

from ..factories import make_activity, private_copy

LONG_URL = "https://www.example.org/" + "community-activities-and-groups-in-trafford-" * 4
LONG_URL = LONG_URL[:200]
LONG_NAME = "Sale library reading group with a very long link"
PHONE_NAME = "Trafford befriending telephone line"
WAITING_NAME = "Stretford knit and natter"
AGEING_NAME = "Sale befriending circle checked last year"
FRESH_NAME = "Sale befriending circle checked this month"
TRAFFORD = "E08000009"
WEDNESDAY_AFTERNOON = {"days": ["wed"], "opens": "13:30", "closes": "14:30", "frequency": "weekly",
                       "sessions": [{"days": ["wed"], "opens": "13:30", "closes": "14:30"}]}


def extra_activities(now: dt.datetime):
    assert len(LONG_URL) == 200
    return [
        make_activity(name=LONG_NAME, categories=["reading"], venue="Sale Library", address="Sale Waterside\nSale Library\nSale",
                      postcode="M33 7ZF",
                      description=f"We read and talk about books. Details: {LONG_URL} or write to reading@example.org.",
                      schedule_text="Wed 13:30-14:30", schedule=["wed afternoon"], extra={"schedule": WEDNESDAY_AFTERNOON},
                      cost_text="£2.00 per session", is_free=False, capacity="accepting"),
        make_activity(name=PHONE_NAME, categories=["befriending"], delivery=["telephone"], lat=None, lon=None, postcode=None,
                      precision="none", ward_code=None, service_area=[TRAFFORD], description="A friendly call every week."),
        make_activity(name=WAITING_NAME, categories=["crafts"], capacity="waiting_list", lat=53.4466, lon=-2.3090, postcode="M32 0JT"),
        make_activity(name=AGEING_NAME, categories=["befriending"], description="Befriending befriending befriending for lonely people.",
                      last_verified=now - dt.timedelta(days=335)),
        make_activity(name=FRESH_NAME, categories=["befriending"], description="Befriending befriending for lonely people.",
                      last_verified=now - dt.timedelta(days=10)),
    ]


def phone_settings(web_settings, folder, now: dt.datetime):
    """Settings for a private copy of the web database with ``extra_activities`` added and indexed."""
    settings = private_copy(web_settings, folder)
    engine = db.make_engine(settings.database_url)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add_all(extra_activities(now))
    with sessions() as session:
        build_index(settings, session)
    engine.dispose()
    return settings
