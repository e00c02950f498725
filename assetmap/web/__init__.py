"""``create_app(settings)``: the only place a Flask app is made.

The engine and sessionmaker live on ``app.extensions["assetmap"]``; each request gets one session
on ``g``, closed at teardown. Views never write, except that a search which found little adds a
``SearchLog`` row, committed at teardown when the request succeeded.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit

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
    from . import api, public

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint)
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


def _close_session(error):
    session = g.pop("session", None)
    if session is None:
        return
    try:
        if error is None and session.new:
            session.commit()  # only SearchLog rows are ever added by a request
    finally:
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
