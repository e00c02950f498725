"""run_ingest and ingest_file against a real SpatiaLite database: idempotency, closing, dry runs, crashes."""

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from assetmap.ingest import ingest_file, load, run_ingest
from assetmap.models import Activity, DuplicateLink, IngestRun, Organisation, RejectedRow, Verification

from .scenarios import GOOD_ROW, OTHER_ROW, sheet

DATA = Path(__file__).resolve().parent.parent / "data"
TABLES = (Activity, Organisation, Verification, IngestRun, RejectedRow, DuplicateLink)
THIRD_ROW = GOOD_ROW | {"Activity": "Chair Yoga", "Category": "Yoga", "When": "Mondays 2-3pm", "Post Code": "M41 0NA"}


def table_counts(session) -> dict[str, int]:
    return {t.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES}


def write(tmp_path, text, name="groups.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def later(settings, days=30):
    return dataclasses.replace(settings, clock=lambda: settings.clock() + dt.timedelta(days=days))


def counts(report, **expected):
    base = dict.fromkeys(("read", "accepted", "updated", "unchanged", "flagged", "rejected", "duplicate", "blank", "closed"), 0)
    return report.counts == base | expected


def test_first_run_accepts_and_writes_every_record(ingest, session, tmp_path):
    report = ingest(write(tmp_path, sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW)))
    assert counts(report, read=3, accepted=3)
    stored = session.scalars(sa.select(Activity).order_by(Activity.name)).all()
    assert [a.name for a in stored] == ["Chair Yoga", "Knit and Natter", "Sale Walking Group"]
    walking = stored[2]
    assert (walking.source, walking.precision, walking.lad_code, walking.schedule) == ("groups", "postcode", "E08000009", ["tue morning"])
    assert walking.first_seen == walking.last_modified == walking.last_ingested
    assert walking.organisation.name == "Sale Walkers" and walking.raw == GOOD_ROW
    assert session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def test_same_file_twice_changes_nothing(ingest, session, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW, GOOD_ROW | {"Post Code": "M32 0Q", "Activity": "Bingo"}))
    first = ingest(path)
    before = table_counts(session)
    stamp = session.scalar(sa.select(Activity.last_modified).where(Activity.name == "Bingo"))
    second = ingest(path)
    assert counts(first, read=3, accepted=2, flagged=1)
    assert counts(second, read=3, unchanged=3)
    after = table_counts(session)
    assert {k: after[k] for k in ("activity", "organisation", "verification", "duplicate_link")} == \
           {k: before[k] for k in ("activity", "organisation", "verification", "duplicate_link")}
    assert session.scalar(sa.select(Activity.last_modified).where(Activity.name == "Bingo")) == stamp
    assert [r.reasons for r in second.rows] == [[], [], ["invalid_postcode"]]


def test_changed_row_is_updated_and_keeps_first_seen(session, settings, postcodes, area_index, tmp_path):
    run = lambda text, s: run_ingest(write(tmp_path, text), session, s, postcodes=postcodes, area_index=area_index)  # noqa: E731
    run(sheet(GOOD_ROW, OTHER_ROW), settings)
    report = run(sheet(GOOD_ROW | {"When": "Tuesdays and Thursdays 10-12"}, OTHER_ROW), later(settings))
    assert counts(report, read=2, updated=1, unchanged=1)
    walking = session.scalars(sa.select(Activity).where(Activity.name == "Sale Walking Group")).one()
    assert walking.schedule == ["tue morning", "thu morning"]
    assert load.as_utc(walking.first_seen) == settings.clock() and load.as_utc(walking.last_modified) == later(settings).clock()


def test_row_removed_from_a_full_import_is_closed_and_listed_never_deleted(ingest, session, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW)))
    report = ingest(write(tmp_path, sheet(GOOD_ROW, THIRD_ROW)))
    assert counts(report, read=2, unchanged=2, closed=1)
    assert [c["name"] for c in report.closed] == ["Knit and Natter"]
    assert session.scalar(sa.select(Activity.status).where(Activity.name == "Knit and Natter")) == "closed"
    assert "Closed (missing from this full import of groups): 1" in report.to_text()
    back = ingest(write(tmp_path, sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW)))
    assert counts(back, read=3, updated=1, unchanged=2)  # it came back: open again
    assert session.scalar(sa.select(Activity.status).where(Activity.name == "Knit and Natter")) == "active"


def test_partial_import_closes_nothing(ingest, session, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)))
    report = ingest(write(tmp_path, sheet(GOOD_ROW)), full_import=False)
    assert counts(report, read=1, unchanged=1) and report.closed == []
    assert session.scalar(sa.select(Activity.status).where(Activity.name == "Knit and Natter")) == "active"


def test_rejected_row_with_an_id_does_not_close_its_record(ingest, session, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW | {"Source ID": "G1"}, OTHER_ROW | {"Source ID": "G2"})))
    report = ingest(write(tmp_path, sheet(GOOD_ROW | {"Source ID": "G1", "Activity": "", "Organisation Name": ""},
                                          OTHER_ROW | {"Source ID": "G2"})))
    assert counts(report, read=2, rejected=1, unchanged=1) and report.closed == []


def test_dry_run_writes_nothing_and_still_reports_everything(ingest, session, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW)))
    before = table_counts(session)
    unnamed = GOOD_ROW | {"Activity": "", "Organisation Name": ""}
    report = ingest(write(tmp_path, sheet(GOOD_ROW | {"When": "Fridays"}, OTHER_ROW, unnamed)), dry_run=True)
    assert table_counts(session) == before
    assert counts(report, read=3, updated=1, accepted=1, rejected=1) and report.run_id is None
    assert "[dry run: nothing written]" in report.to_text()


def test_rejections_are_stored_whole_with_file_line_and_field(ingest, session, tmp_path):
    path = write(tmp_path, sheet(OTHER_ROW, GOOD_ROW | {"Activity": "", "Organisation Name": ""}))
    report = ingest(path)
    stored = session.scalars(sa.select(RejectedRow)).one()
    assert (stored.file, stored.line, stored.field, stored.reason, stored.ingest_run_id) == (str(path), 3, "Activity", "missing_name", report.run_id)
    assert stored.raw["Venue"] == "Worthington Park"


def test_duplicates_in_one_run_collapse_and_conflicts_are_kept_as_rejected_rows(ingest, session, tmp_path):
    rows = [GOOD_ROW, GOOD_ROW, OTHER_ROW | {"Source ID": "K1"}, OTHER_ROW | {"Source ID": "K1", "When": "Fridays"}]
    report = ingest(write(tmp_path, sheet(*rows)))
    assert counts(report, read=4, accepted=2, duplicate=2)
    assert [(r.line, r.outcome, r.reasons) for r in report.rows] == [
        (2, "accepted", []), (3, "duplicate", ["exact_duplicate"]), (4, "duplicate", ["conflicting_duplicate"]), (5, "accepted", [])]
    assert session.scalar(sa.select(Activity.schedule_text).where(Activity.source_id == "K1")) == "Fridays"
    assert session.scalar(sa.select(RejectedRow.reason)) == "conflicting_duplicate"


def test_blank_rows_are_counted_not_rejected(ingest, tmp_path):
    report = ingest(DATA / "bom_crlf.csv")
    assert counts(report, read=3, accepted=2, blank=1) and [r.outcome for r in report.rows][1] == "blank"


def test_verification_rows_only_for_new_check_dates(ingest, session, settings, postcodes, area_index, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW, OTHER_ROW | {"Date checked": ""})))
    assert session.scalar(sa.select(sa.func.count()).select_from(Verification)) == 1
    rechecked = run_ingest(write(tmp_path, sheet(GOOD_ROW | {"Date checked": "01/06/2026", "Checked by": "Sam"}, OTHER_ROW | {"Date checked": ""})),
                           session, later(settings), postcodes=postcodes, area_index=area_index)
    assert counts(rechecked, read=2, updated=1, unchanged=1)
    walking = session.scalars(sa.select(Activity).where(Activity.name == "Sale Walking Group")).one()
    assert (load.as_utc(walking.last_verified).date(), walking.verified_by) == (dt.date(2026, 6, 1), "Sam")
    assert load.as_utc(walking.last_modified) == settings.clock()   # a re-check is not an edit
    checks = session.execute(sa.select(Verification.verified_at, Verification.verified_by).order_by(Verification.verified_at)).all()
    assert [(load.as_utc(v).date(), by) for v, by in checks] == [(dt.date(2025, 4, 3), "Jo"), (dt.date(2026, 6, 1), "Sam")]


def test_likely_duplicates_across_sources_are_linked_once_not_merged(ingest, session, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW), "council.csv"))
    report = ingest(write(tmp_path, sheet(GOOD_ROW | {"Activity": "SALE WALKING GROUP!"}), "network.csv"))
    assert counts(report, read=1, accepted=1) and len(report.duplicates) == 1
    ingest(write(tmp_path, sheet(GOOD_ROW | {"Activity": "SALE WALKING GROUP!"}), "network.csv"))
    assert session.scalar(sa.select(sa.func.count()).select_from(DuplicateLink)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 2


def test_spreadsheet_names_link_to_charity_register_organisations(ingest, session, shared_data, tmp_path):
    ingest(shared_data / "community/trafford_registered_charities_ccew.csv")
    charity = session.scalars(sa.select(Organisation).where(Organisation.charity_number == "219177")).one()
    report = ingest(write(tmp_path, sheet(GOOD_ROW | {"Organisation Name": "Cheshire Freemasons' Charity"})))
    assert report.organisations == {}
    assert session.scalar(sa.select(Activity.organisation_id).where(Activity.source == "groups")) == charity.id


def test_openactive_deleted_item_closes_the_record(ingest, session):
    ingest(DATA / "openactive_page1.json", source="openactive")
    report = ingest(DATA / "openactive_page2.json", source="openactive", full_import=False)
    assert counts(report, read=2, updated=1, accepted=1, closed=1)
    assert report.rows[0].reasons == ["deleted_in_feed"] and report.closed[0]["name"] == "Chair Yoga"
    assert session.scalar(sa.select(Activity.status).where(Activity.name == "Chair Yoga")) == "closed"


def test_json_report_has_the_agreed_shape(ingest, tmp_path):
    report = ingest(write(tmp_path, sheet(GOOD_ROW, GOOD_ROW | {"Activity": "", "Organisation Name": ""}, GOOD_ROW | {"E-mail": "nope"})))
    data = json.loads(json.dumps(report.to_json()))
    assert set(data["counts"]) == {"read", "accepted", "updated", "unchanged", "flagged", "rejected", "duplicate", "blank", "closed"}
    assert [(r["line"], r["outcome"], r["reasons"]) for r in data["rows"]] == [
        (2, "accepted", []), (3, "rejected", ["missing_name"]), (4, "flagged", ["invalid_email"])]
    assert data["rows"][1]["id"] is None and len(data["rows"][2]["id"]) == 36
    assert (data["file"], data["format"], data["profile"]) == (str(tmp_path / "groups.csv"), "csv", "table")
    assert data["problems"][0]["message"] == 'row 3, field "Activity": has no name: a record needs one'


def test_crash_midway_leaves_the_database_as_it_was(fresh_db, postcodes, monkeypatch, tmp_path):
    settings, _, sessions = fresh_db
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW))
    ingest_file(settings, sessions, path, postcodes=postcodes)
    with sessions() as session:
        before = table_counts(session)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C after the organisations were written

    monkeypatch.setattr(load, "upsert_activities", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW | {"Organisation Name": "New Org"}, THIRD_ROW)), postcodes=postcodes)
    with sessions() as session:
        assert table_counts(session) == before


def test_crash_in_a_pure_hop_writes_nothing(fresh_db, postcodes, monkeypatch, tmp_path):
    import assetmap.ingest as ingest_package

    settings, _, sessions = fresh_db
    monkeypatch.setattr(ingest_package, "locate_drafts", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW)), postcodes=postcodes)
    with sessions() as session:
        assert table_counts(session) == dict.fromkeys((t.__tablename__ for t in TABLES), 0)


def test_areas_come_from_the_boundaries_in_the_database_by_default(fresh_db, postcodes, tmp_path):
    settings, _, sessions = fresh_db
    report = ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW)), postcodes=postcodes)
    with sessions() as session:
        walking = session.scalars(sa.select(Activity)).one()
        run = session.get(IngestRun, report.run_id)
    assert (walking.ward_code, walking.lad_code, walking.stp_code, walking.icb_code) == ("E05000833", "E08000009", "E54000007", "E54000057")
    assert run.counts == report.counts and run.format == "csv" and run.finished_at is not None


def test_rerun_with_other_reference_data_cleans_again_and_finds_nothing_changed(ingest, session, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW))
    ingest(path)
    report = ingest(path, allow_district=True)   # a different way of placing rows: every row is cleaned again
    assert counts(report, read=2, unchanged=2) and report.timings["clean"] > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 2


def test_exact_repeat_of_an_unchanged_row_is_a_duplicate_with_the_first_rows_id(ingest, tmp_path):
    ingest(write(tmp_path, sheet(GOOD_ROW)))
    report = ingest(write(tmp_path, sheet(GOOD_ROW, GOOD_ROW)))
    assert [(r.outcome, r.reasons) for r in report.rows] == [("unchanged", []), ("duplicate", ["exact_duplicate"])]
    assert report.rows[1].id == report.rows[0].id


def test_changed_row_after_an_unchanged_copy_of_the_same_id_wins(ingest, session, tmp_path):
    first = GOOD_ROW | {"Source ID": "S1"}
    ingest(write(tmp_path, sheet(first)))
    report = ingest(write(tmp_path, sheet(first, first | {"When": "Saturdays"})))
    assert [(r.line, r.outcome, r.reasons) for r in report.rows] == [
        (2, "duplicate", ["conflicting_duplicate"]), (3, "updated", [])]
    assert session.scalar(sa.select(Activity.schedule_text).where(Activity.source_id == "S1")) == "Saturdays"


def test_unchanged_flagged_rows_keep_their_reasons_in_the_report(ingest, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW | {"Post Code": "M32 0Q"}))
    ingest(path)
    report = ingest(path)
    assert report.rows[0].reasons == ["invalid_postcode"] and report.timings["clean"] < 0.5
    assert report.problems[0].describe() == "row 2: invalid_postcode (unchanged since the last run)"


def test_ingest_file_brings_an_existing_search_index_up_to_date(fresh_db, postcodes, tmp_path):
    search = pytest.importorskip("assetmap.search")
    settings, _, sessions = fresh_db
    with sessions() as session:
        search.build_index(settings, session)          # an empty index, as after `assetmap index`
    ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), postcodes=postcodes)
    ingest_file(settings, sessions, write(tmp_path, sheet(GOOD_ROW | {"When": "Fridays 10-12"})), postcodes=postcodes)
    with sessions() as session:
        assert search.check_index(settings, session) == []
        hits = search.search_activities(session, settings, search.SearchParams(text="walking")).hits
    assert [h.activity.schedule_text for h in hits] == ["Fridays 10-12"]


def test_the_same_runs_behave_alike_on_spatialite_and_postgis(any_session, settings, postcodes, area_index, tmp_path):
    run = lambda text, **kw: run_ingest(write(tmp_path, text), any_session, settings, postcodes=postcodes,  # noqa: E731
                                        area_index=area_index, **kw)
    first = run(sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW | {"E-mail": "nope"}))
    again = run(sheet(GOOD_ROW, OTHER_ROW, THIRD_ROW | {"E-mail": "nope"}))
    shrunk = run(sheet(GOOD_ROW | {"When": "Fridays"}, THIRD_ROW | {"E-mail": "nope"}))
    assert counts(first, read=3, accepted=2, flagged=1) and counts(again, read=3, unchanged=3)
    assert counts(shrunk, read=2, updated=1, unchanged=1, closed=1)
    stored = dict(any_session.execute(sa.select(Activity.name, Activity.status)).all())
    assert stored == {"Sale Walking Group": "active", "Knit and Natter": "closed", "Chair Yoga": "active"}
    walking = any_session.scalars(sa.select(Activity).where(Activity.name == "Sale Walking Group")).one()
    assert walking.ward_code == "E05000833" and walking.schedule_text == "Fridays"


def test_over_long_cells_are_cut_to_fit_their_columns(any_session, settings, postcodes, area_index, tmp_path):
    row = GOOD_ROW | {"Telephone": "0161 000 0000 " * 20, "Charity number": "1234567 " * 10, "Venue": "Hall " * 100}
    report = run_ingest(write(tmp_path, sheet(row, headers=[*GOOD_ROW, "Charity number"])), any_session, settings,
                        postcodes=postcodes, area_index=area_index)
    assert counts(report, read=1, accepted=1)
    stored = any_session.scalars(sa.select(Activity)).one()
    assert len(stored.phone) == 100 and len(stored.venue) == 300 and len(stored.organisation.charity_number) == 20
