"""Linked tables (services, locations, organisations; the Open Referral tabular layout) joined into placed activities."""

import collections
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.ingest import run_ingest
from assetmap.ingest.clean import clean_row, record_key, stable_id
from assetmap.ingest.names import NameIndex, is_near_miss, resolve_names
from assetmap.ingest.readers import RawRow, read_tables, sniff_format
from assetmap.ingest.roles import table_role
from assetmap.models import Activity, Organisation

LINKED = Path(__file__).resolve().parent.parent / "data" / "linked"
HANDKEPT, ORUK = LINKED / "handkept", LINKED / "oruk"
SERVICE_ROWS = 9     # handkept/services.csv: 8 services and a blank row
FOLDED = ("location", "linked")


def outcomes(report, file_name):
    return [(r.line, r.outcome, r.reasons) for r in report.rows if Path(r.file.split("#")[0]).name == file_name or r.file.endswith(f"#{file_name}")]


def activities(session, source):
    return session.scalars(sa.select(Activity).where(Activity.source == source).order_by(Activity.name, Activity.venue)).all()


def assert_every_row_accounted_for(report, tables):
    rows_read = sum(len(t.rows) for t in tables)
    counts = report.counts
    assert counts["read"] == rows_read == len(report.rows)
    assert sum(v for k, v in counts.items() if k not in ("read", "closed")) == rows_read
    assert sum(t["read"] for t in report.to_json()["tables"]) == rows_read


# --- which table is which (pure) ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "columns", "role"), [
    ("services", ["Service", "Organisation", "Venue", "When", "Cost"], "services"),
    ("Sheet1", ["Activity", "Venue", "Address", "Post Code", "Lat", "Lng", "When"], "services"),
    ("venues", ["Venue name", "Address", "Postcode", "Accessibility"], "locations"),
    ("Sheet2", ["Venue", "Address", "Postcode"], "locations"),
    ("Venues", ["Name", "Postcode", "Opening hours"], "locations"),
    ("groups", ["Organisation", "Charity number", "Website", "Email"], "organisations"),
    ("Providers", ["Organisation name", "Website", "Address", "Postcode"], "organisations"),
    ("locations", ["id", "location_type", "name", "latitude", "longitude"], "locations"),
    ("organizations", ["id", "name", "description", "email", "website"], "organisations"),
    ("services", ["id", "organization_id", "name", "description", "status", "fees"], "services"),
    ("anything", ["id", "service_id", "location_id", "description"], "service_at_location"),
    ("phones", ["id", "service_id", "number"], "phones"),
    ("sheet", ["id", "service_id", "location_id", "service_at_location_id", "freq", "byday", "opens_at"], "schedules"),
    ("service_taxonomy", ["id", "service_id", "taxonomy_id"], "service_taxonomy"),
    ("Notes", ["Read me first", "Version"], None),
])
def test_tables_are_recognised_by_their_columns_and_names(name, columns, role):
    assert table_role(name, columns) == role


@pytest.mark.parametrize(("given", "known", "near"), [
    ("stretford libary", "stretford library", True),
    ("brooklans scout hut", "brooklands scout hut", True),
    ("scout hut brooklands", "brooklands scout hut", True),
    ("scouthut", "scout hut", True),
    ("hale library", "sale library", False),          # short words are usually different places
    ("lostok comunity centre", "lostock community centre", False),   # two slips in three words: too far to guess
    ("group 7", "group 1", False),
    ("sale moor library", "sale library", False),
])
def test_near_misses_are_slips_not_different_names(given, known, near):
    assert is_near_miss(given, known) is near


def test_names_docstring_examples_hold():
    import doctest

    from assetmap.ingest import names

    result = doctest.testmod(names)
    assert result.attempted > 0 and result.failed == 0


def test_names_join_ignoring_case_spacing_punctuation_and_and_a_leading_the():
    index = NameIndex()
    index.add("arts", "The Stretford Arts & Crafts Collective")
    index.add("hall", "Sale Library, Tatton Road")
    index.add("church", "Broad Road Baptist Church")
    assert [(m.item, m.how) for m in resolve_names("stretford arts and crafts collective", index)] == [("arts", "exact")]
    assert [(m.item, m.how) for m in resolve_names("Sale Library, Tatton Road", index)] == [("hall", "exact")]
    assert [(m.item, m.how) for m in resolve_names("Broad Road  Baptist Church;\nOnline, Sale Library, Tatton Road", index, channels=True)] == [
        ("church", "exact"), ("online", "channel"), ("hall", "exact")]
    assert [(m.given, m.how) for m in resolve_names("Partington Village Hall", index)] == [("Partington Village Hall", "none")]


# --- hand-kept tables joined by name --------------------------------------------------------------

def test_services_are_placed_at_the_venues_they_name_with_lists_and_misspellings(ingest, session):
    report = ingest(HANDKEPT)
    assert report.format == "tables" and report.profile == "linked tables"
    stored = {(a.name, a.venue): a for a in activities(session, "handkept")}
    assert stored[("Chair yoga", "Broad Road Baptist Church")].postcode == "M33 2JB"
    assert stored[("Cuppa and chat", "Lostock Community Centre")].precision == "postcode"     # "lostock  community centre"
    assert stored[("Scout games night", "Brooklands Scout Hut")].postcode == "M33 2TB"         # "Brooklans Scout Hut": a near miss
    assert stored[("Craft club", "Old Trafford Methodist Church")].precision == "coordinates"
    assert stored[("Wellbeing chat", None)].delivery == ["online"]
    assert stored[("Table tennis", "Sale Sports & Social Club")].lad_code == "E08000009"        # "Sale Sprots and Social Club, Online"
    assert stored[("Table tennis", None)].delivery == ["online"]
    assert stored[("Bingo", "Lostok Comunity Centre")].precision == "none"                     # two slips: not guessed
    placed = [a for a in stored.values() if a.precision != "none"]
    assert len(placed) == 7 and {a.ward_code is not None for a in placed} == {True}


def test_near_misses_and_unresolved_names_are_listed_with_file_and_line(ingest):
    report = ingest(HANDKEPT)
    listed = {(Path(p.file).name, p.line, p.problem.reason, p.problem.value) for p in report.problems}
    assert {
        ("services.csv", 5, "near_match_organisation", "Lostock Good Nieghbours"),
        ("services.csv", 8, "near_match_location", "Brooklans Scout Hut"),
        ("services.csv", 8, "unresolved_organisation", "Brooklands Scouts"),
        ("services.csv", 10, "near_match_location", "Sale Sprots and Social Club"),
        ("services.csv", 11, "unresolved_location", "Lostok Comunity Centre"),
    } <= listed
    assert outcomes(report, "services.csv")[0] == (2, "accepted", [])
    assert (11, "flagged", ["unresolved_location"]) in outcomes(report, "services.csv")


def test_a_service_at_two_venues_is_two_placed_activities_with_ids_from_service_and_venue(ingest, session):
    report = ingest(HANDKEPT)
    knit = [a for a in activities(session, "handkept") if a.name == "Knit and natter"]
    assert sorted((a.venue, a.postcode) for a in knit) == [("Broad Road Baptist Church", "M33 2JB"), ("Lostock Community Centre", "M32 9RU")]
    assert {a.precision for a in knit} == {"postcode"}
    (row,) = [r for r in report.rows if r.line == 3 and r.file.endswith("services.csv")]
    assert row.outcome == "accepted" and sorted(row.ids) == sorted(a.id for a in knit)
    base = record_key(None, "Knit and natter", None)
    venues = ("broad road baptist church", "lostock community centre")
    assert {a.id for a in knit} == {stable_id("activity", "handkept", f"{base}|at:name:{v}") for v in venues}
    assert report.to_json()["rows"][row_index(report, row)]["ids"] == row.ids


def row_index(report, row):
    return report.rows.index(row)


def test_a_service_at_one_venue_keeps_the_id_a_single_sheet_gives_it(ingest, session, today):
    ingest(HANDKEPT)
    joined = session.scalars(sa.select(Activity).where(Activity.name == "Chair yoga")).one()
    alone = clean_row(RawRow("sheet.csv", 2, {"Activity": "Chair yoga", "Venue": "Broad Road Baptist Church",
                                              "Address": "11 Broad Road, Sale Moor", "Post Code": "M33 2JB"}), today, "handkept")
    assert joined.id == alone.id


def test_location_and_organisation_rows_never_become_activities(ingest, session):
    report = ingest(HANDKEPT)
    names = {a.name for a in activities(session, "handkept")}
    assert not names & {"Walton Park", "Brooklands Scout Hut", "Sale Moor Community Hub", "Lostock Good Neighbours"}
    assert [o for _, o, _ in outcomes(report, "venues.csv")] == ["location"] * 6
    assert outcomes(report, "venues.csv")[-1] == (7, "location", ["unused"])
    assert [o for _, o, _ in outcomes(report, "organisations.csv")] == ["accepted"] * 3
    orgs = {o.name: o for o in session.scalars(sa.select(Organisation).where(Organisation.source == "handkept"))}
    assert {"Sale Moor Community Hub", "Lostock Good Neighbours", "The Stretford Arts & Crafts Collective", "Brooklands Scouts"} == set(orgs)
    cuppa = session.scalars(sa.select(Activity).where(Activity.name == "Cuppa and chat")).one()
    assert cuppa.organisation_id == orgs["Lostock Good Neighbours"].id


def test_every_row_of_every_table_is_accounted_for(ingest):
    report = ingest(HANDKEPT)
    assert_every_row_accounted_for(report, read_tables(HANDKEPT))
    assert report.counts | {"closed": 0} == {"read": 18, "accepted": 7, "updated": 0, "unchanged": 0, "flagged": 4, "rejected": 0,
                                             "duplicate": 0, "blank": 1, "location": 6, "closed": 0}
    tables = {Path(t["file"]).name: t for t in report.to_json()["tables"]}
    assert tables["services.csv"] == {"file": str(HANDKEPT / "services.csv"), "table": "services", "read": SERVICE_ROWS,
                                      "accepted": 4, "flagged": 4, "blank": 1}


def test_rerunning_the_folder_changes_nothing(ingest, session):
    first = ingest(HANDKEPT)
    before = {a.id: (a.last_modified, a.venue, a.postcode) for a in activities(session, "handkept")}
    second = ingest(HANDKEPT)
    assert collections.Counter(r.outcome for r in second.rows) == {"unchanged": 11, "location": 6, "blank": 1}
    assert [r.ids for r in second.rows] == [r.ids for r in first.rows]
    assert {a.id: (a.last_modified, a.venue, a.postcode) for a in activities(session, "handkept")} == before
    assert second.changed_ids == [] and second.closed == []


def test_a_changed_venue_moves_the_activities_there(ingest, session, tmp_path):
    folder = tmp_path / "handkept"
    shutil.copytree(HANDKEPT, folder)
    ingest(folder)
    knit = {a.id for a in activities(session, "handkept") if a.name == "Knit and natter"}
    venues = folder / "venues.csv"
    venues.write_text(venues.read_text(encoding="utf-8").replace("M33 2JB", "M33 2HT"), encoding="utf-8")
    report = ingest(folder)
    moved = [a for a in activities(session, "handkept") if a.venue == "Broad Road Baptist Church" and a.status != "closed"]
    assert sorted((a.name, a.postcode) for a in moved) == [("Chair yoga", "M33 2HT"), ("Knit and natter", "M33 2HT")]
    assert {a.id for a in activities(session, "handkept") if a.name == "Knit and natter"} == knit   # service × venue: the same records
    (knit_row,) = [r for r in report.rows if r.line == 3 and r.file.endswith("services.csv")]
    assert knit_row.outcome == "updated"


# --- Open Referral tabular layout joined by id ----------------------------------------------------

def test_open_referral_tables_are_joined_by_id(ingest, session):
    report = ingest(ORUK)
    assert report.profile == "oruk-tabular"
    stored = {(a.name, a.venue): a for a in activities(session, "oruk")}
    walk = stored[("Davyhulme Park Health Walk", "Davyhulme Park")]
    assert (walk.precision, walk.schedule, walk.categories) == ("coordinates", ["tue morning"], ["walking"])
    church = stored[("Carers' Coffee Morning", "Urmston Community Church")]
    assert (church.postcode, church.precision, church.phone) == ("M41 9HB", "postcode", "0161 496 0123")
    assert stored[("Carers' Coffee Morning", "Davyhulme Park")].precision == "coordinates"
    assert stored[("Carers' Online Support", None)].delivery == ["online"]
    carers = session.scalars(sa.select(Organisation).where(Organisation.name == "Urmston Carers")).one()
    assert church.organisation_id == carers.id and walk.organisation.name == "Trafford Walking Network"
    assert session.scalars(sa.select(Activity).where(Activity.name == "Unused Hall")).all() == []


def test_open_referral_rows_are_all_accounted_for_and_bad_links_listed(ingest):
    report = ingest(ORUK)
    assert_every_row_accounted_for(report, read_tables(ORUK))
    assert outcomes(report, "service_at_location.csv")[-1] == (6, "rejected", ["unresolved_location"])
    assert outcomes(report, "locations.csv")[-1] == (5, "location", ["unused"])
    assert (5, "flagged", ["unresolved_organisation"]) in outcomes(report, "services.csv")
    assert {o for t in ("phones.csv", "schedules.csv", "addresses.csv", "taxonomy_terms.csv", "service_taxonomy.csv")
            for _, o, _ in outcomes(report, t)} == {"linked"}
    second = ingest(ORUK)
    assert {r.outcome for r in second.rows} == {"unchanged", "location", "linked", "rejected"}


# --- one workbook, three sheets ------------------------------------------------------------------

def write_workbook(path):
    import openpyxl

    book = openpyxl.Workbook()
    for i, name in enumerate(("services", "venues", "organisations")):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = name.capitalize()
        with open(HANDKEPT / f"{name}.csv", encoding="utf-8", newline="") as handle:
            import csv

            for cells in csv.reader(handle):
                sheet.append([c or None for c in cells])
    book.save(path)
    return path


def test_a_workbook_with_three_sheets_is_read_as_linked_tables(ingest, session, tmp_path):
    path = write_workbook(tmp_path / "directory.xlsx")
    assert sniff_format(path) == "tables"
    report = ingest(path)
    assert_every_row_accounted_for(report, read_tables(path))
    assert {t["table"] for t in report.to_json()["tables"]} == {"services", "locations", "organisations"}
    knit = [a for a in activities(session, "directory") if a.name == "Knit and natter"]
    assert sorted(a.postcode for a in knit) == ["M32 9RU", "M33 2JB"]
    assert report.to_json()["rows"][0]["file"] == f"{path}#Services"


def test_a_workbook_with_one_sheet_of_activities_is_still_one_spreadsheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Activity", "Venue", "Post Code"])
    book.create_sheet("Notes").append(["Read me first"])
    book.save(tmp_path / "groups.xlsx")
    assert sniff_format(tmp_path / "groups.xlsx") == "xlsx"


# --- the command ------------------------------------------------------------------------------------

def test_ingest_command_takes_a_folder_and_writes_the_report(fresh_db, tmp_path, monkeypatch):
    settings, _, _ = fresh_db
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSETMAP_INDEX_DIR", settings.index_dir)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["ingest", str(HANDKEPT), "--dry-run", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "services.csv (services): read 9" in result.output
    data = json.loads(out.read_text())
    assert data["counts"]["read"] == 18 and data["counts"]["location"] == 6
    assert {row["file"] for row in data["rows"]} == {str(HANDKEPT / n) for n in ("services.csv", "venues.csv", "organisations.csv")}


def test_a_folder_with_no_tables_is_a_read_error(ingest, tmp_path):
    from assetmap.ingest import ReadError

    with pytest.raises(ReadError, match="no CSV or XLSX files"):
        ingest(tmp_path)


# --- the demo's linked directory ------------------------------------------------------------------

def test_demo_linked_directory_joins_and_places_its_services(session, settings, postcodes, area_index):
    import dataclasses
    import datetime as dt

    from assetmap.config import PROJECT_ROOT
    from assetmap.demo import DEMO_FILES

    folder = PROJECT_ROOT / "data" / "demo_linked"
    assert ("demo_linked", "demo-linked") in DEMO_FILES
    now = dataclasses.replace(settings, clock=lambda: dt.datetime.now(dt.UTC))   # the demo's check dates age with the real date
    report = run_ingest(folder, session, now, source="demo-linked", postcodes=postcodes, area_index=area_index)
    assert_every_row_accounted_for(report, read_tables(folder))
    reasons = collections.Counter(p.problem.reason for p in report.problems)
    assert reasons == {"near_match_location": 1, "near_match_organisation": 1, "unresolved_location": 1}
    stored = activities(session, "demo-linked")
    assert len(stored) == 35 and not {a.name for a in stored} & {"Walton Park", "Lostock Good Neighbours"}
    placed = [a for a in stored if a.precision != "none"]
    assert len(placed) == 29 and {a.lad_code for a in placed} == {"E08000009"}
    assert {tuple(a.delivery) for a in stored if a.precision == "none"} == {("online",), ("telephone",), ("in_person",)}
