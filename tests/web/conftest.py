"""A session-scoped app over a small real database: Trafford wards, hand-made activities (some
hostile), and a built search index. Tests assert on the JSON twin and parse HTML only for escaping."""

import datetime as dt

import pytest

from ..factories import app_over, build_directory, make_activity, make_organisation

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
    return build_directory(settings, tmp_path_factory.mktemp("web"), shared_data, *_activities())


@pytest.fixture(scope="session")
def app(web_settings):
    with app_over(web_settings) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
