"""The organiser's confirm page and "Report a problem", over their own copy of the web test database with
CSRF on: tokens through the web, CSRF refusals on every new form, the report limit, the review queue
and history showing reports, and an editor marking one dealt with."""

import re

import pytest
import sqlalchemy as sa

from assetmap import confirm, users
from assetmap.models import Activity, Organisation, ProblemReport, Verification
from assetmap.web import create_app

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .test_review import EDITOR, sign_in, token

LIMIT = 3


@pytest.fixture(scope="module")
def org_app(web_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("organisers")
    settings = private_copy(web_settings, folder,
                                   report_limit=LIMIT)
    app = create_app(settings)
    with app.extensions["assetmap"]["sessions"].begin() as session:
        users.add_user(session, *EDITOR, "editor", FIXED_NOW)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _session(app):
    return app.extensions["assetmap"]["sessions"]()


def _org(app):
    with _session(app) as session:
        return session.scalar(sa.select(Organisation.id).where(Organisation.name == "Sale <b>Friends</b>"))


def _activity_id(app, name):
    with _session(app) as session:
        return session.scalar(sa.select(Activity.id).where(Activity.name == name))


def _link(app, organisation_id=None, now=FIXED_NOW):
    return f"/confirm/{confirm.make_token(app.config['SECRET_KEY'], organisation_id or _org(app), now)}"


def _checks(app, activity_id):
    with _session(app) as session:
        return session.scalars(sa.select(Verification.method).where(Verification.activity_id == activity_id)).all()


def test_the_confirm_page_lists_the_organisations_records_escaped_with_both_answers(org_app):
    html = org_app.test_client().get(_link(org_app)).get_data(as_text=True)
    assert "Sale health walk" in html and "Stretford singing" not in html
    assert "Sale &lt;b&gt;Friends&lt;/b&gt;" in html and "<b>Friends</b>" not in html
    assert "All still correct" in html and "Something has changed" in html
    assert html.count('name="csrf_token"') == 2 and "<script>" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("path", ["", "/changed"])
def test_confirm_answers_without_a_csrf_token_are_refused_and_change_nothing(org_app, path):
    client, walk = org_app.test_client(), _activity_id(org_app, "Sale health walk")
    link = _link(org_app)
    response = client.post(link + path, data={"details": "moved"})
    assert response.status_code == 400 and _checks(org_app, walk) == []
    assert client.get(link).status_code == 200   # the link itself is still unused


@pytest.mark.parametrize("make_link, says", [
    (lambda app: _link(app)[:-3] + "xyz", "not valid"),
    (lambda app: _link(app, now=FIXED_NOW.replace(year=2025)), "expired"),
    (lambda app: _link(app, organisation_id="no-such-organisation"), "not valid"),
])
def test_a_bad_link_shows_a_plain_message_and_no_form(org_app, make_link, says):
    response = org_app.test_client().get(make_link(org_app))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and says in html and "All still correct" not in html


def test_all_still_correct_verifies_as_the_organiser_once_and_the_page_says_so(org_app):
    client, walk = org_app.test_client(), _activity_id(org_app, "Sale health walk")
    link = _link(org_app)
    response = client.post(link, data={"csrf_token": token(client, link)})
    assert response.status_code == 200 and "still correct" in response.get_data(as_text=True)
    assert _checks(org_app, walk) == ["organiser_confirmed"]
    assert "Checked by the organiser on 15 Jun 2026" in client.get(f"/activities/{walk}").get_data(as_text=True)
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_something_has_changed_needs_an_answer_then_files_a_report(org_app):
    client, walk = org_app.test_client(), _activity_id(org_app, "Sale health walk")
    link = _link(org_app)
    empty = client.post(link + "/changed", data={"csrf_token": token(client, link), "details": " "})
    assert empty.status_code == 400 and "Please tell us what has changed" in empty.get_data(as_text=True)
    done = client.post(link + "/changed", data={"csrf_token": token(client, link), "details": "Now meets at <b>10</b>",
                                               "activities": [walk]})
    assert done.status_code == 200
    with _session(org_app) as session:
        report = session.scalars(sa.select(ProblemReport).where(ProblemReport.kind == "changed")).one()
    assert (report.activity_id, report.details, report.reported_by) == (walk, "Now meets at <b>10</b>", f"organiser:{_org(org_app)}")
    editor = org_app.test_client()
    sign_in(editor, *EDITOR)
    queue = editor.get("/review").get_data(as_text=True)
    assert "The organiser says something has changed" in queue and "Now meets at &lt;b&gt;10&lt;/b&gt;" in queue


def test_every_activity_page_links_to_report_a_problem_with_the_four_choices(org_app):
    client, walk = org_app.test_client(), _activity_id(org_app, "Sale health walk")
    assert f'href="/activities/{walk}/report"' in client.get(f"/activities/{walk}").get_data(as_text=True)
    html = client.get(f"/activities/{walk}/report").get_data(as_text=True)
    assert re.findall(r'name="kind" value="([a-z]+)"', html) == ["stopped", "time", "contact", "other"]


def test_a_report_without_a_csrf_token_is_refused(org_app):
    client, walk = org_app.test_client(), _activity_id(org_app, "Befriending phone line")
    assert client.post(f"/activities/{walk}/report", data={"kind": "time"}).status_code == 400
    with _session(org_app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProblemReport).where(ProblemReport.activity_id == walk)) == 0


def test_a_report_lowers_freshness_shows_on_history_and_an_editor_deals_with_it(org_app):
    client = _client(org_app, "198.51.100.7")
    walk = _activity_id(org_app, "Stretford singing for lung health")
    path = f"/activities/{walk}/report"
    assert client.post(path, data={"csrf_token": token(client, path), "kind": "stopped", "details": "<i>gone</i>"}).status_code == 302
    page = client.get(f"/activities/{walk}").get_data(as_text=True)
    assert "that this has stopped" in page and "May be out of date" in page
    editor = org_app.test_client()
    sign_in(editor, *EDITOR)
    history = editor.get(f"/activities/{walk}/history").get_data(as_text=True)
    assert "Open problem reports" in history and "&lt;i&gt;gone&lt;/i&gt;" in history
    with _session(org_app) as session:
        report_id = session.scalar(sa.select(ProblemReport.id).where(ProblemReport.activity_id == walk, ProblemReport.status == "open"))
    assert editor.post(f"/reports/{report_id}/dealt", data={}).status_code == 400              # no CSRF token
    resident = org_app.test_client()
    refused = resident.post(f"/reports/{report_id}/dealt", data={"csrf_token": token(resident, path)})
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]                # a resident is sent to sign in
    dealt = editor.post(f"/reports/{report_id}/dealt", data={"csrf_token": token(editor, "/review")})
    assert dealt.status_code == 302
    with _session(org_app) as session:
        assert session.get(ProblemReport, report_id).status == "dealt"
    assert "that this has stopped" not in client.get(f"/activities/{walk}").get_data(as_text=True)


def test_reports_are_limited_per_address_per_day(org_app):
    walk = _activity_id(org_app, "Paused lunch club")
    path = f"/activities/{walk}/report"
    busy = _client(org_app, "203.0.113.9")
    codes = [busy.post(path, data={"csrf_token": token(busy, path), "kind": "other"}).status_code for _ in range(LIMIT + 1)]
    assert codes == [302] * LIMIT + [429]
    other = _client(org_app, "203.0.113.10")
    assert other.post(path, data={"csrf_token": token(other, path), "kind": "other"}).status_code == 302
