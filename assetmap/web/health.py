"""``/healthz``: is this web server fit to take requests? For load balancers, systemd and monitoring.

It checks the two things every page needs, and names the one that is wrong: the database (a
trivial query on a connection of its own) and the search index (present, readable, not behind the
database). 200 with ``{"database": "ok", "index": "ok"}``, else 503 with the failing part's problem
in place of "ok". Messages say what is wrong without the database's address or password (the full
error goes to the log).
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from assetmap.config import Settings
from assetmap.db import as_utc
from assetmap.models import IndexChange

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)
OK = "ok"
BEHIND_AFTER_S = 120   # a change the index has not seen after this long means catching up is failing, not just busy


@blueprint.get("/healthz")
def healthz():
    state = current_app.extensions["assetmap"]
    report = check_health(state["engine"], state["sessions"], state["settings"])
    healthy = all(value == OK for value in report.values())
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def check_health(engine: sa.Engine, sessions, settings: Settings) -> dict[str, str]:
    """``{"database": ..., "index": ...}``, each "ok" or a short sentence saying what is wrong."""
    database = check_database(engine)
    if database != OK:
        return {"database": database, "index": "not checked: the database is unavailable"}
    try:
        with sessions() as session:
            index = check_index_health(session, settings)
    except Exception as exc:  # noqa: BLE001 - any failure here is the health check's answer, not a crash
        log.warning("health check: the search index could not be checked", exc_info=True)
        index = f"unreadable ({type(exc).__name__})"
    return {"database": OK, "index": index}


def check_database(engine: sa.Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - every driver error means the same to a load balancer
        log.warning("health check: the database is unavailable", exc_info=True)
        return f"unavailable ({type(exc).__name__})"
    return OK


def check_index_health(session, settings: Settings) -> str:
    """Present and readable; on SpatiaLite also not behind: no change older than ``BEHIND_AFTER_S`` the index has not seen.

    The web app and every writer catch the index up by themselves within seconds (``search.heal``), so a change
    only just committed is not yet "behind"; one still missing after the grace period means catching up is failing.
    """
    from assetmap.search import marks, pg_backend, whoosh_backend
    from assetmap.search.index import is_postgres

    if is_postgres(session):   # kept by a trigger in each writer's transaction: present means current
        return OK if pg_backend.is_ready(session) else "missing: the PostgreSQL search table or its trigger is missing (run `assetmap index`)"
    if not whoosh_backend.index_exists(settings.index_dir):
        return "missing: no search index in its folder (run `assetmap index`)"
    if not marks.is_readable(settings.index_dir):
        return "unreadable: the search index cannot be read (run `assetmap index`)"
    seen = marks.read_mark(settings.index_dir, marks.database_key(session))
    unseen, oldest = session.execute(sa.select(sa.func.count(), sa.func.min(IndexChange.changed_at)).where(IndexChange.id > seen)).one()
    if unseen and as_utc(oldest) < settings.clock() - dt.timedelta(seconds=BEHIND_AFTER_S):
        return f"behind: {unseen} change(s) committed since {as_utc(oldest):%Y-%m-%d %H:%M} UTC are not in the search index yet"
    return OK
