"""The admin's upload on /admin/sources, as source health records it: under the name the person uploaded (made
safe, no folder), never the temporary file it was read from; and an upload refused because another import of the
source is running shown as refused, not as the source failing."""

import io
from html import unescape

import pytest
import sqlalchemy as sa

from assetmap import sources, users
from assetmap.ingest.running import one_ingest_per_source
from assetmap.models import IngestFailure, IngestRun, RejectedRow

from ..conftest import FIXED_NOW
from ..factories import app_over, private_copy
from .test_review import ADMIN, sign_in, token

SHEET = ("Activity,Post Code,When\n"
         "Upload name test walk,M33 7XW,Tuesdays 10am\n"
         ",M33 7XW,Fridays 2pm\n")          # no name: rejected, and kept with its file and line
UPLOADED_AS, SAFE_NAME, SOURCE = "../../Sale walks (May).csv", "Sale_walks_May.csv", "Sale_walks_May"
TEMPORARY = "assetmap-upload-"              # the prefix of the folder the upload is saved in while it is read


@pytest.fixture(scope="module")
def upload_app(web_settings, tmp_path_factory):
    """A private copy of the web database with an admin, where a busy source is refused at once."""
    with app_over(private_copy(web_settings, tmp_path_factory.mktemp("admin-upload"), ingest_wait_s=0)) as app:
        with app.extensions["assetmap"]["sessions"].begin() as session:
            users.add_user(session, *ADMIN, "admin", FIXED_NOW)
        yield app


@pytest.fixture
def admin(upload_app):
    client = upload_app.test_client()
    assert sign_in(client, *ADMIN).status_code == 302
    return client


def _upload(client, body: bytes, name: str, source: str = ""):
    data = {"file": (io.BytesIO(body), name), "source": source, "csrf_token": token(client, "/admin/sources")}
    return client.post("/admin/sources/upload", data=data, content_type="multipart/form-data")


def _kept(app, query):
    with app.extensions["assetmap"]["sessions"]() as session:
        return list(session.scalars(query))


def test_an_uploaded_file_is_recorded_and_shown_by_its_own_safe_name(upload_app, admin):
    response = _upload(admin, SHEET.encode(), UPLOADED_AS)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200, html
    assert f'Ingested {SAFE_NAME} (csv' in html and "read 2" in html and TEMPORARY not in html
    [run] = _kept(upload_app, sa.select(IngestRun).where(IngestRun.source == SOURCE))
    rejected = _kept(upload_app, sa.select(RejectedRow).where(RejectedRow.ingest_run_id == run.id))
    assert run.path == SAFE_NAME and [(r.file, r.line) for r in rejected] == [(SAFE_NAME, 3)]
    page = unescape(admin.get("/admin/sources").get_data(as_text=True))
    assert f"from {SAFE_NAME} (csv)" in page and TEMPORARY not in page


def test_a_failed_upload_is_recorded_with_its_own_name_in_its_message_too(upload_app, admin):
    response = _upload(admin, b"\x89PNG\r\n\x1a\n" + bytes(200), "../Sale photo.csv", source="photo-upload")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "The file was not imported" in html and TEMPORARY not in html
    [failure] = _kept(upload_app, sa.select(IngestFailure).where(IngestFailure.source == "photo-upload"))
    assert failure.path == "Sale_photo.csv" and "Sale_photo.csv" in failure.message and TEMPORARY not in failure.message


def test_uploads_refused_while_another_import_of_the_source_runs_do_not_make_it_failing(upload_app, admin):
    engine = upload_app.extensions["assetmap"]["engine"]
    with one_ingest_per_source(engine, "busy-upload", 0):     # an import of the source is running (held here)
        for _ in range(sources.FAILING_AFTER):
            response = _upload(admin, SHEET.encode(), "walks.csv", source="busy-upload")
            assert response.status_code == 400 and "another ingest" in unescape(response.get_data(as_text=True))
    page = unescape(admin.get("/admin/sources").get_data(as_text=True))
    section = page[page.index(">busy-upload"):]
    section = section[:section.index("</section>")]
    assert "Failing" not in section and f"{sources.FAILING_AFTER} imports were refused" in section and "did not run" in section
