"""Backup and restore: ``assetmap export FILE`` and ``assetmap import FILE``, in an open format.

An export is a zip file anyone can read without assetmap:

- ``manifest.json``: ``{"format": "assetmap-export", "format_version": 1, "schema_revision": "0006",
  "created_at": ISO time, "database": "sqlite"|"postgresql", "tables": {name: {"rows": n, "columns": [...]}},
  "skipped": {name: why}}``;
- ``tables/<name>.jsonl``: one JSON object per row per line, every column by name. Times are
  ISO 8601 in UTC, dates ISO 8601, geometries extended WKT (``SRID=4326;POINT(-2.3 53.4)``), JSON
  columns as JSON; passwords only as the argon2 hashes the database holds.

Every table of the schema is exported (records, field provenance, verification history, audit
trail, duplicate links and groups, problem reports, accounts, ingest runs and rejected rows,
statistics) except those in ``SKIPPED``: boundaries, reloaded from the ONS files, and the search
index's bookkeeping, rebuilt after an import. Rows are read in one transaction, so the export is
one consistent moment even while the site is in use; the file is written aside and renamed.

An import goes into a database at the same schema revision (``assetmap init`` first) in one
transaction, table by table in foreign-key order; it refuses a database that already holds any of
the exported tables' rows unless ``replace`` (which deletes them first, in the same transaction).
On PostgreSQL the id sequences are moved past the imported ids. The caller rebuilds the search index.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from geoalchemy2 import Geometry
from geoalchemy2.shape import to_shape

from assetmap import __version__
from assetmap.db import as_utc
from assetmap.errors import AssetmapError
from assetmap.models import Base

FORMAT = "assetmap-export"
FORMAT_VERSION = 1
BATCH = 1_000
SKIPPED = {
    "area": "boundaries are reloaded from the ONS files (`assetmap boundaries load`, `assetmap demo`)",
    "index_change": "search index bookkeeping: the index is rebuilt after an import",
}


class BackupError(AssetmapError):
    """An export file or a target database that cannot be used; the message says why and what to do."""


def exported_tables() -> list[sa.Table]:
    """The tables an export holds, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.name not in SKIPPED]


def schema_revision(conn: sa.Connection) -> str | None:
    """The Alembic revision the database is at (None for a database ``assetmap init`` never ran on)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


# --- values: one encoder and one decoder per column type -------------------------------------------

def _encode_time(value: dt.datetime | None):
    return None if value is None else as_utc(value).astimezone(dt.UTC).isoformat()


def _encode_date(value: dt.date | None):
    return None if value is None else value.isoformat()


def _encode_geometry(value):
    if value is None:
        return None
    srid = getattr(value, "srid", -1)
    return f"SRID={srid if srid and srid > 0 else 4326};{to_shape(value).wkt}"


def _decode_time(value: str | None):
    return None if value is None else dt.datetime.fromisoformat(value)


def _decode_date(value: str | None):
    return None if value is None else dt.date.fromisoformat(value)


def _same(value):
    return value


def _codec(column: sa.Column) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    kind = column.type
    if isinstance(kind, Geometry):
        return _encode_geometry, _same          # extended WKT binds as it is (ST_GeomFromEWKT)
    if isinstance(kind, sa.DateTime):
        return _encode_time, _decode_time
    if isinstance(kind, sa.Date):
        return _encode_date, _decode_date
    return _same, _same


# --- export ------------------------------------------------------------------------------------------

def export_database(engine: sa.Engine, path: str | Path, now: dt.datetime) -> dict[str, int]:
    """Write every exported table to ``path`` (a zip, written aside then renamed); the row count of each table."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":      # one snapshot for every table
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin(), zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            if conn.dialect.name == "sqlite":       # the driver begins no transaction for reads: without this each table
                conn.exec_driver_sql("BEGIN")       # would be read at its own moment (in WAL mode a read transaction is a snapshot)
            revision = schema_revision(conn)
            if revision is None:
                raise BackupError("this database has no schema: nothing to export (run `assetmap init` first)")
            for table in exported_tables():
                counts[table.name] = _export_table(conn, table, archive)
            archive.writestr("manifest.json", json.dumps(_manifest(conn, revision, counts, now), indent=1))
    os.replace(partial, path)
    return counts


def _export_table(conn: sa.Connection, table: sa.Table, archive: zipfile.ZipFile) -> int:
    encoders = [(column.name, _codec(column)[0]) for column in table.columns]
    query = sa.select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    count = 0
    with archive.open(f"tables/{table.name}.jsonl", "w") as out:
        for row in conn.execute(query):
            values = row._mapping
            out.write(orjson.dumps({name: encode(values[name]) for name, encode in encoders}) + b"\n")
            count += 1
    return count


def _manifest(conn: sa.Connection, revision: str, counts: dict[str, int], now: dt.datetime) -> dict:
    tables = {table.name: {"rows": counts[table.name], "columns": [c.name for c in table.columns]} for table in exported_tables()}
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision, "assetmap_version": __version__,
            "created_at": now.astimezone(dt.UTC).isoformat(), "database": conn.dialect.name, "tables": tables, "skipped": SKIPPED}


# --- import ------------------------------------------------------------------------------------------

def read_manifest(archive: zipfile.ZipFile, name: str) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError(f"{name}: not an assetmap export (no manifest.json inside)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{name}: not an assetmap export (manifest format is {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{name}: export format version {manifest.get('format_version')} is not one this assetmap reads ({FORMAT_VERSION})")
    return manifest


def import_database(engine: sa.Engine, path: str | Path, replace: bool = False) -> dict[str, int]:
    """Load an export into this database in one transaction; the row count of each table."""
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{name}: cannot read it as an export ({exc})") from exc
    with archive, engine.begin() as conn:
        manifest = read_manifest(archive, name)
        _check_target(conn, manifest, name, replace)
        counts = {}
        for table in exported_tables():
            counts[table.name] = _import_table(conn, table, archive, manifest, name)
        if conn.dialect.name == "postgresql":
            _move_sequences(conn)
    return counts


def _check_target(conn: sa.Connection, manifest: dict, name: str, replace: bool) -> None:
    revision = schema_revision(conn)
    if revision != manifest["schema_revision"]:
        raise BackupError(f"{name} was exported at schema revision {manifest['schema_revision']}, this database is at {revision}: "
                          "import it with the assetmap version that made it (or one whose `assetmap init` reaches the same revision)")
    unknown = set(manifest["tables"]) - {table.name for table in exported_tables()}
    if unknown:
        raise BackupError(f"{name} holds tables this assetmap does not know: {', '.join(sorted(unknown))}")
    holding = [table.name for table in exported_tables() if conn.execute(sa.select(1).select_from(table).limit(1)).first()]
    if holding and not replace:
        raise BackupError(f"this database already holds data ({', '.join(holding)}): import into an empty database "
                          "(`assetmap init` on a new one), or add --replace to delete what it holds first")
    if replace:
        for table in reversed(exported_tables()):
            conn.execute(table.delete())


def _import_table(conn: sa.Connection, table: sa.Table, archive: zipfile.ZipFile, manifest: dict, name: str) -> int:
    expected = manifest["tables"].get(table.name)
    if expected is None:
        return 0
    columns = {column.name: column for column in table.columns}
    if set(expected["columns"]) != set(columns):
        raise BackupError(f"{name}: table {table.name} has columns {expected['columns']}, this database {list(columns)}")
    decoders = [(key, _codec(column)[1]) for key, column in columns.items()]
    count = 0
    for batch in _batches(_rows(archive, table.name, name)):
        conn.execute(table.insert(), [{key: decode(row.get(key)) for key, decode in decoders} for row in batch])
        count += len(batch)
    if count != expected["rows"]:
        raise BackupError(f"{name}: table {table.name} holds {count} rows, its manifest says {expected['rows']}: the file is damaged")
    return count


def _rows(archive: zipfile.ZipFile, table: str, name: str) -> Iterator[dict]:
    try:
        handle = archive.open(f"tables/{table}.jsonl")
    except KeyError:
        raise BackupError(f"{name}: tables/{table}.jsonl is missing") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise BackupError(f"{name}: tables/{table}.jsonl line {number} is not JSON ({exc})") from exc


def _batches(rows: Iterator[dict]) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _move_sequences(conn: sa.Connection) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move each past the largest id, so the next insert does not collide."""
    for table in exported_tables():
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
            column = keys[0].name
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column}), 0) + 1, false) "
                                 f"FROM {table.name}"), {"table": table.name, "column": column})
