"""Connecting to the spatial database: SpatiaLite by default, PostGIS in production.

This Python's own ``sqlite3`` cannot load extensions, so SQLite connections go through the
``sqlean`` module, which can. The schema is managed by Alembic from the first table, so a live
PostGIS database can be upgraded in place when the models change.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from assetmap.errors import AssetmapError


class DatabaseError(AssetmapError):
    """A database that cannot be used as it is; the message says how to fix it."""


class SpatialiteNotFound(DatabaseError):
    pass


class PostgisNotFound(DatabaseError):
    pass


SPATIALITE_HINT = "SpatiaLite not found: apt-get install libsqlite3-mod-spatialite"
POSTGIS_HINT = "PostGIS is not available in this database: apt-get install postgresql-15-postgis-3, then CREATE EXTENSION postgis"


def _json_dumps(value) -> str:
    """JSON columns written by orjson: a bulk ingest writes nine per record, and json.dumps took a tenth of its time.

    A non-finite number becomes null, which is valid JSON (json.dumps writes NaN, which PostgreSQL refuses).
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_CODEC = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def is_postgres(session: Session) -> bool:
    """Whether a session's database is PostgreSQL (search and the index take another path there)."""
    return session.get_bind().dialect.name == "postgresql"


def among(session: Session, column, values: list):
    """``column IN values``: on PostgreSQL as one array parameter, a statement of one shape whatever the count.

    A long ``IN (…)`` list is a new statement for every length: SQLAlchemy and the driver rewrite it
    each time, which cost a map answer of a thousand points about a fifth of its time.
    """
    if is_postgres(session):
        return column == sa.any_(sa.literal(list(values), ARRAY(column.type)))
    return column.in_(values)


_commits: dict[str, int] = {}


@sa.event.listens_for(Engine, "commit")
def _count_commit(connection: sa.Connection) -> None:
    key = connection.engine.url.render_as_string(hide_password=True)
    _commits[key] = _commits.get(key, 0) + 1


def commits_here(engine: Engine) -> int:
    """How many commits this process has made to the engine's database (any engine of it): what it keeps from
    the database (a search's look, the areas' fingerprint on PostgreSQL) is worked out again after its own writes."""
    return _commits.get(engine.url.render_as_string(hide_password=True), 0)


def make_engine(url: str) -> Engine:
    """An engine with the spatial extension ready, or a DatabaseError naming what to install."""
    if is_sqlite(url):
        return _make_spatialite_engine(url)
    engine = sa.create_engine(url, plugins=["geoalchemy2"], pool_pre_ping=True, **JSON_CODEC)
    _check_postgis(engine)
    return engine


def _make_spatialite_engine(url: str | sa.URL) -> Engine:
    # pyproj must be loaded before mod_spatialite: SpatiaLite brings Debian's PROJ into the process,
    # and pyproj's own PROJ initialised after it crashes the interpreter (measured here).
    import pyproj  # noqa: F401
    import sqlean

    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    # One transaction for SpatiaLite's metadata set-up: row by row it takes up to a minute on a new file.
    url = sa.make_url(url).update_query_dict({"geoalchemy2_connect_sqlite_transaction": "true"})
    engine = sa.create_engine(url, module=sqlean, plugins=["geoalchemy2"], **JSON_CODEC)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT spatialite_version()"))
    except Exception as exc:  # the driver raises several types for a missing extension
        engine.dispose()
        if isinstance(exc, sa.exc.OperationalError) and "unable to open database" in str(exc.orig):
            raise DatabaseError(f"cannot open the database file {url.database}: {exc.orig} "
                                "(does its folder exist, and may this user write there?)") from exc
        raise SpatialiteNotFound(f"{SPATIALITE_HINT} ({exc})") from exc
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets the web server read while an ingest writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _check_postgis(engine: Engine) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.execute(sa.text("SELECT postgis_version()"))
    except sa.exc.OperationalError as exc:
        reason = " ".join(str(exc.orig).split())   # psycopg's hint is on a second line: one line for the command's error
        raise DatabaseError(f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {reason}") from exc
    except sa.exc.DBAPIError as exc:
        raise PostgisNotFound(f"{POSTGIS_HINT} ({exc.orig})") from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["engine"] = engine
    return config


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema (creates it on an empty database)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
