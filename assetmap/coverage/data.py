"""The database read side of coverage: areas, activities, small areas and their statistics as plain arrays.

Everything the figures need is read in a handful of column queries (no ORM objects), so the numeric
core in ``need``, ``provision``, ``access`` and ``gaps`` never touches the database and the same code
runs on SpatiaLite and PostGIS.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
from collections import Counter
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.config import Settings
from assetmap.coverage.need import bridge_population
from assetmap.db import as_utc
from assetmap.models import Activity, Area, DeprivationScore, LsoaBridge, PopulationEstimate, SmallArea
from assetmap.schedule import is_past_token
from assetmap.vocab import AREA_KINDS

PARENT_KINDS = {"ward": ("lad", "stp", "icb"), "lad": ("stp", "icb"), "stp": ("icb",), "icb": ()}


@dataclasses.dataclass
class Areas:
    """The areas of one level: codes, names and parent codes (``lad``/``stp``/``icb``), and what each code covers."""

    level: str
    codes: list[str]
    names: list[str]
    parents: list[dict[str, str]]
    covers: dict[str, np.ndarray]       # any area code (a ward, council, STP, ICB) → indices of the areas it overlaps

    @property
    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    def __len__(self) -> int:
        return len(self.codes)


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while many small objects are made (they hold no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _wards(session: Session) -> dict[str, dict[str, str]]:
    rows = session.execute(sa.select(Area.code, Area.parent_codes).where(Area.kind == "ward", Area.is_current.is_(True)))
    return {code: {k: v for k, v in (parents or {}).items() if k in AREA_KINDS and v} for code, parents in rows}


def _main_parents(wards: dict[str, dict[str, str]], level: str) -> dict[str, dict[str, str]]:
    """For a council, STP or ICB: the parent each kind most of its wards name (councils do not nest in STPs)."""
    votes: dict[str, dict[str, Counter]] = {}
    for parents in wards.values():
        own = parents.get(level)
        if own:
            for kind in PARENT_KINDS[level]:
                if parents.get(kind):
                    votes.setdefault(own, {}).setdefault(kind, Counter())[parents[kind]] += 1
    return {code: {kind: counter.most_common(1)[0][0] for kind, counter in kinds.items()} for code, kinds in votes.items()}


def load_areas(session: Session, level: str) -> Areas:
    """The current areas of a level, with parents and the service-area cover map built from the ward lookups."""
    wards = _wards(session)
    rows = session.execute(sa.select(Area.code, Area.name, Area.parent_codes, Area.geom.is_not(None))
                           .where(Area.kind == level, Area.is_current.is_(True)).order_by(Area.code)).all()
    by_code: dict[str, tuple] = {}
    for code, name, parents, has_geom in rows:
        if code not in by_code or has_geom:
            by_code[code] = (name, parents or {})
    codes = sorted(by_code)
    main = {} if level == "ward" else _main_parents(wards, level)
    parents = [{k: v for k, v in (by_code[c][1] if level == "ward" else main.get(c, {})).items() if k in PARENT_KINDS[level]}
               for c in codes]
    index = {code: i for i, code in enumerate(codes)}
    cover_sets: dict[str, set[int]] = {code: {i} for code, i in index.items()}
    for ward, ward_parents in wards.items():
        own = ward if level == "ward" else ward_parents.get(level)
        if own in index:
            for code in (ward, *ward_parents.values()):
                cover_sets.setdefault(code, set()).add(index[own])
    covers = {code: np.fromiter(sorted(found), dtype=np.int64) for code, found in cover_sets.items()}
    return Areas(level, codes, [by_code[c][0] for c in codes], parents, covers)


@dataclasses.dataclass
class Activities:
    """The activities that count (active, not hidden, not ended), one row per activity."""

    n: int
    lat: np.ndarray
    lon: np.ndarray
    codes: dict[str, np.ndarray]        # kind → area code per activity (object arrays): the level's and "lad"
    service_area: list[list[str]]
    delivery: list[Any]                 # JSON text (or a list): test with ``has``
    categories: list[Any]
    capacity: np.ndarray
    fresh: np.ndarray                   # verified within ASSETMAP_AGEING_AFTER_DAYS

    def __len__(self) -> int:
        return self.n

    def __post_init__(self) -> None:
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    @property
    def with_service_area(self) -> list[int]:
        """Indices of the activities that name a service area (few, usually)."""
        return [i for i, codes in enumerate(self.service_area) if codes]

    @property
    def in_person(self) -> np.ndarray:
        """Held in person: said so, or no delivery mode given (the usual case for a group that meets)."""
        key = ("delivery", "in_person or none")
        if key not in self._masks:
            empty = np.fromiter((is_empty(modes) for modes in self.delivery), dtype=bool, count=self.n)
            self._masks[key] = empty | self.with_value("delivery", "in_person")
        return self._masks[key]

    def with_value(self, field: str, value: str) -> np.ndarray:
        """Mask of activities whose ``delivery`` or ``categories`` holds the value (worked out once per value)."""
        if (field, value) not in self._masks:
            values = getattr(self, field)
            self._masks[(field, value)] = np.fromiter((has(v, value) for v in values), dtype=bool, count=len(values))
        return self._masks[(field, value)]


def is_empty(values: Any) -> bool:
    return not values or values == "[]"


def has(values: Any, item: str) -> bool:
    """Whether a JSON list of codes (as text or as a list) holds the item: on text, a search for the quoted code.

    Codes (slugs, delivery modes) have no quotes or backslashes, so the quoted form only matches a whole element.

    >>> has('["walking", "in_person"]', "walking"), has('["walking-football"]', "walking"), has(["online"], "online")
    (True, False, True)
    """
    if not values:
        return False
    if isinstance(values, str):
        return f'"{item}"' in values
    return item in values


def _json(value: Any) -> Any:
    """A JSON value read as text, or already decoded (psycopg decodes a json value itself)."""
    if value is None or not isinstance(value, (str, bytes)):
        return value
    return [] if value == "[]" else orjson.loads(value)


def _raw(column):
    """The column without SQLAlchemy's per-value JSON processing: decoding only non-empty lists is several times faster."""
    return sa.type_coerce(column, sa.Text)


def _text(column):
    """A JSON column as its text on both backends (CAST … AS TEXT), for fast tests on the text itself."""
    return sa.cast(column, sa.Text)


def _ended(raw_tokens: Any, today: dt.date) -> bool:
    return bool(raw_tokens) and any(is_past_token(token, today) for token in _json(raw_tokens) or ())


def _capacities(schedules) -> np.ndarray:
    """Weekly sessions per activity, each distinct stored schedule worked out once."""
    from assetmap.coverage.access import weekly_sessions

    seen: dict[Any, float] = {}
    result = np.ones(len(schedules))
    for i, value in enumerate(schedules):
        if value is None or value == "null":
            continue
        key = value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        if key not in seen:
            seen[key] = weekly_sessions(_json(value))
        result[i] = seen[key]
    return result


def load_activities(session: Session, settings: Settings, now: dt.datetime, level: str = "ward") -> Activities:
    """Active records that search would show: closed and paused ones, those hidden as unchecked and those whose dates are past never count.

    Only the columns the figures need, filtered and classed (fresh or not) in SQL and read straight from the
    driver's cursor, with JSON lists kept as text: 100,000 records take about a second.
    """
    now = as_utc(now).astimezone(dt.UTC)   # compared in SQL, where SQLite keeps UTC wall-clock text
    fresh_from = now - dt.timedelta(days=settings.ageing_after_days)
    schedule = _text(Activity.schedule)
    kinds = list(dict.fromkeys([level, "lad"]))
    query = sa.select(Activity.lat, Activity.lon, *(getattr(Activity, f"{kind}_code") for kind in kinds),
                      _text(Activity.service_area), _text(Activity.delivery), _text(Activity.categories),
                      sa.case((schedule.like("%until%"), schedule), else_=None), _raw(Activity.extra["schedule"]),
                      sa.case((Activity.last_verified > fresh_from, 1), else_=0)).where(Activity.status == "active")
    if settings.hide_after_days:
        hide_from = now - dt.timedelta(days=settings.hide_after_days)
        query = query.where(sa.or_(Activity.last_verified.is_(None), Activity.last_verified > hide_from))
    rows = _rows(session, query)   # plain driver rows: nothing to process
    today = now.date()
    k = len(kinds)
    rows = [row for row in rows if not _ended(row[5 + k], today)]
    columns = list(zip(*rows)) if rows else [()] * (8 + k)
    return Activities(
        n=len(rows),
        lat=np.array(columns[0], dtype=float) if rows else np.zeros(0),
        lon=np.array(columns[1], dtype=float) if rows else np.zeros(0),
        codes={kind: np.array(columns[2 + j], dtype=object) for j, kind in enumerate(kinds)},
        service_area=[[] if v in (None, "[]") else _json(v) for v in columns[2 + k]],
        delivery=list(columns[3 + k]),
        categories=list(columns[4 + k]),
        capacity=_capacities(columns[6 + k]),
        fresh=np.array(columns[7 + k], dtype=bool),
    )


@dataclasses.dataclass
class SmallAreas:
    """The LSOAs of one census vintage with their centre, parent codes, people and deprivation."""

    vintage: str
    codes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    parent: dict[str, np.ndarray]       # kind → code per LSOA
    population: np.ndarray
    population_year: int | None
    imd_edition: int | None
    imd_score: np.ndarray
    imd_rank: np.ndarray
    imd_decile: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)


def choose_vintage(session: Session) -> str | None:
    """The LSOA vintage to use: the one with centres loaded whose deprivation edition is newest (else any with centres)."""
    with_centres = {v for (v,) in session.execute(sa.select(SmallArea.vintage).distinct())}
    editions = session.execute(sa.select(DeprivationScore.vintage, sa.func.max(DeprivationScore.edition))
                               .group_by(DeprivationScore.vintage)).all()
    for vintage, _edition in sorted(editions, key=lambda item: item[1], reverse=True):
        if vintage in with_centres:
            return vintage
    return max(with_centres) if with_centres else None


def _rows(session: Session, query) -> list[tuple]:
    """Plain driver rows of a query whose columns need no conversion (codes, numbers)."""
    return session.connection().execute(query).cursor.fetchall()


def _population(session: Session, vintage: str) -> tuple[dict[str, float], int | None]:
    """People per LSOA of the vintage (band ``all``, newest year); bridged from the other vintage when only it has figures."""
    for kind in (f"lsoa{vintage[2:]}", "lsoa11" if vintage == "2021" else "lsoa21"):
        year = session.scalar(sa.select(sa.func.max(PopulationEstimate.year)).where(PopulationEstimate.area_kind == kind))
        if year is None:
            continue
        counts = dict(_rows(session, sa.select(PopulationEstimate.area_code, PopulationEstimate.count).where(
            PopulationEstimate.area_kind == kind, PopulationEstimate.year == year, PopulationEstimate.band == "all")))
        if kind == f"lsoa{vintage[2:]}":
            return {k: float(v) for k, v in counts.items()}, year
        pairs = _rows(session, sa.select(LsoaBridge.lsoa11_code, LsoaBridge.lsoa21_code))
        if pairs:
            pairs = pairs if vintage == "2021" else [(b, a) for a, b in pairs]
            return bridge_population(counts, pairs), year
    return {}, None


def load_small_areas(session: Session, vintage: str | None = None) -> SmallAreas | None:
    """The LSOAs with centres, people and deprivation; None when no LSOA centres are loaded."""
    vintage = vintage or choose_vintage(session)
    if vintage is None:
        return None
    edition = session.scalar(sa.select(sa.func.max(DeprivationScore.edition)).where(DeprivationScore.vintage == vintage))
    imd = sa.select(DeprivationScore.lsoa_code, DeprivationScore.score, DeprivationScore.rank, DeprivationScore.decile).where(
        DeprivationScore.edition == (edition if edition is not None else -1)).subquery()
    rows = _rows(session, sa.select(SmallArea.code, SmallArea.lat, SmallArea.lon, SmallArea.ward_code, SmallArea.lad_code,
                                    SmallArea.stp_code, SmallArea.icb_code, imd.c.score, imd.c.rank, imd.c.decile)
                 .outerjoin(imd, imd.c.lsoa_code == SmallArea.code).where(SmallArea.vintage == vintage).order_by(SmallArea.code))
    columns = list(zip(*rows)) if rows else [()] * 10
    codes = list(columns[0])
    people, year = _population(session, vintage)
    nan = float("nan")
    numbers = lambda values: np.array([nan if v is None else v for v in values], dtype=float)  # noqa: E731
    return SmallAreas(
        vintage=vintage, codes=codes, lat=numbers(columns[1]), lon=numbers(columns[2]),
        parent={kind: np.array(columns[3 + k], dtype=object) for k, kind in enumerate(AREA_KINDS)},
        population=np.array([people.get(c, nan) for c in codes], dtype=float),
        population_year=year, imd_edition=edition,
        imd_score=numbers(columns[7]), imd_rank=numbers(columns[8]), imd_decile=numbers(columns[9]),
    )


def direct_population(session: Session, level: str, codes: list[str]) -> dict[str, float]:
    """Published estimates for the areas themselves (ONS ward estimates), newest year: preferred to summed LSOAs."""
    year = session.scalar(sa.select(sa.func.max(PopulationEstimate.year)).where(PopulationEstimate.area_kind == level))
    if year is None:
        return {}
    rows = session.execute(sa.select(PopulationEstimate.area_code, PopulationEstimate.count).where(
        PopulationEstimate.area_kind == level, PopulationEstimate.year == year, PopulationEstimate.band == "all"))
    wanted = set(codes)
    return {code: float(count) for code, count in rows if code in wanted}


def index_of(values: np.ndarray, index: dict[str, int]) -> np.ndarray:
    """Area index per value (-1 where the code is not an area of the level): each distinct code looked up once.

    >>> index_of(np.array(["b", None, "x", "a", "b"], dtype=object), {"a": 0, "b": 1}).tolist()
    [1, -1, -1, 0, 1]
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    text = np.array(["" if v is None else v for v in values], dtype=str)
    distinct, inverse = np.unique(text, return_inverse=True)
    lookup = np.array([index.get(code, -1) if code else -1 for code in distinct], dtype=np.int64)
    return lookup[inverse.ravel()]
