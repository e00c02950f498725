"""Hardening: headers, cookies, request size, rate limits, sign-in lockout, the secret key, and the admin's upload."""

import dataclasses
import io
import re
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from assetmap import users
from assetmap.errors import AssetmapError
from assetmap.models import Activity, IngestRun
from assetmap.web import create_app

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .test_review import ADMIN, EDITOR, sign_in, token

TEMPLATES = Path(__file__).resolve().parents[2] / "assetmap" / "web" / "templates"
UPLOAD_CSV = ("Activity,Organisation Name,Description,Post Code,When\n"
              "Upload test knitting circle,Sale Knitters,Bring your needles,M33 7XW,Mondays 2pm\n"
              "Upload test chess club,Sale Chess,All welcome,M33 7ZF,Fridays 7pm\n")


@pytest.fixture
def make_app(web_settings, tmp_path):
    """An app over a private copy of the test database, with any settings changed, and two accounts."""
    apps = []

    def make(**overrides):
        folder = tmp_path / f"app{len(apps)}"
        folder.mkdir()
        app = create_app(private_copy(web_settings, folder, **overrides))
        with app.extensions["assetmap"]["sessions"].begin() as session:
            users.add_user(session, *EDITOR, "editor", FIXED_NOW)
            users.add_user(session, *ADMIN, "admin", FIXED_NOW)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["assetmap"]["engine"].dispose()


def test_every_response_carries_the_security_headers(client):
    for path in ["/", "/api/activities", "/about", "/no-such-page"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers   # plain HTTP: HSTS would be ignored, and wrong


def test_templates_hold_no_inline_script_so_the_policy_can_forbid_it():
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline <script> in {template.name}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {template.name}"


def test_over_https_hsts_is_sent_and_cookies_are_secure(make_app):
    app = make_app(https=True)
    client = app.test_client()
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response = sign_in(client, *EDITOR)
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_over_plain_http_cookies_are_http_only_and_same_site_but_not_secure(make_app):
    client = make_app().test_client()
    cookie = sign_in(client, *EDITOR).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_searches_past_the_limit_get_429_json_from_the_api_and_a_plain_page_elsewhere(make_app):
    client = make_app(ratelimit_search="3 per minute").test_client()
    assert [client.get("/api/activities?q=walk").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/activities?q=walk")
    assert response.status_code == 429 and response.is_json
    assert response.get_json()["status"] == 429 and "Too many searches" in response.get_json()["error"]
    assert "Retry-After" in response.headers
    for _ in range(3):
        assert client.get("/?q=walk").status_code == 200
    page = client.get("/?q=walk")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "Too many searches from your address" in page.get_data(as_text=True)
    assert client.get("/about").status_code == 200   # only searches are counted


def test_whole_list_exports_and_coverage_have_their_own_limit(make_app):
    """An export or a coverage table costs seconds of work, so they are limited apart from searches."""
    client = make_app(ratelimit_export="2 per minute").test_client()
    assert [client.get("/api/activities.csv?q=walk").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/api/coverage").status_code for _ in range(3)][-1] == 429
    assert client.get("/api/activities?q=walk").status_code == 200   # searches are counted apart


def test_addresses_are_counted_apart_behind_a_trusted_proxy(make_app):
    client = make_app(ratelimit_search="2 per minute", proxy_count=1).test_client()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert [client.get("/api/activities", headers=first).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/activities", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_problem_reports_past_the_limit_get_429(make_app):
    app = make_app(ratelimit_report="1 per hour", report_limit=50)
    client = app.test_client()
    with app.extensions["assetmap"]["sessions"]() as session:
        activity_id = session.scalar(sa.select(Activity.id).where(Activity.name == "Sale health walk"))
    path = f"/activities/{activity_id}/report"
    data = {"kind": "stopped", "details": "", "csrf_token": token(client, path)}
    assert client.post(path, data=data).status_code == 302
    response = client.post(path, data=data)
    assert response.status_code == 429 and "Too many reports" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200   # reading the form is not counted


def test_sign_in_attempts_past_the_limit_get_429(make_app):
    client = make_app(ratelimit_login="2 per minute", lockout_address="100 per minute").test_client()
    assert [sign_in(client, EDITOR[0], "wrong").status_code for _ in range(2)] == [401, 401]
    assert sign_in(client, *EDITOR).status_code == 429


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(make_app):
    client = make_app(lockout_account="3 per 15 minutes").test_client()
    assert [sign_in(client, EDITOR[0], f"guess {n}").status_code for n in range(3)] == [401, 401, 401]
    locked = sign_in(client, *EDITOR)
    assert locked.status_code == 429
    assert "This account is locked after too many failed sign-ins. Please try again in 15 minutes" in locked.get_data(as_text=True)
    assert sign_in(client, EDITOR[0].upper(), EDITOR[1]).status_code == 429   # the same account however it is written
    assert sign_in(client, *ADMIN).status_code == 302                           # other accounts are not locked


def test_a_successful_sign_in_clears_the_account_failures(make_app):
    client = make_app(lockout_account="3 per 15 minutes").test_client()
    for _ in range(2):
        assert sign_in(client, EDITOR[0], "wrong").status_code == 401
    assert sign_in(client, *EDITOR).status_code == 302
    client = client.application.test_client()
    for _ in range(2):
        assert sign_in(client, EDITOR[0], "wrong").status_code == 401
    assert sign_in(client, *EDITOR).status_code == 302


def test_an_address_is_locked_after_failures_across_accounts(make_app):
    client = make_app(lockout_address="3 per 15 minutes").test_client()
    for n in range(3):
        assert sign_in(client, f"someone{n}@example.org", "wrong").status_code == 401
    refused = sign_in(client, *ADMIN)
    assert refused.status_code == 429 and "Too many failed sign-ins from your address" in refused.get_data(as_text=True)


def test_a_body_past_the_request_limit_is_413(make_app):
    client = make_app(max_request_bytes=2_000).test_client()
    response = client.post("/login", data={"email": "x@example.org", "password": "p" * 5_000, "csrf_token": token(client)})
    assert response.status_code == 413
    large = client.post("/logout", data={"csrf_token": "x" * 5_000})
    assert large.status_code == 413 and "Too Large" in large.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_production_refuses_to_start_without_a_secret_key(web_settings):
    with pytest.raises(AssetmapError, match="SECRET_KEY is not set"):
        create_app(dataclasses.replace(web_settings, secret_key="", env="production"))
    app = create_app(dataclasses.replace(web_settings, secret_key="", env="development"))
    assert len(app.config["SECRET_KEY"]) >= 32
    app.extensions["assetmap"]["engine"].dispose()


def _upload(client, body: bytes, name="sale-groups.csv", dry_run=True, csrf=True, **fields):
    data = {"file": (io.BytesIO(body), name), "source": "", **fields}
    if dry_run:
        data["dry_run"] = "y"
    if csrf:
        data["csrf_token"] = token(client, "/admin/sources")
    return client.post("/admin/sources/upload", data=data, content_type="multipart/form-data")


def _count(app, model, *where) -> int:
    with app.extensions["assetmap"]["sessions"]() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_an_admin_uploads_a_spreadsheet_checks_it_then_imports_it_with_the_command_report(make_app):
    app = make_app()
    client = app.test_client()
    sign_in(client, *ADMIN)
    assert 'enctype="multipart/form-data"' in client.get("/admin/sources").get_data(as_text=True)
    checked = _upload(client, UPLOAD_CSV.encode())
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200, html
    assert "Report (check only: nothing was written)" in html and "[dry run: nothing written]" in html and "read 2" in html
    assert _count(app, Activity, Activity.source == "sale-groups") == 0
    imported = _upload(client, UPLOAD_CSV.encode(), dry_run=False)
    html = unescape(imported.get_data(as_text=True))
    assert imported.status_code == 200 and "Report: imported" in html and 'as source "sale-groups"' in html
    assert _count(app, Activity, Activity.source == "sale-groups") == 2
    assert _count(app, IngestRun, IngestRun.source == "sale-groups") == 1
    found = client.get("/api/activities?q=knitting").get_json()
    assert any(item["name"] == "Upload test knitting circle" for item in found["items"])


def test_an_upload_the_ingest_cannot_read_shows_its_error_and_writes_nothing(make_app):
    app = make_app()
    client = app.test_client()
    sign_in(client, *ADMIN)
    response = _upload(client, b"\x00\x01 not a spreadsheet", name="junk.xlsx", dry_run=False)
    assert response.status_code == 400 and "The file was not imported" in response.get_data(as_text=True)
    assert _count(app, Activity, Activity.source == "junk") == 0


def test_only_admins_may_upload_and_only_with_the_csrf_token(make_app):
    app = make_app()
    resident = app.test_client()
    data = {"file": (io.BytesIO(UPLOAD_CSV.encode()), "sale-groups.csv"), "csrf_token": token(resident, "/login")}
    refused = resident.post("/admin/sources/upload", data=data, content_type="multipart/form-data")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    editor = app.test_client()
    sign_in(editor, *EDITOR)
    response = editor.post("/admin/sources/upload", data={"csrf_token": token(editor, "/login")}, content_type="multipart/form-data")
    assert response.status_code == 403
    admin = app.test_client()
    sign_in(admin, *ADMIN)
    assert _upload(admin, UPLOAD_CSV.encode(), dry_run=False, csrf=False).status_code == 400
    assert _count(app, Activity, Activity.source == "sale-groups") == 0


def test_an_upload_past_its_own_limit_is_413_while_it_may_exceed_the_request_limit(make_app):
    app = make_app(max_request_bytes=1_000, max_upload_bytes=20_000)
    client = app.test_client()
    sign_in(client, *ADMIN)
    rows = "".join(f"Upload group {n},Sale Knitters,A friendly group,M33 7XW,Mondays 2pm\n" for n in range(40))
    body = ("Activity,Organisation Name,Description,Post Code,When\n" + rows).encode()
    assert 1_000 < len(body) < 20_000
    assert _upload(client, body).status_code == 200
    assert _upload(client, body * 10).status_code == 413


def test_serve_is_development_so_it_starts_without_a_secret_key(monkeypatch, tmp_path):
    from click.testing import CliRunner
    from flask import Flask

    from assetmap import cli

    started = []
    monkeypatch.setattr(Flask, "run", lambda app, **kwargs: started.append(app.config["SECRET_KEY"]))
    env = {"SECRET_KEY": None, "ASSETMAP_ENV": None, "ASSETMAP_WARM_START": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}"}
    result = CliRunner().invoke(cli.main, ["serve", "--port", "5999"], env=env)
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and len(started[0]) >= 32
    result = CliRunner().invoke(cli.main, ["serve"], env=env | {"ASSETMAP_ENV": "production"})
    assert result.exit_code == 1 and "SECRET_KEY is not set" in result.output


@pytest.mark.parametrize("setting", ["ratelimit_search", "lockout_account"])
def test_a_limit_that_is_not_one_stops_the_start_naming_the_variable(web_settings, setting):
    with pytest.raises(AssetmapError, match=r"ASSETMAP_(RATELIMIT_SEARCH|LOCKOUT_ACCOUNT)='lots' is not a rate limit"):
        create_app(dataclasses.replace(web_settings, **{setting: "lots"}))
