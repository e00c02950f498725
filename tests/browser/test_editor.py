"""An editor in a real browser: sign in, work through the queue, verify one record, edit another,
and see the new freshness line on the public page and the change in the record's history."""

import datetime as dt

import pytest
import sqlalchemy as sa

from assetmap import users
from assetmap.models import Activity

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .serving import serious_violations, served

pytestmark = pytest.mark.browser
EDITOR = ("browser.editor@example.org", "browser editor password")


@pytest.fixture(scope="module")
def editor_server(web_settings, tmp_path_factory):
    """Its own copy of the web test database (these tests change records), with one editor account."""
    from assetmap.web import create_app

    folder = tmp_path_factory.mktemp("editor-browser")
    app = create_app(private_copy(web_settings, folder))
    with app.extensions["assetmap"]["sessions"].begin() as session:
        users.add_user(session, *EDITOR, "editor", FIXED_NOW)
        old = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)   # two more records due for a check, so the queue has several
        session.execute(sa.update(Activity).where(Activity.name.in_(["Sale health walk", "Stretford singing for lung health"]))
                        .values(last_verified=old))
    with served(app) as url:
        yield url



def test_an_editor_verifies_one_record_and_edits_another(page, editor_server):
    page.goto(f"{editor_server}/review")
    assert page.url.startswith(f"{editor_server}/login")          # not signed in: sent to sign in first
    page.get_by_label("Email address").fill(EDITOR[0])
    page.get_by_label("Password").fill(EDITOR[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{editor_server}/review")
    assert serious_violations(page) == []

    rows = page.locator("tr.queue-item")
    first_name = rows.first.locator("th a").inner_text()
    first_id = rows.first.get_attribute("data-id")
    rows.first.get_by_role("button", name="Still correct").click()
    page.wait_for_selector(".notice")
    assert first_name in page.locator(".notice").inner_text()
    assert page.locator(f'tr.queue-item[data-id="{first_id}"]').count() == 0   # checked today: no longer in the queue

    second = page.locator("tr.queue-item").first
    second_id = second.get_attribute("data-id")
    second.get_by_role("link", name="Edit").click()
    page.get_by_label("Phone").fill("0161 496 0000")
    page.get_by_label("Did you also check the whole record?").select_option("seen_running")
    page.get_by_role("button", name="Show what will change").click()
    assert "0161 496 0000" in page.locator("table.changes").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{editor_server}/activities/{second_id}")
    assert "Seen running by an editor on 15 Jun 2026" in page.locator(".freshness").inner_text()
    assert "0161 496 0000" in page.locator(".facts").inner_text()

    page.goto(f"{editor_server}/activities/{first_id}")
    assert "Checked by phone by an editor on 15 Jun 2026" in page.locator(".freshness").inner_text()

    page.goto(f"{editor_server}/activities/{second_id}/history")
    history = page.locator("table.history").inner_text()
    assert "0161 496 0000" in history and "verify" in history and EDITOR[0] in history
    assert serious_violations(page) == []
