"""An organiser in a real browser: opens the confirm link from the e-mail the reminders wrote to the
outbox, presses "All still correct", and the public page then says the organiser checked it."""

import dataclasses
import datetime as dt
import email
from email import policy

import pytest
import sqlalchemy as sa

from assetmap import confirm
from assetmap.models import Activity, Organisation

from ..factories import private_copy
from .serving import served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def organiser_server(web_settings, tmp_path_factory):
    """Its own copy of the web test database, with the organisation's address and its walk gone stale."""
    from assetmap.web import create_app

    folder = tmp_path_factory.mktemp("organiser-browser")
    settings = private_copy(web_settings, folder)
    app = create_app(settings)
    with app.extensions["assetmap"]["sessions"].begin() as session:
        session.execute(sa.update(Organisation).where(Organisation.name == "Sale <b>Friends</b>").values(email="friends@example.org"))
        session.execute(sa.update(Activity).where(Activity.name == "Sale health walk").values(last_verified=dt.datetime(2025, 3, 1, tzinfo=dt.UTC)))
    with served(app) as url:
        yield app, dataclasses.replace(settings, base_url=url), folder


def test_an_organiser_confirms_from_the_outbox_link_and_the_public_page_says_so(organiser_server, page):
    app, settings, folder = organiser_server
    [path] = confirm.write_outbox(folder / "outbox", confirm.make_reminders(settings, app.extensions["assetmap"]["sessions"],
                                                                             settings.secret_key))
    body = email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body().get_content()
    link = next(line.strip() for line in body.splitlines() if "/confirm/" in line)
    assert link.startswith(settings.base_url + "/confirm/")
    page.goto(link)
    assert page.get_by_role("heading", level=2, name="Sale health walk").is_visible()
    page.get_by_role("button", name="All still correct").click()
    assert "still correct" in page.locator("main").inner_text()
    page.goto(settings.base_url + "/")
    page.get_by_role("link", name="Sale health walk").first.click()
    assert "Checked by the organiser on 15 Jun 2026" in page.locator(".freshness").inner_text()
    page.goto(link)
    assert "already been used" in page.locator("main").inner_text()
    assert page.dialogs == []
