"""``assetmap stats load FILE``: recognise an ONS or MHCLG file by its columns and load it.

Each kind of file has a reader that returns plain rows and a writer that replaces what the same
kind of file loaded before (same edition, year and areas), so loading a file twice never
duplicates anything. Files known:

* population by LSOA (ONS mid-year small area estimates: ``LSOA11CD``/``LSOA21CD``, ``POP_ALL``, bands);
* population by ward (ONS mid-year ward estimates: ``area_code``, ``sex``, ``all_ages``, bands; only
  "Persons" rows are read);
* the English Indices of Deprivation (``LSOA11CD``/``LSOA21CD``, ``IMD_rank``, ``IMD_decile``, and
  ``IMD_score`` when the edition publishes it: 2025 does, the 2019 file here does not);
* LSOA boundaries (GeoJSON with ``LSOA11CD``/``LSOA21CD``): each LSOA's point on surface becomes its
  centre, and the ward it falls in (with the ward's council, STP and ICB) is stored beside it;
* the ONS LSOA 2011 → 2021 lookup (``LSOA11CD``, ``LSOA21CD``, ``CHGIND``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.errors import AssetmapError
from assetmap.models import DeprivationScore, LsoaBridge, PopulationEstimate, SmallArea

CHUNK = 500   # codes per IN (...) when replacing rows: well under SQLite's bound-parameter limit

EXPECTED = (
    "population by LSOA (LSOA11CD or LSOA21CD, POP_ALL, POP_0_17 …); "
    "population by ward (area_code, sex, all_ages, aged_0_to_15 …); "
    "deprivation (LSOA11CD or LSOA21CD, IMD_rank, IMD_decile, optional IMD_score); "
    "LSOA boundaries GeoJSON (LSOA11CD or LSOA21CD, LSOA11NM or LSOA21NM); "
    "LSOA 2011 to 2021 lookup (LSOA11CD, LSOA21CD, CHGIND)"
)
LSOA_BAND_COLUMNS = {"POP_ALL": "all", "POP_0_17": "0_17", "POP_18_64": "18_64", "POP_65_PLUS": "65_plus",
                     "POP_75_PLUS": "75_plus", "POP_85_PLUS": "85_plus"}
WARD_BAND_COLUMNS = {"all_ages": "all", "aged_0_to_15": "0_15", "aged_16_to_64": "16_64", "aged_65_and_over": "65_plus"}
EDITION_OF_VINTAGE = {"2011": 2019, "2021": 2025}   # the IMD edition published on each census's LSOAs


class StatsError(AssetmapError):
    """A statistics file that cannot be recognised or read."""


@dataclasses.dataclass(frozen=True)
class LoadReport:
    kind: str
    rows: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.rows} rows ({self.detail})"


# --- recognising ----------------------------------------------------------------------------------

def columns_of(path: Path) -> list[str]:
    """The header of a CSV, or the properties of a GeoJSON file's first feature."""
    if path.suffix.lower() in (".geojson", ".json"):
        with open(path, encoding="utf-8") as handle:
            for line in handle:   # one feature per line in the shared files; fall back to parsing the whole file
                start = line.find('"properties"')
                if start >= 0 and line.rstrip().rstrip(",").endswith("}"):
                    try:
                        return list(json.loads(line.rstrip().rstrip(","))["properties"])
                    except (ValueError, KeyError):
                        break
        with open(path, encoding="utf-8") as handle:
            features = json.load(handle).get("features") or [{}]
        return list(features[0].get("properties") or {})
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def lsoa_vintage(columns: Iterable[str]) -> str | None:
    """"2011" for ``LSOA11CD``, "2021" for ``LSOA21CD``."""
    for column in columns:
        match = re.fullmatch(r"LSOA(\d\d)CD", column, re.IGNORECASE)
        if match:
            return "20" + match.group(1)
    return None


def recognise(path: Path, columns: list[str]) -> str:
    """Which kind of file this is, from its columns; a StatsError naming the file and the columns expected."""
    have = set(columns)
    vintage = lsoa_vintage(columns)
    if path.suffix.lower() in (".geojson", ".json") and vintage:
        return "lsoa_boundaries"
    if {"LSOA11CD", "LSOA21CD", "CHGIND"} <= have:
        return "lsoa_bridge"
    if vintage and "POP_ALL" in have:
        return "lsoa_population"
    if vintage and {"IMD_rank", "IMD_decile"} <= have:
        return "deprivation"
    if {"area_code", "sex", "all_ages"} <= have:
        return "ward_population"
    raise StatsError(f"{path}: not a statistics file assetmap knows; its columns are {', '.join(columns[:12]) or '(none)'}; "
                     f"expected one of: {EXPECTED}")


def load_file(session: Session, path: str | Path, *, year: int | None = None, edition: int | None = None, area_index=None) -> LoadReport:
    """Load one file of any known kind (see the module docstring), replacing what it loaded before."""
    path = Path(path)
    if not path.is_file():
        raise StatsError(f"{path}: no such file")
    columns = columns_of(path)
    kind = recognise(path, columns)
    if kind == "lsoa_population":
        return load_lsoa_population(session, path, columns, year or year_of(path))
    if kind == "ward_population":
        return load_ward_population(session, path)
    if kind == "deprivation":
        return load_deprivation(session, path, columns, edition)
    if kind == "lsoa_bridge":
        return load_bridge(session, path)
    return load_lsoa_boundaries(session, path, columns, area_index)


def year_of(path: Path) -> int:
    """The year of a mid-year estimate from its file name ("population_mid2020_…" → 2020)."""
    match = re.search(r"(?:mid[-_]?(?:year[-_]?)?)((?:19|20)\d\d)", path.name, re.IGNORECASE) or re.search(r"((?:19|20)\d\d)", path.name)
    if not match:
        raise StatsError(f"{path}: cannot tell the year of these estimates from the file name; pass --year")
    return int(match.group(1))


# --- readers and writers --------------------------------------------------------------------------

def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _int(value: str, path: Path, line: int, column: str) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise StatsError(f"{path}: line {line}, column {column}: {value!r} is not a number") from None


def _float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "NA") else None
    except ValueError:
        return None


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _replace_population(session: Session, area_kind: str, year: int, rows: list[dict]) -> None:
    codes = sorted({row["area_code"] for row in rows})
    for chunk in _chunks(codes):
        session.execute(sa.delete(PopulationEstimate).where(
            PopulationEstimate.area_kind == area_kind, PopulationEstimate.year == year, PopulationEstimate.area_code.in_(chunk)))
    if rows:
        session.execute(sa.insert(PopulationEstimate), rows)


def load_lsoa_population(session: Session, path: Path, columns: list[str], year: int) -> LoadReport:
    """People by LSOA and age band; ``POP_ALL`` becomes band ``all``."""
    vintage = lsoa_vintage(columns)
    code_column, kind = f"LSOA{vintage[2:]}CD", f"lsoa{vintage[2:]}"
    bands = {c: b for c, b in LSOA_BAND_COLUMNS.items() if c in columns}
    rows = []
    for line, row in enumerate(_rows(path), start=2):
        code = (row.get(code_column) or "").strip()
        if not code:
            raise StatsError(f"{path}: line {line}: no {code_column}")
        for column, band in bands.items():
            if row.get(column) not in (None, ""):
                rows.append(dict(area_kind=kind, area_code=code, year=year, band=band, count=_int(row[column], path, line, column),
                                 source=path.stem))
    _replace_population(session, kind, year, rows)
    return LoadReport("population by LSOA", len(rows) // max(len(bands), 1), f"{kind}, mid-{year}, bands {', '.join(bands.values())}")


def load_ward_population(session: Session, path: Path) -> LoadReport:
    """People by ward: only the "Persons" rows (the file also has Females and Males)."""
    rows, years = [], set()
    for line, row in enumerate(_rows(path), start=2):
        if (row.get("sex") or "").strip().lower() != "persons":
            continue
        code = (row.get("area_code") or "").strip()
        year_match = re.match(r"((?:19|20)\d\d)", row.get("period") or "")
        if not code or not year_match:
            raise StatsError(f"{path}: line {line}: needs area_code and a period starting with the year")
        year = int(year_match.group(1))
        years.add(year)
        for column, band in WARD_BAND_COLUMNS.items():
            if row.get(column) not in (None, ""):
                rows.append(dict(area_kind="ward", area_code=code, year=year, band=band, count=_int(row[column], path, line, column),
                                 source=path.stem))
    for year in years:
        _replace_population(session, "ward", year, [r for r in rows if r["year"] == year])
    wards = len({r["area_code"] for r in rows})
    return LoadReport("population by ward", wards, f"mid-{', '.join(map(str, sorted(years)))}, Persons rows only")


def load_deprivation(session: Session, path: Path, columns: list[str], edition: int | None) -> LoadReport:
    """IMD rank, decile and (when published) score per LSOA; the edition comes from the file name or the LSOA vintage."""
    vintage = lsoa_vintage(columns)
    code_column = f"LSOA{vintage[2:]}CD"
    if edition is None:
        match = re.search(r"imd[-_]?((?:19|20)\d\d)", path.name, re.IGNORECASE)
        edition = int(match.group(1)) if match else EDITION_OF_VINTAGE.get(vintage)
    rows = []
    for line, row in enumerate(_rows(path), start=2):
        rows.append(dict(edition=edition, vintage=vintage, lsoa_code=row[code_column].strip(),
                         score=_float_or_none(row.get("IMD_score")), rank=_int(row["IMD_rank"], path, line, "IMD_rank"),
                         decile=_int(row["IMD_decile"], path, line, "IMD_decile"), source=path.stem))
    session.execute(sa.delete(DeprivationScore).where(DeprivationScore.edition == edition))
    if rows:
        session.execute(sa.insert(DeprivationScore), rows)
    scored = "with scores" if any(r["score"] is not None for r in rows) else "ranks and deciles only, no scores"
    return LoadReport("deprivation", len(rows), f"IMD {edition} on {vintage} LSOAs, {scored}")


def load_bridge(session: Session, path: Path) -> LoadReport:
    """The ONS LSOA 2011 → 2021 lookup; Welsh codes (W…) are left out (the statistics here are England's)."""
    pairs = {}
    for row in _rows(path):
        old, new = row["LSOA11CD"].strip(), row["LSOA21CD"].strip()
        if old and new and not old.startswith("W") and not new.startswith("W"):
            pairs[(old, new)] = dict(lsoa11_code=old, lsoa21_code=new, change=(row.get("CHGIND") or "U").strip()[:1] or "U")
    session.execute(sa.delete(LsoaBridge))
    if pairs:
        session.execute(sa.insert(LsoaBridge), list(pairs.values()))
    return LoadReport("LSOA 2011 to 2021 lookup", len(pairs), "pairs of LSOAs, Wales left out")


def load_lsoa_boundaries(session: Session, path: Path, columns: list[str], area_index=None) -> LoadReport:
    """Each LSOA's point on surface as its centre, and the ward, council, STP and ICB that point is in.

    The shared data have no population-weighted centres (ONS publishes them separately); a point
    on surface always lies inside the LSOA, unlike a centroid.
    """
    import geopandas as gpd
    import shapely

    vintage = lsoa_vintage(columns)
    code_column, name_column = f"LSOA{vintage[2:]}CD", f"LSOA{vintage[2:]}NM"
    frame = gpd.read_file(path)
    points = shapely.point_on_surface(frame.geometry.values)
    lons, lats = shapely.get_x(points), shapely.get_y(points)
    codes = assign_areas(session, lats, lons, area_index)
    names = frame[name_column] if name_column in frame.columns else frame[code_column]
    rows = [dict(code=str(code), vintage=vintage, name=str(name or ""), lat=round(float(lat), 6), lon=round(float(lon), 6),
                 centre_method="point_on_surface", ward_code=codes["ward"][i], lad_code=codes["lad"][i],
                 stp_code=codes["stp"][i], icb_code=codes["icb"][i])
            for i, (code, name, lat, lon) in enumerate(zip(frame[code_column], names, lats, lons))]
    for chunk in _chunks(sorted(r["code"] for r in rows)):
        session.execute(sa.delete(SmallArea).where(SmallArea.vintage == vintage, SmallArea.code.in_(chunk)))
    if rows:
        session.execute(sa.insert(SmallArea), rows)
    placed = sum(1 for r in rows if r["ward_code"])
    hint = "" if placed else " (no wards loaded: load ward boundaries, then run `assetmap stats place`)"
    return LoadReport("LSOA centres", len(rows), f"{vintage} LSOAs, point on surface; {placed} placed in a loaded ward{hint}")


def assign_areas(session: Session, lats: np.ndarray, lons: np.ndarray, area_index=None) -> dict[str, list]:
    """Ward, council, STP and ICB codes of each point, from the loaded ward polygons and their lookups."""
    from assetmap.areas.queries import load_area_index
    from assetmap.vocab import AREA_KINDS

    index = area_index if area_index is not None else load_area_index(session)
    if not len(index):
        return {kind: [None] * len(lats) for kind in AREA_KINDS}
    found = index.assign(lats, lons, AREA_KINDS)
    return {kind: [c if c else None for c in found[kind]] for kind in AREA_KINDS}


def reassign_small_areas(session: Session, area_index=None) -> int:
    """Place every stored LSOA centre again in the loaded wards (after new boundaries were loaded)."""
    rows = session.execute(sa.select(SmallArea.id, SmallArea.lat, SmallArea.lon).where(SmallArea.lat.is_not(None))).all()
    if not rows:
        return 0
    codes = assign_areas(session, np.array([r.lat for r in rows]), np.array([r.lon for r in rows]), area_index)
    updates = [dict(id=r.id, ward_code=codes["ward"][i], lad_code=codes["lad"][i], stp_code=codes["stp"][i], icb_code=codes["icb"][i])
               for i, r in enumerate(rows)]
    session.execute(sa.update(SmallArea), updates)
    return len(updates)
