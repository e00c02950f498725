"""Load ONS boundary layers and lookup tables into ``Area`` rows.

ONS names its code columns by geography and year (``WD21CD``, ``LAD24CD``, ``ICB22CD``), so the
loader finds them by pattern rather than by a fixed name. Re-loading a vintage replaces it in the
caller's transaction: a crash leaves the previous copy in place.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pyogrio
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.areas.manifest import layer_path, load_manifest
from assetmap.config import Settings
from assetmap.errors import AssetmapError
from assetmap.models import Area

# ONS code-column prefixes and the area kind each names.
PREFIX_KINDS = {"WD": "ward", "LAD": "lad", "LTLA": "lad", "STP": "stp", "ICB": "icb", "CCG": "ccg", "RGN": "region",
                "LSOA": "lsoa", "MSOA": "msoa", "SICBL": "sicbl", "UTLA": "utla", "CTY": "county"}
ONS_CODE_RE = re.compile(r"^(?P<prefix>[A-Z]+?)(?P<year>\d{2})CD$", re.IGNORECASE)
# Non-ONS spellings seen in published files (Trafford Data Lab, ArcGIS exports).
GENERIC_CODE_FIELDS = {"area_code": "area_name", "code": "name", "gss_code": "name"}
GENERIC_PARENT_FIELDS = {"local_authority_area_code": "lad", "la_code": "lad", "lad_code": "lad"}


class BoundaryError(AssetmapError):
    """A boundary or lookup file that cannot be loaded; the message names the file and the fix."""


@dataclasses.dataclass(frozen=True)
class BoundaryLayer:
    """Polygons of one kind read from a file, with their codes, names and parents' codes."""

    codes: list[str]
    names: list[str]
    geometries: list
    parent_codes: list[dict[str, str]]
    repaired: int


@dataclasses.dataclass(frozen=True)
class LoadResult:
    kind: str
    vintage: str
    count: int
    repaired: int
    replaced: int


def _kind_of_column(column: str) -> str | None:
    match = ONS_CODE_RE.match(column)
    return PREFIX_KINDS.get(match.group("prefix").upper()) if match else None


def find_code_fields(columns: list[str], kind: str) -> tuple[str, str]:
    """The code and name columns for ``kind``: the ONS pattern first, then common generic names."""
    ons = [c for c in columns if _kind_of_column(c) == kind]
    if ons:
        code = ons[0]
        name = code[:-2] + ("NM" if code.isupper() else "nm")
        return code, (name if name in columns else code)
    lower = {c.lower(): c for c in columns}
    for code, name in GENERIC_CODE_FIELDS.items():
        if code in lower:
            return lower[code], lower.get(name, lower[code])
    raise BoundaryError(
        f"no {kind} code column found (looked for ONS names like WD21CD, LAD24CD, STP21CD, ICB22CD); "
        f"columns are: {', '.join(columns)}. Name the columns with --code-field and --name-field"
    )


def parent_columns(columns: list[str], own_code: str) -> dict[str, str]:
    """Kind → column for every other ONS code column in the file (a ward file often names its LAD)."""
    parents = {}
    for column in columns:
        kind = _kind_of_column(column) or GENERIC_PARENT_FIELDS.get(column.lower())
        if column != own_code and kind and kind not in parents:
            parents[kind] = column
    return parents


def _parent_codes(frame, parents: dict[str, str]) -> list[dict[str, str]]:
    """Each row's parent area codes by kind, from the lookup columns a boundary file carries."""
    return [{k: str(row[c]) for k, c in parents.items() if row[c]} for _, row in frame[list(parents.values())].iterrows()]


def read_boundary_file(path: str | Path, kind: str, code_field: str | None = None, name_field: str | None = None) -> BoundaryLayer:
    """Read GeoJSON, GeoPackage or Shapefile polygons in WGS84, repairing invalid ones."""
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BoundaryError(f"{path}: cannot read as a boundary file ({exc})") from exc
    columns = [c for c in frame.columns if c != "geometry"]
    if code_field is None:
        code_field, detected_name = find_code_fields(columns, kind)
        name_field = name_field or detected_name
    for field in (code_field, name_field or code_field):
        if field not in columns:
            raise BoundaryError(f"{path}: no column {field!r}; columns are: {', '.join(columns)}")
    frame = _to_wgs84(frame, path)
    invalid = ~frame.geometry.is_valid
    geometries = [geo.repair_polygon(g) for g in frame.geometry]
    parents = parent_columns(columns, code_field)
    parent_codes = _parent_codes(frame, parents) if parents else [{} for _ in geometries]
    return BoundaryLayer(
        codes=[str(c) for c in frame[code_field]],
        names=[str(n) for n in frame[name_field or code_field]],
        geometries=geometries,
        parent_codes=parent_codes,
        repaired=int(invalid.sum()),
    )


def _to_wgs84(frame: gpd.GeoDataFrame, path) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326; a file with no CRS but metre-sized coordinates is British National Grid."""
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        frame = frame.set_crs(27700 if max(abs(maxx), abs(maxy)) > 1000 else 4326)
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def load_boundaries(session: Session, path: str | Path, kind: str, vintage: str, *, code_field: str | None = None,
                    name_field: str | None = None, make_current: bool = True) -> LoadResult:
    """Replace the ``kind``/``vintage`` areas with the file's polygons (idempotent)."""
    layer = read_boundary_file(path, kind, code_field, name_field)
    replaced = session.execute(sa.delete(Area).where(Area.kind == kind, Area.vintage == vintage)).rowcount
    if make_current:
        session.execute(sa.update(Area).where(Area.kind == kind).values(is_current=False))
    rows = _area_rows(layer, kind, vintage, make_current)
    if rows:
        session.execute(sa.insert(Area), rows)
    return LoadResult(kind, vintage, len(rows), layer.repaired, replaced)


def _area_rows(layer: BoundaryLayer, kind: str, vintage: str, current: bool) -> list[dict]:
    """One row per code; a code split over several features (ONS does this) becomes one MultiPolygon."""
    merged: dict[str, dict] = {}
    for code, name, geom, parents in zip(layer.codes, layer.names, layer.geometries, layer.parent_codes):
        if code in merged:
            merged[code]["shape"] = geo.repair_polygon(merged[code]["shape"].union(geom))
            continue
        merged[code] = dict(kind=kind, code=code, name=name, vintage=vintage, is_current=current, parent_codes=parents, shape=geom)
    return [dict(row, geom=from_shape(row.pop("shape"), srid=4326)) for row in merged.values()]


@dataclasses.dataclass(frozen=True)
class LookupResult:
    rows: int
    wards_updated: int
    wards_missing: int
    areas_named: int


def read_lookup(path: str | Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Rows of a ward → LAD → STP/ICB lookup CSV, and kind → code column found in its header."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {}
        for column in reader.fieldnames or []:
            kind = _kind_of_column(column)
            if kind and kind not in columns:
                columns[kind] = column
        if "ward" not in columns:
            raise BoundaryError(f"{path}: no ward code column (like WD21CD); columns are: {', '.join(reader.fieldnames or [])}")
        return list(reader), columns


def load_lookup(session: Session, path: str | Path) -> LookupResult:
    """Set each ward's parent codes from an ONS lookup, and name the parent areas.

    LADs do not nest inside STPs or ICBs, so a ward's STP comes from this table, never from its LAD.
    """
    rows, columns = read_lookup(path)
    ward_column = columns.pop("ward")
    parents_by_ward = {row[ward_column]: {k: row[c] for k, c in columns.items() if row[c]} for row in rows}
    wards = session.scalars(sa.select(Area).where(Area.kind == "ward", Area.code.in_(list(parents_by_ward))))
    found = set()
    for ward in wards:
        ward.parent_codes = {**(ward.parent_codes or {}), **parents_by_ward[ward.code]}
        found.add(ward.code)
    named = _name_parent_areas(session, rows, columns)
    return LookupResult(len(rows), len(found), len(parents_by_ward) - len(found), named)


def _name_parent_areas(session: Session, rows, columns: dict[str, str]) -> int:
    """Areas known only from the lookup get a row without geometry, so their names can be shown."""
    known = {(k, c) for k, c in session.execute(sa.select(Area.kind, Area.code))}
    new = {}
    for kind, column in columns.items():
        name_column = column[:-2] + "NM"
        vintage = "20" + ONS_CODE_RE.match(column).group("year")
        for row in rows:
            code = row[column]
            if code and (kind, code) not in known and (kind, code) not in new:
                new[(kind, code)] = dict(kind=kind, code=code, name=row.get(name_column) or code, vintage=vintage,
                                         is_current=True, parent_codes={}, geom=None)
    if new:
        session.execute(sa.insert(Area), list(new.values()))
    return len(new)


def load_boundary_layers(settings: Settings, sessions, echo: Callable[[str], None]) -> None:
    """Load every polygon layer of the manifest, then the ward lookup (lookups need the wards first)."""
    layers = load_manifest(settings)
    missing = [layer["name"] for layer in layers if layer_path(layer, settings) is None]
    if missing:
        raise BoundaryError(f"boundary files missing for {', '.join(missing)}: run `assetmap boundaries fetch` (needs internet)")
    with sessions.begin() as session:
        for layer in sorted(layers, key=lambda item: item["kind"] == "lookup"):
            path = layer_path(layer, settings)
            if layer["kind"] == "lookup":
                result = load_lookup(session, path)
                echo(f"Lookup {path.name}: {result.wards_updated} wards given their council and NHS areas")
            else:
                result = load_boundaries(session, path, layer["kind"], layer["vintage"],
                                         code_field=layer.get("code_field"), name_field=layer.get("name_field"))
                echo(f"{layer['kind']} {layer['vintage']}: {result.count} areas from {path.name}")
