"""``create_app(settings)``: the only place a Flask app is made.

The engine and sessionmaker live on ``app.extensions["assetmap"]``; each request gets one session
on ``g``, closed (never committed) at teardown. Records change only through ``assetmap.changes``;
the one other write, a search that found little, is saved by ``save_search_log`` on a short transaction
of its own, never the request's.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading

import sqlalchemy as sa
from flask import Flask, current_app, g

from assetmap import db
from assetmap.config import Settings, load_settings
from assetmap.errors import AssetmapError
from assetmap.models import SearchLog

from .errors import register_error_handlers
from .json_provider import OrjsonProvider

SEARCH_LOG_WAIT_MS = 100   # how long the unmet-demand write may wait for a busy database before it is dropped
SQLITE_BUSY_MS = 5000      # the sqlite3 module's own default wait, restored on a pooled connection after a short write


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings(os.environ)
    app = Flask(__name__)
    app.json = OrjsonProvider(app)                 # JSON answers written by orjson (json_provider.py)
    app.config["SECRET_KEY"] = secret_key(settings)
    engine = db.make_engine(settings.database_url)
    app.extensions["assetmap"] = {"settings": settings, "engine": engine, "sessions": db.make_sessionmaker(engine)}
    from . import admin, api, auth, health, organisers, public, reports, review, security

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(api.files)             # /activities/<id>.ics beside the activity page
    auth.init_auth(app)   # sign-in, CSRF on every form, session cookie flags
    app.register_blueprint(review.blueprint)
    app.register_blueprint(reports.blueprint)     # Report a problem; an editor's "Dealt with"
    app.register_blueprint(organisers.blueprint)  # /confirm/<token> from reminder e-mails
    app.register_blueprint(admin.blueprint)       # /admin/sources
    from . import coverage

    app.register_blueprint(coverage.blueprint)    # /coverage for commissioners, its downloads and /api/coverage
    app.register_blueprint(health.blueprint)      # /healthz for load balancers and monitoring
    from . import openreferral
    app.register_blueprint(openreferral.blueprint)  # /openreferral/: the Open Referral UK 3.0 feed
    from . import shortlist

    shortlist.register(app)                       # /shortlist and its short link /s/<code>
    register_error_handlers(app)
    app.teardown_appcontext(_close_session)
    security.init_security(app, settings)          # headers, size cap, proxies, rate limits, sign-in lockout (after every blueprint)
    from . import compress

    compress.init_app(app)                        # gzip for JSON and the map's GeoJSON
    app.jinja_env.globals["settings"] = settings
    if settings.warm_start:
        threading.Thread(target=warm_caches, args=(app,), name="assetmap-warm-start", daemon=True).start()
        from assetmap.search.heal import keep_caught_up

        keep_caught_up(settings, app.extensions["assetmap"]["sessions"])   # the search index catches up in the background (search/heal.py)
    return app


def secret_key(settings: Settings) -> str:
    """The configured key; a random one only in development, where losing sessions at a restart does not matter.

    In production several workers (and the reminders command) must share one key, or a sign-in made
    by one worker and a confirm link signed by the command would fail on another: refuse to start.
    """
    if settings.secret_key:
        return settings.secret_key
    if settings.env == "development":
        return secrets.token_hex(32)
    raise AssetmapError("SECRET_KEY is not set: set it to a long random text shared by every web server "
                        "(e.g. python -c 'import secrets; print(secrets.token_hex(32))'), "
                        "or set ASSETMAP_ENV=development on a machine for development only")


def warm_caches(app: Flask) -> None:
    """Load the postcode table, the area index and names once, so the first searches after a restart need not wait for them."""
    from assetmap.places import cache

    state = app.extensions["assetmap"]
    try:
        with state["sessions"]() as session:
            cache.area_index(session)
            cache.area_names(session)   # the pages' ward and council names
        cache.postcode_lookup(state["settings"])
    except Exception:  # a missing cache folder or boundary table: the first search builds (or reports) it instead
        logging.getLogger(__name__).warning("warm start could not load the reference data", exc_info=True)
    from assetmap.search import SearchIndexError, warm_search

    try:
        with state["sessions"]() as session:
            warm_search(session, state["settings"])   # the search index (or PostgreSQL's filter columns) read once
    except SearchIndexError:   # no index yet: the background catch-up builds it
        pass
    except Exception:   # the database is down: the first search reports it
        logging.getLogger(__name__).warning("warm start could not read the search index", exc_info=True)


def get_settings() -> Settings:
    return current_app.extensions["assetmap"]["settings"]


def get_session():
    if "session" not in g:
        g.session = current_app.extensions["assetmap"]["sessions"]()
    return g.session


def save_search_log(session) -> None:
    """Write the ``SearchLog`` rows a search that found little left in the session, outside the request's transaction.

    Unmet demand is a statistic, not worth a resident's wait: the rows leave the request's session and are
    inserted on a connection of their own that waits at most ``SEARCH_LOG_WAIT_MS`` for a busy database,
    then drops them rather than failing (or holding up) the page.
    """
    rows = [obj for obj in session.new if isinstance(obj, SearchLog)]
    for row in rows:
        session.expunge(row)
    if rows:
        insert_briefly(current_app.extensions["assetmap"]["engine"], SearchLog, [_column_values(row) for row in rows])


def _column_values(row) -> dict:
    return {c.key: getattr(row, c.key) for c in sa.inspect(row).mapper.column_attrs if getattr(row, c.key) is not None}


def insert_briefly(engine, model, values: list[dict]) -> bool:
    """Insert on a short transaction of its own; False (nothing written) when the database stays busy."""
    return write_briefly(engine, lambda conn: conn.execute(sa.insert(model), values), "search log")


def write_briefly(engine, write, what: str) -> bool:
    """``write(connection)`` on a short transaction of its own; False (nothing written) when the database stays busy."""
    sqlite = engine.dialect.name == "sqlite"
    wait = f"PRAGMA busy_timeout = {SEARCH_LOG_WAIT_MS}" if sqlite else f"SET LOCAL lock_timeout = {SEARCH_LOG_WAIT_MS}"
    try:
        with engine.connect() as conn:
            try:
                conn.exec_driver_sql(wait)
                write(conn)
                conn.commit()
            finally:
                conn.rollback()
                if sqlite:   # the connection goes back to the pool: restore its usual wait
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
                    conn.commit()
    except sa.exc.OperationalError:
        logging.getLogger(__name__).info("%s not written: the database was busy", what)
        return False
    return True


def save_use(session, activity_ids, column: str) -> None:
    """Count a page view (``shown``) or a shortlisting for the review queue's harm.

    Counted in this process's memory and written a few seconds later, many at once (``use_counts``):
    a page view writes nothing itself. Never called by search, so searching counts nothing per result.
    ``session`` is the request's (unused: the counts are written on a connection of their own).
    """
    from .use_counts import for_app

    for_app(current_app).add(activity_ids, get_settings().today(), column)


def _close_session(_error):
    session = g.pop("session", None)
    if session is not None:
        session.close()

