"""Search fixtures: the hand-written Trafford catalogue, indexed once per module on each backend.

Areas are the real December 2021 ward polygons of Trafford (plus same-named wards elsewhere, so
that place names are ambiguous as they are in real life) and the Trafford and Manchester council
boundaries, read from ../shared/data. Each activity gets its ward and council from those polygons,
as ingest would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.models import Area
from assetmap.search import build_index

from ..conftest import FIXED_NOW
from ..factories import make_activity, make_organisation
from .catalogue import ACTIVITIES, GM_ICB, PLACES

AMBIGUOUS_WARD_NAMES = {"Village", "St Mary's"}
STP = "E54000007"


def _features(path, keep):
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip().rstrip(",")
            if line.startswith('{"type"') and '"geometry"' in line:
                feature = json.loads(line)
                if keep(feature["properties"]):
                    yield feature


def _multipolygon(feature) -> shapely.MultiPolygon:
    return geo.repair_polygon(shapely.geometry.shape(feature["geometry"]))


def trafford_areas(shared_data) -> list[Area]:
    wards = _features(shared_data / "boundaries" / "wards_dec2021_en_bsc.geojson",
                      lambda p: p["LAD21CD"] == "E08000009" or p["WD21NM"] in AMBIGUOUS_WARD_NAMES)
    lads = _features(shared_data / "boundaries" / "lad_dec2021_en_buc.geojson",
                     lambda p: p["LAD21CD"] in ("E08000009", "E08000003"))
    areas = []
    for f in wards:
        p = f["properties"]
        parents = {"lad": p["LAD21CD"], **({"stp": STP, "icb": GM_ICB} if p["LAD21CD"] == "E08000009" else {})}
        areas.append(Area(kind="ward", code=p["WD21CD"], name=p["WD21NM"], vintage="2021-12", parent_codes=parents,
                          geom=from_shape(_multipolygon(f), srid=4326)))
    for f in lads:
        p = f["properties"]
        areas.append(Area(kind="lad", code=p["LAD21CD"], name=p["LAD21NM"], vintage="2021-12", parent_codes={"stp": STP, "icb": GM_ICB},
                          geom=from_shape(_multipolygon(f), srid=4326)))
    return areas


def _area_index(areas: list[Area]) -> geo.AreaIndex:
    from geoalchemy2.shape import to_shape

    return geo.AreaIndex(geo.AreaShape(a.kind, a.code, to_shape(a.geom), a.parent_codes) for a in areas)


def catalogue_activity(spec: dict, index: geo.AreaIndex, organisation):
    """An Activity from a catalogue entry, placed in its ward and council like ingest would."""
    spec = dict(spec)
    key = spec.pop("key")
    place = spec.pop("place")
    days = spec.pop("verified", 30)
    values = dict(
        source_id=key, organisation_id=organisation.id, audience=spec.pop("audience", ["Adults"]),
        last_verified=None if days is None else FIXED_NOW - dt.timedelta(days=days),
        is_free=spec.pop("is_free", True), cost_text=spec.pop("cost_text", "Free"), content_hash=f"hash-{key}",
    )
    if place is None:
        values.update(lat=None, lon=None, postcode=None, precision="none", ward_code=None, lad_code=None, stp_code=None, icb_code=None)
    else:
        lat, lon, postcode = PLACES[place]
        codes = index.areas_at(lat, lon)
        values.update(lat=lat, lon=lon, postcode=postcode, ward_code=codes["ward"], lad_code=codes["lad"],
                      stp_code=STP, icb_code=GM_ICB, address=f"{place.replace('_', ' ').title()}, Trafford")
    values.update(spec)
    return key, make_activity(**values)


@dataclasses.dataclass
class Catalogue:
    session: Session
    settings: object
    by_key: dict
    backend: str

    def key_of(self, activity_id: str) -> str:
        return next(k for k, a in self.by_key.items() if a.id == activity_id)


def add_catalogue(session: Session, shared_data) -> dict:
    areas = trafford_areas(shared_data)
    session.add_all(areas)
    organisation = make_organisation(name="Trafford Community Network")
    session.add(organisation)
    index = _area_index(areas)
    activities = dict(catalogue_activity(spec, index, organisation) for spec in ACTIVITIES)
    session.add_all(activities.values())
    session.flush()
    return activities


@pytest.fixture(scope="module", params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def catalogue(request, settings, tmp_path_factory, shared_data):
    """The catalogue in a transaction rolled back after the module, indexed, on each backend."""
    engine = request.getfixturevalue("engine" if request.param == "spatialite" else "pg_engine")
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    search_settings = dataclasses.replace(
        settings, database_url=engine.url.render_as_string(hide_password=False),
        index_dir=str(tmp_path_factory.mktemp("catalogue-index")),
    )
    try:
        by_key = add_catalogue(session, shared_data)
        build_index(search_settings, session)
        yield Catalogue(session, search_settings, by_key, request.param)
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def search_settings(settings, any_engine, tmp_path):
    """Settings pointing at the backend under test, with an index folder of the test's own."""
    return dataclasses.replace(settings, database_url=any_engine.url.render_as_string(hide_password=False), index_dir=str(tmp_path / "index"))
