"""Fixtures for ingest tests: the real area index, built once per session (the postcode directory is in tests/conftest.py)."""

from __future__ import annotations

import json

import pytest
import shapely
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.geo import AreaIndex, AreaShape
from assetmap.ingest import run_ingest

FOCUS_WARDS = "test_regions/wards_dec2021_focus_stps.geojson"


@pytest.fixture(scope="session")
def area_index(shared_data) -> AreaIndex:
    """Wards of five STPs (Greater Manchester among them) with their LAD, STP and ICB as parents."""
    collection = json.loads((shared_data / FOCUS_WARDS).read_text())
    return AreaIndex(
        AreaShape("ward", f["properties"]["WD21CD"], shapely.geometry.shape(f["geometry"]),
                  {"lad": f["properties"]["LAD21CD"], "stp": f["properties"]["STP21CD"], "icb": f["properties"]["ICB22CD"]})
        for f in collection["features"]
    )


@pytest.fixture
def today(fixed_now):
    return fixed_now.date()


@pytest.fixture
def ingest(session, settings, postcodes, area_index):
    """``run_ingest`` into the rolled-back test session with the real geography."""
    def run(path, **options):
        return run_ingest(path, session, settings, postcodes=postcodes, area_index=area_index, **options)
    return run


def init_spatial_metadata(path) -> None:
    """SpatiaLite's metadata written in one transaction (GeoAlchemy2's default writes it row by row: ~12 s here)."""
    import pyproj  # noqa: F401  (must be loaded before mod_spatialite, see assetmap.db)
    import sqlean

    connection = sqlean.connect(str(path))
    connection.enable_load_extension(True)
    connection.load_extension("mod_spatialite")
    connection.execute("SELECT InitSpatialMetaData(1)")
    connection.commit()
    connection.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, shared_data):
    """A SpatiaLite file with the schema and the focus wards loaded, made once and copied per test.

    A brand-new SpatiaLite file costs seconds (its spatial metadata is written row by row); a copy
    costs milliseconds.
    """
    from assetmap import db
    from assetmap.areas.boundaries import load_boundaries

    path = tmp_path_factory.mktemp("template") / "template.db"
    init_spatial_metadata(path)
    engine = db.make_engine(f"sqlite:///{path}")
    db.create_schema(engine)
    with db.make_sessionmaker(engine).begin() as session:
        load_boundaries(session, shared_data / FOCUS_WARDS, "ward", "2021-12")
    engine.dispose()
    return path


@pytest.fixture
def fresh_db(template_db, tmp_path, settings):
    """Settings, engine and sessionmaker for a private copy of the template database."""
    import dataclasses
    import shutil

    from assetmap import db

    path = tmp_path / "assetmap.db"
    shutil.copyfile(template_db, path)
    private = dataclasses.replace(settings, database_url=f"sqlite:///{path}", index_dir=str(tmp_path / "index"))
    engine = db.make_engine(private.database_url)
    yield private, engine, db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def cli(fresh_db, tmp_path):
    """Run ``assetmap …`` with DATABASE_URL on the private copy; returns (result, report JSON or None)."""
    settings, engine, _ = fresh_db
    env = {"DATABASE_URL": settings.database_url, "ASSETMAP_CACHE_DIR": settings.cache_dir, "ASSETMAP_INDEX_DIR": settings.index_dir}

    def run(*args):
        out = tmp_path / "report.json"
        out.unlink(missing_ok=True)
        result = CliRunner().invoke(main, ["ingest", *map(str, args), "--report", str(out)], env=env)
        return result, json.loads(out.read_text()) if out.exists() else None
    run.engine = engine
    return run
