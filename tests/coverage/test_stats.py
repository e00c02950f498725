"""``stats load``: files recognised by their columns, loaded, and replaced (never duplicated) when loaded again."""

import json

import pytest
import sqlalchemy as sa

from assetmap.coverage.data import load_small_areas
from assetmap.coverage.stats import columns_of, load_file, recognise
from assetmap.errors import AssetmapError
from assetmap.models import DeprivationScore, LsoaBridge, PopulationEstimate, SmallArea

from . import toy

REAL = {
    "stats/population_mid2020_lsoa11_en.csv": "lsoa_population",
    "stats/imd2019_lsoa11_en.csv": "deprivation",
    "stats/imd2025_lsoa21_en.csv": "deprivation",
    "test_regions/trafford_ward_population_mid2024.csv": "ward_population",
    "lookups/lsoa11_lsoa21_lad22_ew.csv": "lsoa_bridge",
    "boundaries/lsoa_dec2011_en_simplified.geojson": "lsoa_boundaries",
    "boundaries/lsoa_dec2021_en_bsc.geojson": "lsoa_boundaries",
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files_are_recognised(shared_data, name):
    path = shared_data / name
    assert recognise(path, columns_of(path)) == REAL[name]


def test_unrecognised_file_names_file_and_columns(shared_data, session):
    path = shared_data / "lookups/area_names.csv"
    with pytest.raises(AssetmapError) as caught:
        load_file(session, path)
    assert "area_names.csv" in caught.value.message and "AREA_TYPE" in caught.value.message and "IMD_rank" in caught.value.message


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_population_by_lsoa_loads_and_reloads(session, tmp_path):
    path = write(tmp_path / "population_mid2020_toy.csv",
                 '"LSOA11CD","LSOA11NM","POP_ALL","POP_0_17","POP_18_64","POP_65_PLUS","POP_75_PLUS","POP_85_PLUS"\n'
                 '"TOYP1","Toy 1",100,20,50,30,10,2\n"TOYP2","Toy 2",60,10,40,10,5,1\n')
    report = load_file(session, path)
    assert report.kind == "population by LSOA" and report.rows == 2
    load_file(session, path)
    assert count(session, PopulationEstimate, PopulationEstimate.area_code.like("TOYP%")) == 12   # 2 areas × 6 bands, once
    assert session.scalar(sa.select(PopulationEstimate.count).where(
        PopulationEstimate.area_code == "TOYP1", PopulationEstimate.band == "65_plus", PopulationEstimate.year == 2020)) == 30


def test_ward_population_reads_persons_only(session, shared_data):
    load_file(session, shared_data / "test_regions/trafford_ward_population_mid2024.csv")
    load_file(session, shared_data / "test_regions/trafford_ward_population_mid2024.csv")
    rows = dict(session.execute(sa.select(PopulationEstimate.area_code, PopulationEstimate.count).where(
        PopulationEstimate.area_kind == "ward", PopulationEstimate.year == 2024, PopulationEstimate.band == "all")).all())
    assert len(rows) == 21 and rows["E05015239"] == 11278        # Altrincham, Persons (Females 5653 are not read)


def test_deprivation_with_and_without_scores(session, tmp_path):
    old = write(tmp_path / "imd2019_toy.csv", '"LSOA11CD","IMD_decile","IMD_rank"\n"TOYD1",1,12\n')
    new = write(tmp_path / "imd2025_toy.csv", '"LSOA21CD","IMD_decile","IMD_rank","IMD_score"\n"TOYD2",3,4000,30.5\n')
    assert "no scores" in load_file(session, old).detail
    assert "with scores" in load_file(session, new).detail
    load_file(session, new)
    got = session.execute(sa.select(DeprivationScore.edition, DeprivationScore.vintage, DeprivationScore.score, DeprivationScore.rank)
                          .where(DeprivationScore.lsoa_code.like("TOYD%")).order_by(DeprivationScore.edition)).all()
    assert [tuple(r) for r in got] == [(2019, "2011", None, 12), (2025, "2021", 30.5, 4000)]


def test_bad_number_names_line_and_column(session, tmp_path):
    path = write(tmp_path / "imd2025_bad.csv", '"LSOA21CD","IMD_decile","IMD_rank"\n"TOYD1",x,1\n')
    with pytest.raises(AssetmapError, match="line 2, column IMD_decile"):
        load_file(session, path)


def test_boundaries_give_centres_placed_in_wards(session, tmp_path):
    toy.add_areas(session)
    session.flush()
    lat, lon = toy.latlon(1, 2)
    d = 0.001
    ring = f"[[{lon - d},{lat - d}],[{lon + d},{lat - d}],[{lon + d},{lat + d}],[{lon - d},{lat + d}],[{lon - d},{lat - d}]]"
    feature = {"type": "Feature", "properties": {"LSOA21CD": "TOYB1", "LSOA21NM": "Toy B1"},
               "geometry": {"type": "Polygon", "coordinates": [json.loads(ring)]}}
    path = write(tmp_path / "lsoa_toy.geojson", '{"type":"FeatureCollection","features":[\n' + json.dumps(feature) + '\n]}\n')
    load_file(session, path)
    load_file(session, path)
    rows = session.execute(sa.select(SmallArea).where(SmallArea.code == "TOYB1")).scalars().all()
    assert len(rows) == 1
    assert (rows[0].ward_code, rows[0].lad_code, rows[0].icb_code) == ("TOYW3", "TOYL2", toy.ICB)
    assert rows[0].lat == pytest.approx(lat, abs=1e-5) and rows[0].centre_method == "point_on_surface"


def test_population_bridged_from_2011_to_2021(session, tmp_path):
    session.add_all([SmallArea(code="TOYN1", vintage="2021", name="", lat=1.0, lon=1.0, centre_method="test"),
                     SmallArea(code="TOYN2", vintage="2021", name="", lat=1.0, lon=1.0, centre_method="test")])
    session.flush()
    load_file(session, write(tmp_path / "population_mid2020_b.csv", '"LSOA11CD","POP_ALL"\n"TOYO1",90\n"TOYO2",10\n'))
    load_file(session, write(tmp_path / "bridge.csv", '"LSOA11CD","LSOA21CD","CHGIND","LAD22CD"\n'
                                                      '"TOYO1","TOYN1","S","x"\n"TOYO1","TOYN2","S","x"\n"TOYO2","TOYN2","M","x"\n'))
    assert count(session, LsoaBridge) == 3
    small = load_small_areas(session, "2021")
    people = dict(zip(small.codes, small.population.tolist()))
    assert (people["TOYN1"], people["TOYN2"]) == (45.0, 55.0)      # TOYO1 split in two, TOYN2 also gets all of TOYO2
