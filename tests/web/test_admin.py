"""/admin/sources: admins only (a resident is sent to sign in, an editor refused), and what it shows."""


import pytest

from assetmap import sources, users
from assetmap.web import create_app

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .test_review import ADMIN, EDITOR, sign_in


@pytest.fixture(scope="module")
def admin_app(web_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin")
    app = create_app(private_copy(web_settings, folder))
    sessions = app.extensions["assetmap"]["sessions"]
    with sessions.begin() as session:
        users.add_user(session, *EDITOR, "editor", FIXED_NOW)
        users.add_user(session, *ADMIN, "admin", FIXED_NOW)
    for _ in range(sources.FAILING_AFTER):
        sources.record_failure(web_settings, sessions, "council-feed", "https://example.org/feed", "HTTP 500 <b>oops</b>")
    yield app
    app.extensions["assetmap"]["engine"].dispose()


@pytest.mark.parametrize("path", ["/admin/sources", "/admin/users"])
def test_a_resident_reaches_no_admin_page(admin_app, path):
    response = admin_app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_editor_cannot_see_source_health(admin_app):
    client = admin_app.test_client()
    sign_in(client, *EDITOR)
    assert client.get("/admin/sources").status_code == 403
    assert "/admin/sources" not in client.get("/review").get_data(as_text=True)


def test_an_admin_sees_every_source_its_freshness_and_a_failing_feed_first(admin_app):
    client = admin_app.test_client()
    sign_in(client, *ADMIN)
    response = client.get("/admin/sources")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("council-feed") < html.index("<h2 id=\"source-2\">test")
    assert "Failing" in html and "HTTP 500 &lt;b&gt;oops&lt;/b&gt;" in html
    assert "No import has finished for this source." in html and "% fresh" in html
