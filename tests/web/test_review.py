"""The editor's pages over their own copy of the web test database, with CSRF on: who may reach what,
"Still correct", the edit form, history, the audit trail, the API's freshness and the accounts page."""

import dataclasses
import re

import pytest
import sqlalchemy as sa

from assetmap import db, users
from assetmap.models import ActivityUse, AuditEntry, Verification
from assetmap.web import create_app, use_counts

from ..conftest import FIXED_NOW
from ..factories import private_copy

EDITOR = ("editor@example.org", "editor password 1")
ADMIN = ("admin@example.org", "admin password 12")
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def review_app(web_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    settings = private_copy(web_settings, folder)
    app = create_app(settings)
    assert app.config.get("WTF_CSRF_ENABLED", True)   # these tests run with CSRF on
    sessions = app.extensions["assetmap"]["sessions"]
    with sessions.begin() as session:
        users.add_user(session, *EDITOR, "editor", FIXED_NOW)
        users.add_user(session, *ADMIN, "admin", FIXED_NOW)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


@pytest.fixture
def resident(review_app):
    return review_app.test_client()


def token(client, path="/login") -> str:
    """The CSRF token of the form on ``path``, as a browser would read it."""
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token(client)})


@pytest.fixture
def editor(review_app):
    client = review_app.test_client()
    assert sign_in(client, *EDITOR).status_code == 302
    return client


@pytest.fixture
def admin(review_app):
    client = review_app.test_client()
    assert sign_in(client, *ADMIN).status_code == 302
    return client


def _ids(client, query):
    return {item["name"]: item["id"] for item in client.get(f"/api/activities?{query}&per_page=50").get_json()["items"]}


def _session(app):
    return app.extensions["assetmap"]["sessions"]()


def test_login_form_has_exactly_the_named_fields_and_wrong_passwords_are_refused(resident):
    html = resident.get("/login").get_data(as_text=True)
    assert set(re.findall(r'<input[^>]* name="([^"]+)"', html)) == {"email", "password", "csrf_token"}
    response = sign_in(resident, EDITOR[0], "wrong password")
    assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    assert resident.get("/review").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(review_app):
    client = review_app.test_client()
    response = sign_in(client, *EDITOR)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_login_redirects_only_within_the_site(review_app):
    client = review_app.test_client()
    data = {"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token(client)}
    assert client.post("/login?next=https://evil.example/", data=data).headers["Location"] == "/review"


@pytest.mark.parametrize("method, path", [
    ("get", "/review"), ("get", "/activities/{id}/edit"), ("get", "/activities/{id}/history"), ("post", "/activities/{id}/verify"),
    ("post", "/activities/{id}/edit"), ("get", "/admin/users"), ("post", "/admin/users"),
])
def test_a_resident_reaches_no_editor_page_or_action(resident, method, path):
    activity_id = next(iter(_ids(resident, "q=walk").values()))
    response = getattr(resident, method)(path.format(id=activity_id), data={"csrf_token": token(resident), "method": "phoned"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("method, path", [("get", "/admin/users"), ("post", "/admin/users"), ("post", "/admin/users/1/active")])
def test_an_editor_manages_no_users(editor, method, path):
    response = getattr(editor, method)(path, data={"csrf_token": token(editor, "/review"), "email": "x@example.org",
                                                   "password": "long enough pw", "role": "admin"})
    assert response.status_code == 403


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": EDITOR[0], "password": EDITOR[1]}),
    ("/logout", {}),
    ("/activities/{id}/verify", {"method": "phoned"}),
    ("/activities/{id}/edit", {"name": "Renamed", "status": "active", "save": "1"}),
    ("/admin/users", {"email": "new@example.org", "password": "long enough pw", "role": "editor"}),
    ("/admin/users/1/active", {}),
])
def test_every_form_refuses_a_post_without_its_csrf_token(admin, path, data):
    activity_id = next(iter(_ids(admin, "q=walk").values()))
    response = admin.post(path.format(id=activity_id), data=data)
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_the_queue_shows_records_to_check_by_harm_with_the_formula_and_summaries(editor):
    html = editor.get("/review").get_data(as_text=True)
    assert "Records to check" in html and "days overdue" in html and "Freshness by source" in html and "Freshness by council area" in html
    assert "Befriending phone line" in html   # last checked in January 2024: stale
    assert "Sale health walk" not in html.split("Freshness by source")[0]   # checked a month ago: fresh
    assert "&lt;script&gt;" not in html or "<script>alert" not in html


def test_queue_filters_by_category(editor):
    html = editor.get("/review?category=food").get_data(as_text=True).split("Freshness by source")[0]
    assert "Befriending phone line" not in html


def test_still_correct_records_who_and_how_and_the_public_page_shows_it(editor, review_app):
    activity_id = _ids(editor, "q=befriending")["Befriending phone line"]
    response = editor.post(f"/activities/{activity_id}/verify", data={"csrf_token": token(editor, "/review"), "method": "phoned",
                                                                     "next": "/review"})
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    page = review_app.test_client().get(f"/activities/{activity_id}").get_data(as_text=True)   # as a resident sees it
    assert "Checked by phone by an editor on 15 Jun 2026" in page and "editor@example.org" not in page
    with _session(review_app) as session:
        check = session.scalars(sa.select(Verification).where(Verification.activity_id == activity_id)).one()
        assert (check.method, check.verified_by) == ("phoned", "editor:editor@example.org")
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == activity_id, AuditEntry.action == "verify")).one()
        assert entry.actor == "editor:editor@example.org" and entry.fields["verified_how"] == [None, "phoned"]
    item = editor.get(f"/api/activities/{activity_id}").get_json()
    assert item["freshness"]["state"] == "fresh" and item["freshness"]["method"] == "phoned" and item["freshness"]["source"] is None
    assert activity_id in _ids(editor, "freshness=fresh&q=befriending").values()   # the search index caught up


def test_edit_shows_the_change_and_provenance_then_saves_through_the_audit_trail(editor, review_app):
    activity_id = _ids(editor, "q=singing")["Stretford singing for lung health"]
    form = editor.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    assert "Set by source:test" in form or "Origin not recorded" in form
    data = {"csrf_token": token(editor, f"/activities/{activity_id}/edit"), "name": "Stretford singing for lung health",
            "description": "Sing together <b>weekly</b>", "schedule_text": "Thursdays 2pm", "cost_text": "Free", "phone": "0161 000 1111",
            "status": "active", "capacity": "", "check": "organiser_confirmed"}
    preview = editor.post(f"/activities/{activity_id}/edit", data=data | {"preview": "1"}).get_data(as_text=True)
    assert "What will change" in preview and "0161 000 1111" in preview and "&lt;b&gt;weekly&lt;/b&gt;" in preview
    saved = editor.post(f"/activities/{activity_id}/edit", data=data | {"save": "1"})
    assert saved.status_code == 302 and saved.headers["Location"] == f"/activities/{activity_id}"
    page = editor.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert "Checked by the organiser on 15 Jun 2026" in page and "0161 000 1111" in page and "corrected by an editor" in page
    history = editor.get(f"/activities/{activity_id}/history").get_data(as_text=True)
    assert "phone number: (empty) → 0161 000 1111" in history and "verify" in history and "editor:editor@example.org" in history
    with _session(review_app) as session:
        actions = [e.action for e in session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == activity_id))]
        assert actions[-2:] == ["edit", "verify"]


def test_an_unsafe_website_is_refused_and_nothing_is_saved(editor):
    activity_id = _ids(editor, "q=walk")["Sale health walk"]
    data = {"csrf_token": token(editor, f"/activities/{activity_id}/edit"), "name": "x", "website": "javascript:alert(1)",
            "status": "active", "capacity": "", "check": "", "save": "1"}
    response = editor.post(f"/activities/{activity_id}/edit", data=data)
    assert response.status_code == 200 and "must start with http" in response.get_data(as_text=True)
    assert editor.get(f"/api/activities/{activity_id}").get_json()["name"] == "Sale health walk"


def test_viewing_a_page_counts_towards_harm_but_searching_writes_nothing(resident, review_app):
    activity_id = _ids(resident, "q=walk")["Sale health walk"]
    with _session(review_app) as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(ActivityUse))
    resident.get("/?q=walk")
    with _session(review_app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ActivityUse)) == before
    resident.get(f"/activities/{activity_id}")
    resident.get(f"/activities/{activity_id}")
    resident.get(f"/shortlist?ids={activity_id}")
    use_counts.for_app(review_app).flush()   # the counts wait in the web process's memory a few seconds (web/use_counts.py)
    with _session(review_app) as session:
        use = session.get(ActivityUse, (activity_id, FIXED_NOW.date()))
        assert (use.shown, use.shortlisted) == (2, 1)


def test_an_admin_adds_an_account_who_can_then_sign_in(admin, review_app):
    data = {"csrf_token": token(admin, "/admin/users"), "email": "New.Editor@example.org", "password": "a long password", "role": "editor"}
    assert admin.post("/admin/users", data=data).status_code == 302
    assert "new.editor@example.org" in admin.get("/admin/users").get_data(as_text=True)
    client = review_app.test_client()
    assert sign_in(client, "new.editor@example.org", "a long password").status_code == 302
    assert client.get("/review").status_code == 200


def test_signing_out_ends_the_session(review_app):
    client = review_app.test_client()
    sign_in(client, *EDITOR)
    assert client.post("/logout", data={"csrf_token": token(client, "/review")}).status_code == 302
    assert client.get("/review").status_code == 302


def test_secure_cookies_when_served_over_https(web_settings):
    app = create_app(dataclasses.replace(web_settings, https=True))
    try:
        assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    finally:
        app.extensions["assetmap"]["engine"].dispose()


def test_cli_users_add_reads_the_password_from_stdin_and_stale_lists_the_queue(review_app, monkeypatch):
    from click.testing import CliRunner

    from assetmap.cli import main

    url = review_app.extensions["assetmap"]["settings"].database_url
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "cli@example.org", "--role", "editor", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0 and "Account made: cli@example.org (editor)" in result.output
    again = runner.invoke(main, ["users", "add", "cli@example.org", "--role", "editor", "--password-stdin"], input="a long password\n")
    assert again.exit_code == 1 and "already an account" in again.output
    engine = db.make_engine(url)
    with db.make_sessionmaker(engine)() as session:
        assert users.authenticate(session, "cli@example.org", "a long password", FIXED_NOW) is not None
    engine.dispose()
    as_csv = runner.invoke(main, ["stale", "--format", "csv"])
    assert as_csv.exit_code == 0 and as_csv.output.splitlines()[0].startswith("id,name,organisation,source,state")
    as_json = runner.invoke(main, ["stale", "--format", "json", "--area", "E05000829"])
    rows = __import__("json").loads(as_json.output)
    assert rows and all(r["ward"] == "E05000829" for r in rows) and rows == sorted(rows, key=lambda r: -r["harm"])
