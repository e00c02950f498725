"""The read side: small functions of ``(session, …)`` that views, the CLI and ingest share.

Area queries live in ``assetmap.areas.queries``; the box test both use is here.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.models import Activity, DuplicateGroup


def activities_in_bbox(session: Session, west: float, south: float, east: float, north: float, statuses=("active",)):
    """Activities whose point lies in a lon/lat box, through the spatial index on both backends."""
    query = sa.select(Activity).where(in_box(session, Activity, west, south, east, north))
    if statuses:
        query = query.where(Activity.status.in_(list(statuses)))
    return list(session.scalars(query))


def linked_listings(session: Session, activity_id: str) -> list[Activity]:
    """The other listings of the same activity (linked duplicates from other sources), most recently checked first."""
    group = sa.select(DuplicateGroup.group_id).where(DuplicateGroup.activity_id == activity_id).scalar_subquery()
    query = sa.select(Activity).join(DuplicateGroup, DuplicateGroup.activity_id == Activity.id).where(
        DuplicateGroup.group_id == group, Activity.id != activity_id)
    found = list(session.scalars(query))
    return sorted(found, key=lambda a: (a.last_verified is None, -(a.last_verified.timestamp() if a.last_verified else 0), a.id))


def in_box(session: Session, model, west: float, south: float, east: float, north: float):
    """PostGIS uses its GiST index for ST_Intersects; SpatiaLite needs its R*Tree queried by hand."""
    table = model.__tablename__
    if session.get_bind().dialect.name == "sqlite":
        rtree = sa.text(
            f"SELECT pkid FROM idx_{table}_geom WHERE xmin <= :east AND xmax >= :west AND ymin <= :north AND ymax >= :south"
        ).bindparams(west=west, south=south, east=east, north=north)
        return sa.literal_column(f"{table}.rowid").in_(rtree)
    box = sa.func.ST_MakeEnvelope(west, south, east, north, 4326)
    return sa.func.ST_Intersects(model.geom, box)
