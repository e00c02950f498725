"""The migrations, on fresh empty databases of each backend: ``upgrade head`` builds exactly what the
models describe, and a database made at the first revision and filled with the demo directory
upgrades to the newest schema without losing a row.

These tests make their own databases (a SpatiaLite file, or a new database in the test cluster),
because the session's shared ones already have a schema and other tests' rows.
"""

from __future__ import annotations

import dataclasses
import hashlib

import geoalchemy2.alembic_helpers  # noqa: F401  (teaches SQLite reflection SpatiaLite's spatial indexes)
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import Geometry

from assetmap import db
from assetmap.demo import prepare_demo
from assetmap.models import Base
from tests.factories import new_pg_database

BACKENDS = ["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)]

# Tables the spatial extensions and the PostgreSQL search keep beside ours; Alembic must not compare them.
NOT_OURS = {
    "spatial_ref_sys", "spatial_ref_sys_aux", "spatialite_history", "data_licenses", "sql_statements_log",
    "SpatialIndex", "KNN", "KNN2", "ElementaryGeometries", "activity_search", "search_word", "alembic_version",
}
NOT_OURS_PREFIXES = ("idx_", "geometry_columns", "views_", "virts_", "sqlite_", "assetmap_")


def is_ours(name: str) -> bool:
    return name not in NOT_OURS and not name.startswith(NOT_OURS_PREFIXES)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return type_ != "table" or is_ours(name)


@pytest.fixture(scope="module")
def new_engine(request, tmp_path_factory):
    """Makes an engine on a new, empty database of the backend asked for."""
    engines = []

    def make(backend: str) -> sa.Engine:
        if backend == "spatialite":
            url = f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'assetmap.db'}"
        else:
            url = new_pg_database(request.getfixturevalue("postgis_url"), "migrations")
        engines.append(db.make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module", params=BACKENDS)
def demo_engine(request, new_engine, settings, tmp_path_factory) -> sa.Engine:
    """A database at the newest revision holding the demo directory, built once per backend."""
    engine = new_engine(request.param)
    url = engine.url.render_as_string(hide_password=False)
    prepare_demo(dataclasses.replace(settings, database_url=url, index_dir=str(tmp_path_factory.mktemp("index"))), echo=lambda _line: None)
    return engine


def schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(context, Base.metadata)


def _summary(differences: list) -> set[tuple[str, str, str]]:
    """(kind, table, name) of each column and index difference."""
    found = set()
    for diff in differences:
        if diff[0] in ("add_column", "remove_column"):
            found.add((diff[0], diff[2], diff[3].name))
        elif diff[0] in ("add_index", "remove_index"):
            found.add((diff[0], diff[1].table.name, diff[1].name))
    return found


def _drop_spatial_index(conn: sa.Connection, table: str) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(sa.text("SELECT DisableSpatialIndex(:table, 'geom')"), {"table": table})
        conn.exec_driver_sql(f"DROP TABLE idx_{table}_geom")
    else:
        conn.exec_driver_sql(f"DROP INDEX idx_{table}_geom")


def test_fresh_upgrade_matches_the_models(backend, new_engine):
    engine = new_engine(backend)
    config = db.alembic_config(engine)
    command.upgrade(config, "head")
    assert schema_differences(engine) == []
    command.check(config)  # autogenerate through env.py (its own filter) has nothing to write either


def test_comparison_reports_a_missing_column_and_missing_indexes(backend, new_engine):
    engine = new_engine(backend)
    db.create_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE activity DROP COLUMN name")
        conn.exec_driver_sql("DROP INDEX ix_activity_status")
        _drop_spatial_index(conn, "area")
    assert {
        ("add_column", "activity", "name"),
        ("add_index", "activity", "ix_activity_status"),
        ("add_index", "area", "idx_area_geom"),
    } <= _summary(schema_differences(engine))


def test_downgrade_to_base_removes_every_table_and_its_spatial_metadata(backend, new_engine):
    engine = new_engine(backend)
    db.create_schema(engine)
    command.downgrade(db.alembic_config(engine), "base")
    with engine.connect() as conn:
        assert [name for name in sa.inspect(conn).get_table_names() if is_ours(name)] == []
        if backend == "spatialite":
            assert conn.scalar(sa.text("SELECT count(*) FROM geometry_columns")) == 0


def _reflect_ours(engine: sa.Engine) -> sa.MetaData:
    metadata = sa.MetaData()
    with engine.connect() as conn:
        metadata.reflect(conn, only=lambda name, _metadata: is_ours(name))
    return metadata


def _copy_rows(source: sa.Engine, target: sa.Engine, tables: sa.MetaData) -> None:
    """Every row of every table in ``tables``, only the columns those tables have, parents first."""
    with source.connect() as reader, target.begin() as writer:
        for table in tables.sorted_tables:
            result = reader.execution_options(yield_per=500).execute(sa.select(*table.columns))
            for rows in result.mappings().partitions():
                writer.execute(table.insert(), [dict(row) for row in rows])
            if writer.dialect.name == "postgresql" and "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                writer.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name}"))


def _digest(value) -> str:
    return hashlib.sha1(value.encode()).hexdigest() if value is not None else ""


def _rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    """The table's rows in key order; geometries as (hashed) WKT, so they compare across reads."""
    columns = [sa.func.ST_AsText(c).label(c.name) if isinstance(c.type, Geometry) else c for c in table.columns]
    geometry = [isinstance(c.type, Geometry) for c in table.columns]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
    return [tuple(_digest(v) if is_geom else v for v, is_geom in zip(row, geometry)) for row in rows]


def _head(engine: sa.Engine) -> str:
    return ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()


def test_database_at_0001_with_the_demo_data_upgrades_to_head_losing_nothing(demo_engine, new_engine):
    old = new_engine("spatialite" if demo_engine.dialect.name == "sqlite" else "postgis")
    command.upgrade(db.alembic_config(old), "0001")
    tables = _reflect_ours(old)
    _copy_rows(demo_engine, old, tables)
    before = {table.name: _rows(demo_engine, table) for table in tables.sorted_tables}
    assert len(before["area"]) > 7000 and len(before["activity"]) > 300  # the demo data really is there

    command.upgrade(db.alembic_config(old), "head")

    for table in tables.sorted_tables:
        after = _rows(old, table)
        assert len(after) == len(before[table.name]), table.name
        assert after == before[table.name], table.name
    with old.connect() as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == _head(old)
