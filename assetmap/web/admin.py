"""Admin pages: source health (``/admin/sources``) and a spreadsheet upload that runs the same ingest as
``assetmap ingest``, with the same report. Accounts live with signing in (``auth``).

The upload is admin only, CSRF-protected and capped at ``ASSETMAP_MAX_UPLOAD_BYTES`` (the rest of
the site at ``ASSETMAP_MAX_REQUEST_BYTES``). "Check only" is ticked by default: a dry run writes
nothing and shows the report, so an admin sees what would change before importing. A big file is
better given to the command (or a timed job): the page waits for the whole ingest.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from assetmap import sources
from assetmap.errors import AssetmapError

from . import get_session, get_settings
from .auth import role_required

blueprint = Blueprint("admin", __name__)


class UploadForm(FlaskForm):
    file = FileField("File to import (CSV or XLSX spreadsheet, Open Referral UK or OpenActive JSON, GeoJSON)",
                     validators=[FileRequired(message="Please choose a file.")])
    source = StringField("Source name (leave empty to use the file's name; a full import closes that source's records it no longer lists)",
                         validators=[Optional(), Length(max=200)])
    partial = BooleanField("The file holds only some of the source's records: close nothing")
    dry_run = BooleanField("Check only: show the report and write nothing", default=True)


@blueprint.get("/admin/sources")
@role_required("admin")
def sources_page():
    return _sources_page(UploadForm())


def _sources_page(form: UploadForm, status: int = 200, **extra):
    return render_template("admin_sources.html", health=sources.source_health(get_session(), get_settings()),
                           failing_after=sources.FAILING_AFTER, upload=form, **extra), status


@blueprint.post("/admin/sources/upload")
@role_required("admin")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _sources_page(form, 400)
    try:
        report = run_upload(form.file.data, (form.source.data or "").strip() or None, dry_run=form.dry_run.data,
                            partial=form.partial.data)
    except AssetmapError as exc:
        return _sources_page(form, 400, upload_error=exc.message)
    return _sources_page(UploadForm(formdata=None), report=report.to_text(), report_dry_run=report.dry_run)


def run_upload(storage, source: str | None, dry_run: bool, partial: bool):
    """Save the upload under its own (made safe) name in a private folder and ingest it exactly as the command does.

    The run, its rejected rows, its report and any error name the file as the person uploaded it (made safe, no
    folder): the temporary folder it was read from is gone when the request ends and means nothing to anyone.
    """
    from assetmap.ingest import default_source, ingest_file

    settings = get_settings()
    sessions = current_app.extensions["assetmap"]["sessions"]
    name = secure_filename(storage.filename or "") or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="assetmap-upload-") as folder:
        path = Path(folder) / name
        storage.save(path)
        source = source or default_source(name)
        failures = contextlib.nullcontext() if dry_run else sources.recording_failures(settings, sessions, source, name)
        with failures, _errors_naming(name, instead_of=str(path)):
            return ingest_file(settings, sessions, path, source=source, dry_run=dry_run, full_import=not partial, shown_as=name)


@contextlib.contextmanager
def _errors_naming(name: str, instead_of: str):
    """An error that names the temporary file names the upload instead (before it is recorded as the import's failure)."""
    try:
        yield
    except AssetmapError as exc:
        exc.message = exc.message.replace(instead_of, name)
        exc.args = (exc.message,)
        raise
