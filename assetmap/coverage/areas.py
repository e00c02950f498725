"""Area outlines and pick lists for the coverage page: GeoJSON of rows, and (code, name) choices for drill-down."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from assetmap.areas.queries import area_fingerprint
from assetmap.coverage import data
from assetmap.models import Area

SIMPLIFY_DEGREES = 0.0005   # about 35-55 m across England: plenty for a choropleth, a fraction of the bytes
DIGITS = 5


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


_OUTLINES: dict[tuple, dict[str, dict | None]] = {}   # (fingerprint, level) → code → simplified geometry (None: no polygon)


def outlines(session: Session, level: str, codes: Sequence[str]) -> dict[str, dict]:
    """Code → simplified GeoJSON geometry of the current areas of a level that have polygons.

    Simplifying 7,000 ward outlines takes seconds, so each is made once and kept per process until the
    areas change (``area_fingerprint``); only the codes asked for are read from the database.
    """
    key = (area_fingerprint(session), level)
    cache = _OUTLINES.get(key)
    if cache is None:
        for old in [k for k in _OUTLINES if k[0][0] == key[0][0] and k[1] == level]:
            del _OUTLINES[old]
        cache = _OUTLINES[key] = {}
    missing = sorted(set(codes) - set(cache))
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        rows = session.execute(sa.select(Area.code, Area.geom).where(
            Area.kind == level, Area.is_current.is_(True), Area.geom.is_not(None), Area.code.in_(chunk)))
        for code, geom in rows:
            if cache.get(code) is None:
                shape = shapely.simplify(to_shape(geom), SIMPLIFY_DEGREES, preserve_topology=True)
                geometry = json.loads(shapely.to_geojson(shape))
                geometry["coordinates"] = _rounded(geometry["coordinates"])
                cache[code] = geometry
        for code in chunk:
            cache.setdefault(code, None)
    return {code: cache[code] for code in codes if cache.get(code) is not None}


def coverage_geojson(session: Session, rows: Sequence, level: str) -> dict[str, Any]:
    """A FeatureCollection with one feature per row (in the rows' order), its properties the row's figures.

    An area known only from a lookup has no outline: its feature's geometry is null (RFC 7946 allows it).
    """
    shapes = outlines(session, level, [row.code for row in rows])
    features = [{"type": "Feature", "id": row.code, "geometry": shapes.get(row.code), "properties": row.as_dict()} for row in rows]
    return {"type": "FeatureCollection", "features": features}


def area_choices(session: Session, level: str, within: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the current areas of a level, inside ``within`` when given, by name: for pick lists and drill-down."""
    areas = data.load_areas(session, level)
    chosen = range(len(areas)) if not within else [i for i, p in enumerate(areas.parents) if within in p.values()]
    return sorted(((areas.codes[i], areas.names[i]) for i in chosen), key=lambda item: (item[1].lower(), item[0]))
