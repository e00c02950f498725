"""End to end on real data: Greater Manchester's wards (May 2023), the 2021 LSOAs of Greater Manchester,
IMD 2025, the mid-2020 LSOA population carried to 2021 LSOAs, Trafford's mid-2024 ward population,
and Greater Manchester's libraries and food banks as activities. Everything is loaded through the
``assetmap`` commands; the figures are checked against sums worked out here with shapely and csv
alone. The PostGIS test runs the same commands and expects the same figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid

import pytest
import shapely
import sqlalchemy as sa
from click.testing import CliRunner

from assetmap import cli, db
from assetmap.areas.queries import load_area_index
from assetmap.models import Activity

TRAFFORD = "E08000009"
GM_LADS = {f"E080000{n:02d}" for n in range(1, 11)}
WARDS = "test_regions/gm_wards_may2023_bgc.geojson"
ACTIVITY_FILES = {"community/gm_libraries.geojson": "libraries", "community/gm_food_banks.geojson": "food-banks"}
NOW = dt.datetime.now(dt.UTC)


def _run(url, *args):
    result = CliRunner().invoke(cli.main, list(args), env={"DATABASE_URL": url, "ASSETMAP_ENV": "development"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _gm_lsoa_file(shared_data, folder):
    """The real 2021 LSOA boundaries of Greater Manchester's ten councils (by the ONS LSOA → ward → council lookup)."""
    with open(shared_data / "lookups/lsoa21_wd24_lad24_sicbl24_icb24_ew.csv", newline="", encoding="utf-8") as handle:
        wanted = {row["LSOA21CD"] for row in csv.DictReader(handle) if row["LAD24CD"] in GM_LADS}
    lines = []
    with open(shared_data / "boundaries/lsoa_dec2021_en_bsc.geojson", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('{"type":"Feature"') and json.loads(line.rstrip().rstrip(","))["properties"]["LSOA21CD"] in wanted:
                lines.append(line.rstrip().rstrip(","))
    path = folder / "lsoa21_gm.geojson"
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return path, wanted


def _points(shared_data):
    """(name, lon, lat, category) of every library and food bank."""
    found = []
    for name, category in ACTIVITY_FILES.items():
        for feature in json.loads((shared_data / name).read_text(encoding="utf-8"))["features"]:
            lon, lat = feature["geometry"]["coordinates"][:2]
            found.append((feature["properties"].get("Name") or "?", lon, lat, category))
    return found


def build(url, shared_data, folder):
    """A database made with the commands, then the activities added with the area codes ingest would give them."""
    lsoa_file, lsoas = _gm_lsoa_file(shared_data, folder)
    _run(url, "init")
    _run(url, "boundaries", "load", str(shared_data / WARDS), "--kind", "ward", "--vintage", "2023-05")
    _run(url, "boundaries", "load", str(shared_data / "boundaries/lad_dec2021_en_buc.geojson"), "--kind", "lad", "--vintage", "2021-12")
    for name in ("stats/imd2025_lsoa21_en.csv", "stats/population_mid2020_lsoa11_en.csv", "lookups/lsoa11_lsoa21_lad22_ew.csv",
                 "test_regions/trafford_ward_population_mid2024.csv"):
        _run(url, "stats", "load", str(shared_data / name))
    _run(url, "stats", "load", str(lsoa_file))
    engine = db.make_engine(url)
    with db.make_sessionmaker(engine).begin() as session:
        points = _points(shared_data)
        codes = load_area_index(session).assign([p[2] for p in points], [p[1] for p in points])
        for i, (name, lon, lat, category) in enumerate(points):
            fresh = category == "libraries"
            session.add(Activity(id=str(uuid.uuid4()), name=name, categories=[category], delivery=["in_person"], status="active",
                                 lat=lat, lon=lon, geom=f"SRID=4326;POINT({lon} {lat})", ward_code=codes["ward"][i], lad_code=codes["lad"][i],
                                 source="test", last_verified=NOW - dt.timedelta(days=10 if fresh else 900)))
    engine.dispose()
    return lsoas


@pytest.fixture(scope="module")
def real_sqlite(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("coverage_real")
    url = f"sqlite:///{folder / 'real.db'}"
    build(url, shared_data, folder)
    return url


def _csv_rows(text):
    return {row["code"]: row for row in csv.DictReader(io.StringIO(text))}


# --- independent sums ---------------------------------------------------------------------------

def _trafford_wards(shared_data):
    features = json.loads((shared_data / WARDS).read_text(encoding="utf-8"))["features"]
    return {f["properties"]["area_code"]: shapely.geometry.shape(f["geometry"]) for f in features
            if f["properties"]["local_authority_area_code"] == TRAFFORD}


def _ward_population(shared_data):
    with open(shared_data / "test_regions/trafford_ward_population_mid2024.csv", newline="", encoding="utf-8") as handle:
        return {row["area_code"]: int(row["all_ages"]) for row in csv.DictReader(handle) if row["sex"] == "Persons"}


def _lsoa21_population(shared_data):
    """Mid-2020 people on 2021 LSOAs: a split 2011 LSOA's people shared equally among its parts."""
    with open(shared_data / "stats/population_mid2020_lsoa11_en.csv", newline="", encoding="utf-8") as handle:
        old = {row["LSOA11CD"]: int(row["POP_ALL"]) for row in csv.DictReader(handle)}
    with open(shared_data / "lookups/lsoa11_lsoa21_lad22_ew.csv", newline="", encoding="utf-8") as handle:
        pairs = [(row["LSOA11CD"], row["LSOA21CD"]) for row in csv.DictReader(handle)]
    parts = {}
    for a, _ in pairs:
        parts[a] = parts.get(a, 0) + 1
    new = {}
    for a, b in pairs:
        if a in old:
            new[b] = new.get(b, 0) + old[a] / parts[a]
    return new


def test_trafford_wards_figures_match_independent_sums(real_sqlite, shared_data):
    rows = _csv_rows(_run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--format", "csv"))
    wards = _trafford_wards(shared_data)
    assert set(rows) == set(wards) and len(rows) == 21
    points = _points(shared_data)
    population = _ward_population(shared_data)
    for code, shape in wards.items():
        inside = [p for p in points if shape.covers(shapely.Point(p[1], p[2]))]
        row = rows[code]
        assert int(row["activities"]) == len(inside), row["name"]
        assert int(row["activities_fresh"]) == sum(1 for p in inside if p[3] == "libraries")
        assert int(row["population"]) == population[code]           # the ward's own estimate beats summed LSOAs
        if inside:
            assert float(row["per_10k"]) == pytest.approx(len(inside) * 10_000 / population[code], abs=0.01)
        assert int(row["reach"]) >= int(row["activities"])
    assert sum(int(r["activities"]) for r in rows.values()) >= 10      # Trafford has libraries and food banks
    assert [int(r["imd_rank"]) for r in rows.values() if r["imd_rank"]]   # ranked among Greater Manchester's wards
    gaps = [float(r["gap_score"]) for r in rows.values()]
    assert gaps == sorted(gaps, reverse=True)                             # highest gap first


def test_trafford_deprivation_and_council_population_match_independent_sums(real_sqlite, shared_data):
    lsoa = json.loads((_tmp(real_sqlite) / "lsoa21_gm.geojson").read_text(encoding="utf-8"))["features"]
    people = _lsoa21_population(shared_data)
    with open(shared_data / "stats/imd2025_lsoa21_en.csv", newline="", encoding="utf-8") as handle:
        imd = {row["LSOA21CD"]: (float(row["IMD_score"]), int(row["IMD_decile"])) for row in csv.DictReader(handle)}
    wards = _trafford_wards(shared_data)
    in_ward = {}
    for feature in lsoa:
        point = shapely.point_on_surface(shapely.geometry.shape(feature["geometry"]))
        for code, shape in wards.items():
            if shape.covers(point):
                in_ward[feature["properties"]["LSOA21CD"]] = code
                break
    rows = _csv_rows(_run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--format", "csv"))
    for code in wards:
        members = [c for c, w in in_ward.items() if w == code]
        weight = sum(people[c] for c in members)
        score = sum(people[c] * imd[c][0] for c in members) / weight
        share = sum(people[c] for c in members if imd[c][1] == 1) / weight
        assert float(rows[code]["imd_score"]) == pytest.approx(score, abs=0.006), rows[code]["name"]
        assert float(rows[code]["deprived_share"]) == pytest.approx(share, abs=0.0006)
    council = _csv_rows(_run(real_sqlite, "coverage", "--level", "lad", "--format", "csv"))[TRAFFORD]
    assert int(council["population"]) == round(sum(people[c] for c in in_ward))
    assert int(council["activities"]) == sum(int(r["activities"]) for r in rows.values())


def _tmp(url):
    from pathlib import Path

    return Path(url.removeprefix("sqlite:///")).parent


def test_fresh_only_and_geojson(real_sqlite):
    fresh = json.loads(_run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--fresh-only", "--format", "json"))
    gaps = [r["gap_score"] for r in fresh["rows"]]
    assert gaps == sorted(gaps, reverse=True) and "percentile" in fresh["gap_score_rule"]
    collection = json.loads(_run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--format", "geojson"))
    assert len(collection["features"]) == 21 and all(f["geometry"] for f in collection["features"])


def test_board_map_html_is_written(real_sqlite, tmp_path):
    _run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--format", "html", "--out", str(tmp_path / "board.html"))
    assert "Old Trafford" in (tmp_path / "board.html").read_text(encoding="utf-8")


def test_place_again_after_new_wards(real_sqlite):
    assert "Placed" in _run(real_sqlite, "stats", "place")
    rows = _csv_rows(_run(real_sqlite, "coverage", "--level", "ward", "--within", TRAFFORD, "--format", "csv"))
    assert len(rows) == 21 and all(r["imd_rank"] for r in rows.values())


@pytest.mark.postgis
def test_postgis_gives_the_same_figures(real_sqlite, shared_data, postgis_url, tmp_path):
    name = f"coverage_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False)
    try:
        build(url, shared_data, tmp_path)
        for level in ("ward", "lad"):
            args = ["coverage", "--level", level, "--format", "csv"] + (["--within", TRAFFORD] if level == "ward" else [])
            on_pg, on_sqlite = _csv_rows(_run(url, *args)), _csv_rows(_run(real_sqlite, *args))
            assert on_pg == on_sqlite
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
