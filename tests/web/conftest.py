"""A session-scoped app over a small real database: Trafford wards, hand-made activities (some
hostile), and a built search index. Tests assert on the JSON twin and parse HTML only for escaping."""

import dataclasses
import datetime as dt

import pytest

from assetmap import db
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.search import build_index
from assetmap.web import create_app

from ..factories import make_activity, make_organisation

XSS_NAME = "<script>alert(1)</script> walking club"
XSS_DESCRIPTION = '<img src=x onerror=alert(1)> lovely walks'
XSS_URL = "javascript:alert(1)"


def _activities():
    org = make_organisation(name="Sale <b>Friends</b>")
    old = dt.datetime(2024, 1, 10, tzinfo=dt.UTC)
    return org, [
        make_activity(name="Sale health walk", categories=["walking"], organisation_id=org.id),
        make_activity(name="Stretford singing for lung health", categories=["lung-health", "singing"], lat=53.4466, lon=-2.3090,
                      postcode="M32 0JT", schedule=["thu afternoon"], schedule_text="Thursdays 2pm"),
        make_activity(name="Befriending phone line", categories=["befriending"], delivery=["telephone"], lat=None, lon=None,
                      postcode=None, precision="none", ward_code=None, last_verified=old),
        make_activity(name="Paused lunch club", categories=["food"], status="paused"),
        make_activity(name="Closed carers café", categories=["carers"], status="closed"),
        make_activity(name=XSS_NAME, description=XSS_DESCRIPTION, website=XSS_URL, categories=["walking"]),
    ]


@pytest.fixture(scope="session")
def web_settings(settings, tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("web")
    web_settings = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'web.db'}", index_dir=str(folder / "index"), tile_url="")
    engine = db.make_engine(web_settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        load_boundaries(session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
        load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
        org, activities = _activities()
        session.add(org)
        session.add_all(activities)
    with sessions() as session:
        build_index(web_settings, session)
    engine.dispose()
    return web_settings


@pytest.fixture(scope="session")
def app(web_settings):
    app = create_app(web_settings)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
