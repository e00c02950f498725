"""An editor adds a record (issue #16) over its own copy of the web test database, with CSRF on: it is placed by its
postcode, searchable, audited as a create by the editor; residents, missing tokens, unknown postcodes and unsafe links are refused."""


import pytest
import sqlalchemy as sa

from assetmap import users
from assetmap.models import Activity, AuditEntry, Organisation, Verification
from assetmap.web import create_app

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .test_review import EDITOR, sign_in, token


@pytest.fixture(scope="module")
def add_app(web_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("add")
    settings = private_copy(web_settings, folder)
    app = create_app(settings)
    assert app.config.get("WTF_CSRF_ENABLED", True)
    with app.extensions["assetmap"]["sessions"].begin() as session:
        users.add_user(session, *EDITOR, "editor", FIXED_NOW)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


@pytest.fixture
def editor(add_app):
    client = add_app.test_client()
    assert sign_in(client, *EDITOR).status_code == 302
    return client


def _session(app):
    return app.extensions["assetmap"]["sessions"]()


def _count(app, model) -> int:
    with _session(app) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def _form(client, **values) -> dict:
    return {"name": "Partington knit and natter", "organisation": "", "description": "Bring your needles", "category": "",
            "audience": "Adults", "schedule_text": "Tuesdays 10am-12pm", "cost_text": "Free", "venue": "The library",
            "address": "Central Road", "postcode": "m33 7xw", "phone": "0161 000 0000", "email": "", "website": "https://example.org/knit",
            "delivery": "in_person", "csrf_token": token(client, "/activities/new"), **values}


def test_editor_adds_a_record_that_is_placed_searchable_and_audited(editor, add_app):
    response = editor.post("/activities/new", data=_form(editor, organisation="sale <B>FRIENDS</b>"))
    assert response.status_code == 302 and "/activities/" in response.headers["Location"]
    new_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

    page = editor.get(f"/activities/{new_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Partington knit and natter" in html and "Added “Partington knit and natter”" in html
    item = editor.get(f"/api/activities/{new_id}").get_json()
    assert item["areas"]["lad"] == "E08000009" and item["areas"]["ward"]          # placed in its Trafford ward by the postcode
    assert item["freshness"]["method"] == "editor_added" and item["freshness"]["state"] == "fresh"
    assert item["freshness"]["label"].startswith("Added by an editor on 15 Jun 2026")
    found = editor.get("/api/activities?q=knit+natter&per_page=50").get_json()["items"]
    assert new_id in {hit["id"] for hit in found}

    with _session(add_app) as session:
        held = session.get(Activity, new_id)
        assert (held.source, held.status, held.precision, held.postcode) == ("editor", "active", "postcode", "M33 7XW")
        assert held.schedule and held.extra["schedule"] and held.delivery == ["in_person"]
        assert held.organisation.name == "Sale <b>Friends</b>"                     # linked to the existing one, any case
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == new_id).order_by(AuditEntry.id)).all()
        assert [(e.action, e.actor) for e in entries] == [("create", f"editor:{EDITOR[0]}"), ("verify", f"editor:{EDITOR[0]}")]
        assert entries[0].fields["name"] == [None, "Partington knit and natter"]
        check = session.scalars(sa.select(Verification).where(Verification.activity_id == new_id)).one()
        assert check.method == "editor_added"


def test_a_new_organisation_is_made_through_the_write_path(editor, add_app):
    response = editor.post("/activities/new", data=_form(editor, name="Urmston chess club", organisation="Urmston Chess Friends", postcode=""))
    assert response.status_code == 302
    with _session(add_app) as session:
        org = session.scalars(sa.select(Organisation).where(Organisation.name == "Urmston Chess Friends")).one()
        created = session.scalars(sa.select(AuditEntry).where(AuditEntry.record_type == "organisation", AuditEntry.record_id == org.id)).one()
        assert created.action == "create" and created.actor == f"editor:{EDITOR[0]}"


def test_a_resident_is_sent_to_login(add_app):
    resident = add_app.test_client()
    response = resident.get("/activities/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert resident.post("/activities/new", data={"name": "x"}).status_code in (302, 400)   # CSRF is checked first
    assert "Add an activity" not in resident.get("/").get_data(as_text=True)


def test_the_review_queue_and_editor_bar_link_to_the_form(editor):
    assert 'href="/activities/new"' in editor.get("/review").get_data(as_text=True)


def test_missing_csrf_is_refused_and_nothing_is_written(editor, add_app):
    before = _count(add_app, Activity)
    data = _form(editor)
    del data["csrf_token"]
    assert editor.post("/activities/new", data=data).status_code == 400
    assert _count(add_app, Activity) == before


def test_unknown_postcode_names_the_field_and_writes_nothing(editor, add_app):
    before, audited = _count(add_app, Activity), _count(add_app, AuditEntry)
    response = editor.post("/activities/new", data=_form(editor, postcode="M33 9QQ"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="postcode-error"' in html and "Postcode: we could not find the postcode" in html
    assert (_count(add_app, Activity), _count(add_app, AuditEntry)) == (before, audited)
    assert "Postcode:" in editor.post("/activities/new", data=_form(editor, postcode="not a postcode")).get_data(as_text=True)


@pytest.mark.parametrize("website", ["javascript:alert(1)", "example.org/knit", "ftp://example.org"])
def test_a_website_that_is_not_http_is_refused(editor, add_app, website):
    before = _count(add_app, Activity)
    response = editor.post("/activities/new", data=_form(editor, website=website))
    assert response.status_code == 400 and "The website must start with http:// or https://" in response.get_data(as_text=True)
    assert _count(add_app, Activity) == before


def test_a_name_is_required(editor, add_app):
    response = editor.post("/activities/new", data=_form(editor, name="  "))
    assert response.status_code == 400 and "This field is required" in response.get_data(as_text=True)
