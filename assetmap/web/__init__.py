"""``create_app(settings)``: the only place a Flask app is made.

The engine and sessionmaker live on ``app.extensions["assetmap"]``; each request gets one session
on ``g``, closed (never committed) at teardown. Records change only through ``assetmap.changes``;
the one other write, a search that found little, is saved explicitly by ``save_search_log``.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, g

from assetmap import db
from assetmap.config import Settings, load_settings

from .errors import register_error_handlers


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings(os.environ)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key or secrets.token_hex(32)
    engine = db.make_engine(settings.database_url)
    app.extensions["assetmap"] = {"settings": settings, "engine": engine, "sessions": db.make_sessionmaker(engine)}
    from . import admin, api, auth, organisers, public, reports, review

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint)
    auth.init_auth(app)   # sign-in, CSRF on every form, session cookie flags
    app.register_blueprint(review.blueprint)
    app.register_blueprint(reports.blueprint)     # Report a problem; an editor's "Dealt with"
    app.register_blueprint(organisers.blueprint)  # /confirm/<token> from reminder e-mails
    app.register_blueprint(admin.blueprint)       # /admin/sources
    register_error_handlers(app)
    app.teardown_appcontext(_close_session)
    app.after_request(_security_headers)
    app.jinja_env.globals["settings"] = settings
    return app


def get_settings() -> Settings:
    return current_app.extensions["assetmap"]["settings"]


def get_session():
    if "session" not in g:
        g.session = current_app.extensions["assetmap"]["sessions"]()
    return g.session


def save_search_log(session) -> None:
    """Commit the ``SearchLog`` row a search that found little left in the session, explicitly.

    Unmet demand is a statistic, not worth a resident's wait: if the database is busy the row is
    dropped rather than failing the page.
    """
    if not session.new:
        return
    try:
        session.commit()
    except sa.exc.OperationalError:
        session.rollback()


def save_use(session, activity_ids, column: str) -> None:
    """Count a page view (``shown``) or a shortlisting for the review queue's harm, committed on its own.

    Like the search log, a statistic: a busy database drops the count rather than failing the page.
    Never called by search, so searching writes nothing per result.
    """
    from assetmap.review import record_use

    try:
        record_use(session, activity_ids, get_settings().today(), column)
        session.commit()
    except sa.exc.OperationalError:
        session.rollback()


def _close_session(_error):
    session = g.pop("session", None)
    if session is not None:
        session.close()


def _security_headers(response):
    """No inline scripts anywhere, so the policy can forbid them; tiles are the only outside images."""
    tile_host = urlsplit(get_settings().tile_url.replace("{s}", "a")).netloc
    img = "'self' data:" + (f" https://{tile_host}" if tile_host else "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
