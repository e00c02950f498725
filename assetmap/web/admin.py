"""Admin pages: source health (``/admin/sources``). Accounts live with signing in (``auth``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from assetmap import sources

from . import get_session, get_settings
from .auth import role_required

blueprint = Blueprint("admin", __name__)


@blueprint.get("/admin/sources")
@role_required("admin")
def sources_page():
    return render_template("admin_sources.html", health=sources.source_health(get_session(), get_settings()),
                           failing_after=sources.FAILING_AFTER)
