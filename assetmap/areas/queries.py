"""The read side of areas: small functions of ``(session, …)`` that the CLI, ingest, places and the web share."""

from __future__ import annotations

import time
from collections.abc import Iterable

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from assetmap import db, geo
from assetmap.models import Area
from assetmap.queries import in_box
from assetmap.vocab import AREA_KINDS


def current_areas(session: Session, kinds: Iterable[str] | None = None) -> list[Area]:
    query = sa.select(Area).where(Area.is_current.is_(True))
    if kinds is not None:
        query = query.where(Area.kind.in_(list(kinds)))
    return list(session.scalars(query))


def load_area_index(session: Session, kinds: Iterable[str] = AREA_KINDS) -> geo.AreaIndex:
    """An AreaIndex over the current polygons of each kind, with parent codes from the lookups."""
    shapes = [
        geo.AreaShape(area.kind, area.code, to_shape(area.geom), area.parent_codes or {})
        for area in current_areas(session, kinds)
        if area.geom is not None
    ]
    return geo.AreaIndex(shapes)


def area_names(session: Session) -> dict[str, str]:
    """Code → name for every area of every vintage (the newest vintage's name wins)."""
    rows = session.execute(sa.select(Area.code, Area.name).order_by(Area.vintage))
    return {code: name for code, name in rows}


def names_current_first(session: Session) -> dict[str, str]:
    """Code → name for every area, a current boundary's name winning over an older one's (what the pages show)."""
    rows = session.execute(sa.select(Area.code, Area.name).order_by(Area.is_current, Area.id))
    return {code: name for code, name in rows}


def areas_in_bbox(session: Session, kind: str, west: float, south: float, east: float, north: float, limit: int = 500) -> list[Area]:
    """Current areas of one kind whose outline reaches into a lon/lat box (for map outlines)."""
    query = sa.select(Area).where(Area.kind == kind, Area.is_current.is_(True), Area.geom.is_not(None),
                                  in_box(session, Area, west, south, east, north))
    return list(session.scalars(query.limit(limit)))


# Built once: making this statement cost more than running it (0.4 ms a search, measured).
_FINGERPRINT = sa.select(
    sa.func.count(Area.id), sa.func.max(Area.id), sa.func.sum(sa.func.length(Area.name)),
    sa.func.sum(sa.case((Area.is_current.is_(True), Area.id), else_=0)),
)
_MEMO = "assetmap_area_fingerprint"   # key in a pooled connection's ``info``: (data version, fingerprint)


AREAS_TRUSTED_S = 10.0   # on PostgreSQL, a fingerprint read outside any transaction is reused this long (see below)
_remembered: dict[str, tuple[float, int, tuple]] = {}   # database → (when read, this process's commits then, fingerprint)


def area_fingerprint(session: Session) -> tuple:
    """Changes whenever areas are added, removed, renamed or made (not) current: a key for what is built from them.

    Every near search asks, so on SQLite the answer is kept on the connection and reused until the
    database has changed at all (``_data_version``): a few microseconds instead of reading the whole table.
    On PostgreSQL a search that has not begun a transaction (so has written nothing) reuses the last one
    read for ``AREAS_TRUSTED_S``, unless this process has committed since (``db.commits_here``): boundaries
    are loaded a few times a year, and another process's load is seen within seconds, while a search that
    needs nothing else from the database then needs no connection at all.
    """
    engine = session.get_bind().engine
    key = engine.url.render_as_string(hide_password=True)
    remembered = _remembered.get(key)
    if (remembered is not None and not session.in_transaction() and time.monotonic() - remembered[0] < AREAS_TRUSTED_S
            and remembered[1] == db.commits_here(engine)):
        return remembered[2]
    commits, read_at = db.commits_here(engine), time.monotonic()
    connection = session.connection()
    version = _data_version(connection)
    memo = connection.info.get(_MEMO)
    if version is not None and memo is not None and memo[0] == version:
        return memo[1]
    fingerprint = (str(connection.engine.url), *connection.execute(_FINGERPRINT).one())
    if version is not None and not connection.connection.dbapi_connection.in_transaction:   # never what a rollback may undo
        connection.info[_MEMO] = (version, fingerprint)
    if connection.dialect.name == "postgresql" and not _has_written(connection):
        _remembered[key] = (read_at, commits, fingerprint)
    return fingerprint


def _has_written(connection: sa.Connection) -> bool:
    return bool(connection.exec_driver_sql("SELECT pg_current_xact_id_if_assigned() IS NOT NULL").scalar())


def _data_version(connection: sa.Connection) -> tuple[int, int] | None:
    """On SQLite, a value that changes whenever anything is written: by another connection (``PRAGMA data_version``,
    read before the table so a write in between is caught next time) or by this one (``total_changes``); None elsewhere."""
    if connection.dialect.name != "sqlite":
        return None
    raw = connection.connection.dbapi_connection
    return raw.execute("PRAGMA data_version").fetchone()[0], raw.total_changes
