"""A hand-made 3 × 3 grid of small areas, 1 km apart, far from any real record (near 10°N 10°E).

Columns are wards W1, W2, W3; W1 and W2 form council L1, W3 council L2, all in STP S1 and ICB I1.
Every LSOA has 100 people except the centre, which has 200. Coordinates are made with the inverse
of ``spatial.project_km`` so the distances are exactly 1 km and √2 km.
"""

from __future__ import annotations

import datetime as dt
import math

from assetmap.coverage.spatial import EARTH_KM
from assetmap.models import Area, DeprivationScore, PopulationEstimate, SmallArea

from ..factories import make_activity

BASE_Y = EARTH_KM * math.radians(10.0)
BASE_X = 1000.0   # km east of the meridian along the parallel
WARDS = ("TOYW1", "TOYW2", "TOYW3")
LAD_OF = {"TOYW1": "TOYL1", "TOYW2": "TOYL1", "TOYW3": "TOYL2"}
ICB, STP = "TOYI1", "TOYS1"
FRESH = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)     # 14 days before the tests' fixed now
OLD = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)       # older than the 180-day ageing limit


def latlon(row: int, col: int) -> tuple[float, float]:
    """The point ``row`` km north and ``col`` km east of the grid's corner, by the inverse sinusoidal projection."""
    y = BASE_Y + row
    lat = math.degrees(y / EARTH_KM)
    lon = math.degrees((BASE_X + col) / (EARTH_KM * math.cos(math.radians(lat))))
    return lat, lon


def _square(col: int) -> str:
    south, west = latlon(-0.5, col - 0.5)
    north, east = latlon(2.5, col + 0.5)
    return f"SRID=4326;MULTIPOLYGON((({west} {south},{east} {south},{east} {north},{west} {north},{west} {south})))"


def add_areas(session) -> None:
    for col, ward in enumerate(WARDS):
        session.add(Area(kind="ward", code=ward, name=f"Toy ward {col + 1}", vintage="toy", is_current=True,
                         parent_codes={"lad": LAD_OF[ward], "stp": STP, "icb": ICB}, geom=_square(col)))
    for code in ("TOYL1", "TOYL2"):
        session.add(Area(kind="lad", code=code, name=f"Toy council {code[-1]}", vintage="toy", is_current=True, parent_codes={}))
    session.add(Area(kind="stp", code=STP, name="Toy STP", vintage="toy", is_current=True, parent_codes={}))
    session.add(Area(kind="icb", code=ICB, name="Toy ICB", vintage="toy", is_current=True, parent_codes={}))


SCORE_OF_WARD = {"TOYW1": 50.0, "TOYW2": 20.0, "TOYW3": 10.0}


def add_small_areas(session) -> None:
    """Nine LSOAs; W1's are all in national decile 1; W2's centre (score 40) too, its others score 20 (decile 5)."""
    for row in range(3):
        for col in range(3):
            code, ward = f"TOYS{row}{col}", WARDS[col]
            lat, lon = latlon(row, col)
            session.add(SmallArea(code=code, vintage="2021", name=code, lat=lat, lon=lon, centre_method="test", ward_code=ward,
                                  lad_code=LAD_OF[ward], stp_code=STP, icb_code=ICB))
            people = 200 if (row, col) == (1, 1) else 100
            session.add(PopulationEstimate(area_kind="lsoa21", area_code=code, year=2020, band="all", count=people, source="toy"))
            score = 40.0 if (row, col) == (1, 1) else SCORE_OF_WARD[ward]
            decile = 1 if ward == "TOYW1" or (row, col) == (1, 1) else (5 if ward == "TOYW2" else 9)
            session.add(DeprivationScore(edition=2025, vintage="2021", lsoa_code=code, score=score, rank=1, decile=decile, source="toy"))


def add_activities(session) -> dict[str, object]:
    """A: centre, walking, Tue and Thu (2 a week), fresh. B: corner (row 0, col 0), lunch club, once a week, stale.
    C: telephone line based in council L1, no place, fresh. D: online course located in W3 at (2, 2) serving council L1, stale.
    E (closed) and F (its dates past) sit at the corner and must never count."""
    def at(row, col, **kw):
        lat, lon = latlon(row, col)
        return make_activity(lat=lat, lon=lon, postcode=None, ward_code=WARDS[col], lad_code=LAD_OF[WARDS[col]], stp_code=STP,
                             icb_code=ICB, **kw)

    made = {
        "A": at(1, 1, name="Toy walk", categories=["walking"], last_verified=FRESH, schedule=["tue morning", "thu morning"],
                extra={"schedule": {"frequency": "weekly", "days": ["tue", "thu"], "sessions": [{"days": ["tue", "thu"]}]}}),
        "B": at(0, 0, name="Toy lunch", categories=["lunch-club"], last_verified=OLD, extra={}),
        "C": make_activity(name="Toy phone line", categories=["befriending"], delivery=["telephone"], lat=None, lon=None, postcode=None,
                           precision="none", ward_code=None, lad_code="TOYL1", stp_code=STP, icb_code=ICB, last_verified=FRESH),
        "D": at(2, 2, name="Toy online course", categories=["learning"], delivery=["online"], service_area=["TOYL1"], last_verified=OLD),
        "E": at(0, 0, name="Toy closed club", status="closed"),
        "F": at(0, 0, name="Toy past event", schedule=["sat any", "until 2026-01-10"]),
    }
    session.add_all(made.values())
    return made


def build(session) -> None:
    add_areas(session)
    add_small_areas(session)
    add_activities(session)
    session.flush()
