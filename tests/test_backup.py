"""`assetmap export` / `assetmap import`: the demo directory round-trips through the open format on both backends, row by row."""

import dataclasses
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from assetmap import changes, cli, db, sources
from assetmap.areas.boundaries import load_boundaries, load_lookup
from assetmap.backup import SKIPPED, export_database, exported_tables
from assetmap.demo import DEMO_FILES, add_demo_accounts, add_demo_checks
from assetmap.ingest import ingest_file
from assetmap.models import Activity, DeprivationScore, PopulationEstimate, SearchLog, SmallArea, UsedToken
from assetmap.search import SearchParams, search_activities
from tests.factories import new_pg_database

from .conftest import FIXED_NOW

# Every kind of thing a directory keeps must be in the demo export, so the round trip proves each one.
MUST_HOLD = ["organisation", "activity", "verification", "ingest_run", "rejected_row", "duplicate_link", "duplicate_group",
             "audit_entry", "field_edit", "search_log", "app_user", "activity_use", "problem_report", "used_token",
             "ingest_failure", "small_area", "population_estimate", "deprivation_score"]
BAD_ROWS = "Activity,Description,Post Code\nBackup test choir,Singing,M33 7XW\n,Only a description: rejected,M33 7ZF\n"
TEST_DATA = Path(__file__).parent / "data"


def _build_demo(settings, folder: Path, shared_data: Path) -> None:
    """The demo directory (its three sample sources, accounts and checks) plus one of everything else a directory keeps."""
    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        load_boundaries(session, shared_data / "test_regions/wards_dec2021_focus_stps.geojson", "ward", "2021-12")
        load_lookup(session, shared_data / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv")
    for name, source in DEMO_FILES:
        ingest_file(settings, sessions, Path(settings.demo_data_dir) / name, source=source)
    (folder / "extra.csv").write_text(BAD_ROWS, encoding="utf-8")
    ingest_file(settings, sessions, folder / "extra.csv", source="extra")
    for name in ("duplicates_sheet.csv", "duplicates_oruk.json"):   # the same activities from two sources: linked duplicates
        ingest_file(settings, sessions, TEST_DATA / name)
    add_demo_accounts(settings, sessions, echo=lambda _line: None)
    add_demo_checks(settings, sessions)
    with sessions() as session:
        first, second = session.scalars(sa.select(Activity.id).order_by(Activity.name).limit(2)).all()
    with changes.writing(settings, sessions, changes.editor_actor("editor@demo.example")) as tx:
        tx.edit_activity(first, {"cost_text": "£2 a session (checked by phone)"})
        tx.report_problem(second, "stopped", "Nobody there last Tuesday")
    sources.record_failure(settings, sessions, "council-feed", "https://example.org/feed", "HTTP 500")
    with sessions.begin() as session:
        session.add_all([
            UsedToken(token_hash="ab" * 32, organisation_id=str(uuid.uuid4()), used_at=FIXED_NOW),
            SearchLog(logged_at=FIXED_NOW, query="tai chi", filters={"day": ["mon"]}, area_code="E05000829", result_count=0),
            SmallArea(code="E01006097", vintage="2021", name="Trafford 001A", lat=53.4251, lon=-2.3255, centre_method="point_on_surface",
                      ward_code="E05000829", lad_code="E08000009"),
            PopulationEstimate(area_kind="lsoa", area_code="E01006097", year=2022, band="all", count=1612, source="test"),
            DeprivationScore(edition=2019, vintage="2011", lsoa_code="E01006097", score=None, rank=28000, decile=9, source="test"),
        ])
    with sessions() as session:
        from assetmap.search import build_index

        build_index(settings, session)
    engine.dispose()


@pytest.fixture(scope="module")
def demo(settings, tmp_path_factory, shared_data):
    """The demo database, its settings and its export (built once for the module)."""
    folder = tmp_path_factory.mktemp("backup")
    demo_settings = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'demo.db'}", index_dir=str(folder / "index"))
    _build_demo(demo_settings, folder, shared_data)
    engine = db.make_engine(demo_settings.database_url)
    export_database(engine, folder / "demo.zip", FIXED_NOW)
    engine.dispose()
    return demo_settings, folder / "demo.zip"


def _run(args, database_url, index_dir):
    env = {"DATABASE_URL": database_url, "ASSETMAP_INDEX_DIR": str(index_dir)}
    result = CliRunner().invoke(cli.main, args, env=env)
    return result.exit_code, result.output


def _tables(path) -> dict[str, list[str]]:
    """Each table's rows as the export writes them (sorted: the order of text keys differs between databases)."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        return {name: sorted(archive.read(f"tables/{name}.jsonl").decode().splitlines()) for name in manifest["tables"]}


def _assert_same_rows(expected_path, actual_path):
    expected, actual = _tables(expected_path), _tables(actual_path)
    assert list(expected) == list(actual)
    for name in expected:
        assert len(expected[name]) == len(actual[name]), f"{name}: {len(expected[name])} rows exported, {len(actual[name])} after the round trip"
        for before, after in zip(expected[name], actual[name]):
            assert before == after, f"{name} differs after the round trip:\n{before}\n{after}"


def _search_total(settings, text: str) -> int:
    engine = db.make_engine(settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        total = search_activities(session, settings, SearchParams(text=text)).total
    engine.dispose()
    return total


def test_the_export_is_the_documented_open_format_with_every_table_and_no_clear_passwords(demo):
    _, path = demo
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
        everything = b"".join(archive.read(name) for name in names)
    assert manifest["format"] == "assetmap-export" and manifest["format_version"] == 1 and manifest["schema_revision"]
    assert set(manifest["tables"]) == {t.name for t in exported_tables()} and "area" in manifest["skipped"] and "area" in SKIPPED
    assert set(names) == {"manifest.json"} | {f"tables/{name}.jsonl" for name in manifest["tables"]}
    empty = [name for name in MUST_HOLD if manifest["tables"][name]["rows"] == 0]
    assert not empty, f"the demo export should hold rows of every kind; empty: {empty}"
    assert b"demo-editor-password" not in everything and b"$argon2id$" in everything
    activity = json.loads(zipfile.ZipFile(path).read("tables/activity.jsonl").splitlines()[0])
    assert activity["geom"] is None or activity["geom"].startswith("SRID=4326;POINT")
    assert activity["last_ingested"].endswith("+00:00")


def test_the_demo_round_trips_through_spatialite_row_by_row_and_is_searchable(demo, tmp_path):
    settings, path = demo
    url, index = f"sqlite:///{tmp_path / 'restored.db'}", tmp_path / "index"
    code, output = _run(["import", str(path)], url, index)
    assert code == 0, output
    assert "search index rebuilt" in output
    code, output = _run(["export", str(tmp_path / "again.zip")], url, index)
    assert code == 0, output
    _assert_same_rows(path, tmp_path / "again.zip")
    restored = dataclasses.replace(settings, database_url=url, index_dir=str(index))
    assert _search_total(restored, "walking") == _search_total(settings, "walking") > 0


@pytest.mark.postgis
def test_the_demo_round_trips_through_postgis_row_by_row_and_is_searchable(demo, postgis_url, tmp_path):
    settings, path = demo
    url = new_pg_database(postgis_url, "backup")
    code, output = _run(["import", str(path)], url, tmp_path / "index")
    assert code == 0, output
    code, output = _run(["export", str(tmp_path / "from-postgis.zip")], url, tmp_path / "index")
    assert code == 0, output
    _assert_same_rows(path, tmp_path / "from-postgis.zip")
    restored = dataclasses.replace(settings, database_url=url)
    assert _search_total(restored, "walking") == _search_total(settings, "walking") > 0
    engine = db.make_engine(url)
    with engine.begin() as conn:   # the id sequences moved past the imported ids: the next row gets a new one
        conn.execute(sa.text("INSERT INTO search_log (logged_at, query, filters, result_count) VALUES (now(), 'x', '{}', 0)"))
    engine.dispose()


def test_a_database_with_data_is_refused_unless_replace(demo, tmp_path):
    _, path = demo
    url, index = f"sqlite:///{tmp_path / 'target.db'}", tmp_path / "index"
    assert _run(["import", str(path)], url, index)[0] == 0
    code, output = _run(["import", str(path)], url, index)
    assert code == 1 and "this database already holds data" in output and "--replace" in output
    code, output = _run(["import", str(path), "--replace"], url, index)
    assert code == 0, output
    assert _run(["export", str(tmp_path / "replaced.zip")], url, index)[0] == 0
    _assert_same_rows(path, tmp_path / "replaced.zip")


def _rewritten(path: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out


def test_another_schema_revision_or_a_damaged_file_is_refused_and_writes_nothing(demo, tmp_path):
    _, path = demo
    url, index = f"sqlite:///{tmp_path / 'target.db'}", tmp_path / "index"

    def old_revision(name, data):
        if name != "manifest.json":
            return data
        return json.dumps(json.loads(data) | {"schema_revision": "0001"})

    code, output = _run(["import", str(_rewritten(path, tmp_path / "old.zip", old_revision))], url, index)
    assert code == 1 and "exported at schema revision 0001" in output

    def lost_rows(name, data):
        return b"\n".join(data.splitlines()[:3]) + b"\n" if name == "tables/audit_entry.jsonl" else data

    code, output = _run(["import", str(_rewritten(path, tmp_path / "cut.zip", lost_rows))], url, index)
    assert code == 1 and "table audit_entry holds 3 rows, its manifest says" in output and "damaged" in output
    engine = db.make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0   # one transaction: nothing half-imported
    engine.dispose()
    shutil.copy(path, tmp_path / "plain.zip")
    (tmp_path / "not-a-zip.zip").write_text("hello")
    code, output = _run(["import", str(tmp_path / "not-a-zip.zip")], url, index)
    assert code == 1 and "cannot read it as an export" in output


def test_the_export_is_one_moment_even_while_the_site_writes(demo, tmp_path, monkeypatch):
    import assetmap.backup as backup

    settings, _ = demo
    shutil.copy(settings.database_url.removeprefix("sqlite:///"), tmp_path / "live.db")
    engine, writer = db.make_engine(f"sqlite:///{tmp_path / 'live.db'}"), db.make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    export_table, written = backup._export_table, []

    def write_between_tables(conn, table, archive):
        if not written and table.name != "search_log":   # once the export has begun, before search_log is read
            written.append(table.name)
            with writer.begin() as other:
                other.execute(sa.insert(SearchLog).values(logged_at=FIXED_NOW, query="written mid-export", filters={}, result_count=0))
        return export_table(conn, table, archive)

    monkeypatch.setattr(backup, "_export_table", write_between_tables)
    before = _tables(demo[1])["search_log"]
    export_database(engine, tmp_path / "live.zip", FIXED_NOW)
    assert written and _tables(tmp_path / "live.zip")["search_log"] == before
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(SearchLog)) == len(before) + 1
    engine.dispose()
    writer.dispose()
