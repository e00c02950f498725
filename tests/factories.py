"""``make_activity(**overrides)``: a plausible activity with sensible defaults (CTFd's ``gen_*``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import uuid

from assetmap.models import Activity, Organisation

_counter = itertools.count(1)


def make_organisation(**overrides) -> Organisation:
    n = next(_counter)
    values = dict(id=str(uuid.uuid4()), name=f"Community Group {n}", description="", source="test", source_id=f"org-{n}")
    values.update(overrides)
    return Organisation(**values)


def make_activity(**overrides) -> Activity:
    """An active, in-person walking group in Sale (Trafford), checked a month before 2026-06-15."""
    n = next(_counter)
    lat, lon = overrides.get("lat", 53.4251), overrides.get("lon", -2.3255)
    values = dict(
        id=str(uuid.uuid4()),
        name=f"Walking group {n}",
        description="A gentle hour's walk round the park, then a cup of tea.",
        categories=["walking"],
        audience=["Anyone"],
        delivery=["in_person"],
        schedule_text="Every Tuesday 10:00-11:00",
        schedule=["tue morning"],
        cost_text="Free",
        is_free=True,
        status="active",
        postcode="M33 7XW",
        lat=lat,
        lon=lon,
        precision="postcode",
        ward_code="E05000829",
        lad_code="E08000009",
        stp_code="E54000007",
        icb_code="E54000057",
        source="test",
        source_id=f"act-{n}",
        last_verified=dt.datetime(2026, 5, 15, tzinfo=dt.UTC),
        verified_by="Organiser",
    )
    values.update(overrides)
    if values.get("lat") is not None and values.get("lon") is not None and "geom" not in overrides:
        values["geom"] = f"SRID=4326;POINT({values['lon']} {values['lat']})"
    return Activity(**values)


def private_copy(settings, folder, **overrides):
    """Settings for a copy of a built test database and its search index, as the fixture built it.

    Tests that write (logins, checks, reports, shortlists) work on their own copy, so the shared
    database other tests count on stays as it was. Only the main file is copied: what other tests
    wrote since is still in the WAL file (the fixture's engine checkpointed when it was disposed).
    """
    import dataclasses
    import shutil

    shutil.copy(settings.database_url.removeprefix("sqlite:///"), folder / "copy.db")
    shutil.copytree(settings.index_dir, folder / "index")
    return dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'copy.db'}", index_dir=str(folder / "index"), **overrides)


def build_directory(settings, folder, shared_data, organisation, activities, *, name="web.db"):
    """Settings for a new SpatiaLite directory under ``folder``: the real wards of the focus areas and the ONS
    ward lookup, one organisation and its activities, and a built search index.

    The web pages' database and the injection corpus's differ only in the records they hold, so both are built here.
    """
    import dataclasses

    from assetmap import db
    from assetmap.areas.boundaries import load_boundaries, load_lookup
    from assetmap.search import build_index

    built = dataclasses.replace(settings, database_url=f"sqlite:///{folder / name}", index_dir=str(folder / "index"), tile_url="")
    engine = db.make_engine(built.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        load_boundaries(session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
        load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
        session.add(organisation)
        session.add_all(activities)
    with sessions() as session:
        build_index(built, session)
    engine.dispose()
    return built


@contextlib.contextmanager
def app_over(settings):
    """The Flask app over ``settings``' database; its engine is disposed after, so the file is closed (and,
    on SpatiaLite, checkpointed) before another test copies or removes it."""
    from assetmap.web import create_app

    app = create_app(settings)
    try:
        yield app
    finally:
        app.extensions["assetmap"]["engine"].dispose()


def new_pg_database(postgis_url: str, prefix: str) -> str:
    """The URL of a new, empty database beside ``postgis_url``'s (named ``prefix_<random>``), for tests that commit."""
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False)
