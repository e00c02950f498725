"""The read side: small functions of ``(session, …)`` that views, the CLI and ingest share."""

from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.models import Activity, Area


def current_areas(session: Session, kinds: Iterable[str] | None = None) -> list[Area]:
    query = sa.select(Area).where(Area.is_current.is_(True))
    if kinds is not None:
        query = query.where(Area.kind.in_(list(kinds)))
    return list(session.scalars(query))


def load_area_index(session: Session, kinds: Iterable[str] = ("ward", "lad", "stp", "icb")) -> geo.AreaIndex:
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


def activities_in_bbox(session: Session, west: float, south: float, east: float, north: float, statuses=("active",)):
    """Activities whose point lies in a lon/lat box, through the spatial index on both backends."""
    query = sa.select(Activity).where(_in_box(session, Activity, west, south, east, north))
    if statuses:
        query = query.where(Activity.status.in_(list(statuses)))
    return list(session.scalars(query))


def areas_in_bbox(session: Session, kind: str, west: float, south: float, east: float, north: float, limit: int = 500) -> list[Area]:
    """Current areas of one kind whose outline reaches into a lon/lat box (for map outlines)."""
    query = sa.select(Area).where(Area.kind == kind, Area.is_current.is_(True), Area.geom.is_not(None),
                                  _in_box(session, Area, west, south, east, north))
    return list(session.scalars(query.limit(limit)))


def _in_box(session: Session, model, west: float, south: float, east: float, north: float):
    """PostGIS uses its GiST index for ST_Intersects; SpatiaLite needs its R*Tree queried by hand."""
    table = model.__tablename__
    if session.get_bind().dialect.name == "sqlite":
        rtree = sa.text(
            f"SELECT pkid FROM idx_{table}_geom WHERE xmin <= :east AND xmax >= :west AND ymin <= :north AND ymax >= :south"
        ).bindparams(west=west, south=south, east=east, north=north)
        return sa.literal_column(f"{table}.rowid").in_(rtree)
    box = sa.func.ST_MakeEnvelope(west, south, east, north, 4326)
    return sa.func.ST_Intersects(model.geom, box)
