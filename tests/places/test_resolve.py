"""``assetmap locate``: one query, bulk CSV, and the accuracy of the whole path on real truth sets."""

import csv
import json

import pytest
from click.testing import CliRunner

from assetmap import cli, db
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.areas.queries import load_area_index
from assetmap.places.resolve import locate_many


@pytest.fixture(scope="session")
def england_db(tmp_path_factory, shared_data):
    """A SpatiaLite file with all England wards (Dec 2021) and the ward → LAD → STP/ICB lookup."""
    url = f"sqlite:///{tmp_path_factory.mktemp('england') / 'england.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    with db.make_sessionmaker(engine).begin() as session:
        load_boundaries(session, shared_data / "boundaries/wards_dec2021_en_bsc.geojson", "ward", "2021-12")
        load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    yield url
    engine.dispose()


@pytest.fixture(scope="session")
def england_index(england_db):
    engine = db.make_engine(england_db)
    with db.make_sessionmaker(engine)() as session:
        return load_area_index(session)


@pytest.mark.parametrize(
    "query, precision, ward, flags",
    [
        ("M33 7XW", "postcode", "E05000833", []),
        ("53.42,-2.34", "coordinates", "E05000834", []),
        ("-2.34,53.42", "none", None, ["swapped_coordinates"]),
        ("48.85,2.35", "none", None, ["outside_uk"]),
        ("M32 0Q", "none", None, ["invalid_postcode"]),
        ("M33 9ZZ", "none", None, ["unknown_postcode"]),
        ("EH1 1YZ", "postcode", None, ["outside_coverage"]),  # Edinburgh: real, but no English ward
    ],
)
def test_locate_one(query, precision, ward, flags, postcodes, england_index):
    location = locate_many([query], postcodes, england_index)[0]
    assert (location.precision, location.areas["ward"], location.flags) == (precision, ward, flags)


def test_unknown_postcode_uses_district_centre_only_when_asked(postcodes, england_index):
    location = locate_many(["M33 9ZZ"], postcodes, england_index, allow_district=True)[0]
    assert location.precision == "district" and location.flags == ["unknown_postcode"]
    assert location.areas["lad"] == "E08000009"


def test_glossop_is_greater_manchester_stp_though_high_peak_is_derbyshire(postcodes, england_index):
    location = locate_many(["SK13 8AA"], postcodes, england_index)[0]
    assert location.areas["lad"] == "E07000037" and location.areas["stp"] == "E54000007"


def _run(args, url, settings):
    env = {"DATABASE_URL": url, "ASSETMAP_CACHE_DIR": settings.cache_dir}
    return CliRunner().invoke(cli.main, args, env=env, catch_exceptions=False)


def test_cli_locate_prints_the_json_contract(england_db, settings):
    result = _run(["locate", "m33  7xw"], england_db, settings)
    data = json.loads(result.output)
    assert set(data) == {"query", "lat", "lon", "precision", "areas", "flags"}
    assert data["areas"] == {"ward": "E05000833", "lad": "E08000009", "stp": "E54000007", "icb": "E54000057"}


def test_cli_locate_file_adds_columns_and_keeps_rows(england_db, settings, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,postcode\nA,M33 7XW\nB,nonsense\nC,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _run(["locate", "--file", str(source), "--column", "postcode", "--out", str(out)], england_db, settings)
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["A", "B", "C"]
    assert rows[0]["ward"] == "E05000833" and rows[0]["precision"] == "postcode"
    assert rows[1]["flags"] == "invalid_postcode" and rows[1]["lat"] == ""
    assert list(rows[0])[-8:] == ["lat", "lon", "precision", "ward", "lad", "stp", "icb", "flags"]


def test_cli_locate_with_no_boundaries_says_what_to_do(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(cli.main, ["locate", "M33 7XW"], env={"DATABASE_URL": url, "ASSETMAP_CACHE_DIR": settings.cache_dir})
    assert result.exit_code == 1 and "No boundaries loaded" in result.output


def test_cli_locate_file_with_wrong_column_names_the_columns(england_db, settings, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,pc\nA,M33 7XW\n")
    result = _run(["locate", "--file", str(source), "--out", str(tmp_path / "o.csv")], england_db, settings)
    assert result.exit_code == 1 and "no column 'postcode'; columns are: name, pc" in result.output


@pytest.mark.slow
def test_accuracy_postcode_to_ward_in_trafford_2023_wards(postcodes, shared_data, session, capsys):
    """Truth: ONSPD Feb 2025 wards for 11,264 Trafford postcodes; target ≥ 99.5 % exact."""
    load_boundaries(session, shared_data / "test_regions/gm_wards_may2023_bgc.geojson", "ward", "2023-05",
                    code_field="area_code", name_field="area_name")
    index = load_area_index(session, kinds=("ward",))
    truth = list(csv.DictReader((shared_data / "postcodes/trafford_postcodes_onspd_feb2025.csv").open(encoding="utf-8")))
    located = locate_many([row["postcode"] for row in truth], postcodes, index)
    exact = sum(loc.areas["ward"] == row["ward_code"] for loc, row in zip(located, truth))
    share = exact / len(truth)
    with capsys.disabled():
        print(f"\npostcode → ward (Trafford, May 2023 wards): {exact}/{len(truth)} = {share:.2%}")
    assert share >= 0.995


@pytest.mark.slow
def test_accuracy_postcode_to_lad_through_ward_polygons(postcodes, england_index, shared_data, capsys):
    """Truth: NSPD Nov 2025 LAD for 6,800 postcodes in 17 LADs; target ≥ 99 %."""
    truth = list(csv.DictReader((shared_data / "postcodes/postcodes_focus_lads_nspd_nov2025_sample.csv").open(encoding="utf-8")))
    located = locate_many([row["PCDS"] for row in truth], postcodes, england_index)
    exact = sum(loc.areas["lad"] == row["LAD25CD"] for loc, row in zip(located, truth))
    share = exact / len(truth)
    with capsys.disabled():
        print(f"\npostcode → LAD via Dec 2021 ward polygons: {exact}/{len(truth)} = {share:.2%}")
    assert share >= 0.99
