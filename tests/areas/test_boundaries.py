import json

import pytest
import sqlalchemy as sa

from assetmap.areas.boundaries import BoundaryError, find_code_fields, load_boundaries, load_lookup, read_boundary_file
from assetmap.models import Area


@pytest.mark.parametrize(
    "columns, kind, expected",
    [
        (["WD21CD", "WD21NM", "LAD21CD"], "ward", ("WD21CD", "WD21NM")),
        (["LAD24CD", "LAD24NM", "RGN24CD"], "lad", ("LAD24CD", "LAD24NM")),
        (["ICB22CD", "ICB22CDH", "ICB22NM"], "icb", ("ICB22CD", "ICB22NM")),
        (["stp21cd", "stp21nm"], "stp", ("stp21cd", "stp21nm")),
        (["area_code", "area_name", "lon"], "ward", ("area_code", "area_name")),
    ],
)
def test_code_fields_are_detected(columns, kind, expected):
    assert find_code_fields(columns, kind) == expected


def test_file_without_code_fields_is_a_clear_error(shared_data):
    with pytest.raises(BoundaryError, match="no ward code column.*--code-field"):
        read_boundary_file(shared_data / "community/trafford_gp_practices.geojson", "ward")


def test_named_field_that_does_not_exist_is_a_clear_error(shared_data):
    with pytest.raises(BoundaryError, match="no column 'WD99CD'"):
        read_boundary_file(shared_data / "boundaries/stp_apr2021_en_buc.geojson", "stp", code_field="WD99CD")


def _write_geojson(path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def _square(x, y, size, code):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {"WD21CD": code, "WD21NM": f"Ward {code}"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_british_national_grid_file_is_reprojected_to_wgs84(tmp_path):
    path = _write_geojson(tmp_path / "bng.geojson", [_square(378000, 393000, 1000, "E05000001")], "urn:ogc:def:crs:EPSG::27700")
    layer = read_boundary_file(path, "ward")
    minx, miny, maxx, maxy = layer.geometries[0].bounds
    assert -2.4 < minx < -2.3 and 53.4 < miny < 53.5  # Sale, Trafford


def test_invalid_polygon_is_repaired_and_counted(tmp_path):
    bowtie = {"type": "Feature", "properties": {"WD21CD": "E05000002", "WD21NM": "Bow"},
              "geometry": {"type": "Polygon", "coordinates": [[[-2, 53], [-1.9, 53.1], [-1.9, 53], [-2, 53.1], [-2, 53]]]}}
    layer = read_boundary_file(_write_geojson(tmp_path / "bad.geojson", [bowtie]), "ward")
    assert layer.repaired == 1 and layer.geometries[0].is_valid


def _count(session, **where):
    query = sa.select(sa.func.count()).select_from(Area)
    for key, value in where.items():
        query = query.where(getattr(Area, key) == value)
    return session.scalar(query)


def test_reloading_a_vintage_replaces_it_and_newest_is_current(session, shared_data):
    path = shared_data / "boundaries/stp_apr2021_en_buc.geojson"
    first = load_boundaries(session, path, "stp", "2021-04")
    second = load_boundaries(session, path, "stp", "2021-04")
    assert (first.count, second.count, second.replaced) == (42, 42, 42)
    load_boundaries(session, path, "stp", "2099-01")
    assert _count(session, kind="stp", vintage="2021-04") == 42
    assert _count(session, kind="stp", is_current=True) == 42
    assert session.scalar(sa.select(Area.vintage).where(Area.kind == "stp", Area.is_current.is_(True)).limit(1)) == "2099-01"


def test_split_ward_code_becomes_one_area(session, tmp_path):
    parts = [_square(-2.0, 53.0, 0.01, "E05014284"), _square(-1.9, 53.0, 0.01, "E05014284")]
    result = load_boundaries(session, _write_geojson(tmp_path / "split.geojson", parts), "ward", "2022-12")
    assert result.count == 1


def test_lookup_sets_stp_from_the_lookup_not_the_lad(session, shared_data):
    """High Peak (E07000037) spans two STPs: Glossop wards are Greater Manchester, the rest Derbyshire."""
    load_boundaries(session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
    result = load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    assert result.wards_updated == 1037 and result.wards_missing == 7026 - 1037
    stps = {a.parent_codes["stp"] for a in session.scalars(sa.select(Area).where(Area.kind == "ward")) if a.parent_codes["lad"] == "E07000037"}
    assert stps == {"E54000007", "E54000012"}
    assert session.scalar(sa.select(Area.name).where(Area.kind == "icb", Area.code == "E54000057")) == "NHS Greater Manchester Integrated Care Board"


def test_lookup_without_ward_column_is_a_clear_error(session, tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_text("LAD21CD,STP21CD\nE08000009,E54000007\n")
    with pytest.raises(BoundaryError, match="no ward code column"):
        load_lookup(session, path)
