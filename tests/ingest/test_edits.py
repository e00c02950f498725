"""A person's edit made through the one write path (assetmap.changes) meets a re-import of its source."""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from assetmap import changes
from assetmap.ingest import run_ingest
from assetmap.models import Activity, AuditEntry, FieldEdit

from .scenarios import GOOD_ROW, OTHER_ROW, sheet
from .test_run_ingest import write

EDITOR = changes.editor_actor("jo@council.example")


def at(settings, days):
    return dataclasses.replace(settings, clock=lambda: settings.clock() + dt.timedelta(days=days))


def _walking(session) -> Activity:
    return session.scalars(sa.select(Activity).where(Activity.name == "Sale Walking Group")).one()


def _edit(session, settings, days, **values) -> dict:
    tx = changes.Transaction(session, at(settings, days).clock(), EDITOR)
    return tx.edit_activity(_walking(session).id, values)


def _ingest(session, settings, postcodes, area_index, path, days):
    return run_ingest(path, session, at(settings, days), postcodes=postcodes, area_index=area_index)


def test_an_edit_survives_a_reimport_that_still_carries_the_old_value(session, settings, postcodes, area_index, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW))
    _ingest(session, settings, postcodes, area_index, path, 0)
    assert _edit(session, settings, 1, phone="0161 999 9999") == {"phone": ["0161 000 0000", "0161 999 9999"]}

    report = _ingest(session, settings, postcodes, area_index, path, 2)

    walking = _walking(session)
    assert walking.phone == "0161 999 9999", "the person's value stands"
    assert [(c["field"], c["current"], c["source_value"], c["kept"]) for c in report.conflicts] == \
           [("phone", "0161 999 9999", "0161 000 0000", "edit")]
    assert "kept '0161 999 9999' set by jo@council.example" in report.to_text()
    trail = [(e.action, e.actor, e.fields) for e in changes.history(session, walking.id)]
    assert trail == [
        ("create", "source:groups", None),
        ("edit", EDITOR, {"phone": ["0161 000 0000", "0161 999 9999"]}),
        ("conflict", "source:groups", {"phone": ["0161 999 9999", "0161 000 0000"]}),
    ]
    kept = session.get(FieldEdit, (walking.id, "phone"))
    assert kept.conflict_value == {"v": "0161 000 0000"}


def test_a_third_import_of_the_same_row_changes_nothing_and_keeps_the_edit(session, settings, postcodes, area_index, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW))
    _ingest(session, settings, postcodes, area_index, path, 0)
    _edit(session, settings, 1, phone="0161 999 9999")
    _ingest(session, settings, postcodes, area_index, path, 2)
    report = _ingest(session, settings, postcodes, area_index, path, 3)
    assert report.counts["unchanged"] == 2 and report.conflicts == []
    assert _walking(session).phone == "0161 999 9999"


def test_other_fields_the_source_changed_are_still_updated(session, settings, postcodes, area_index, tmp_path):
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), 0)
    _edit(session, settings, 1, phone="0161 999 9999")
    changed = GOOD_ROW | {"When": "Tuesdays and Thursdays 10-12"}
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(changed, OTHER_ROW)), 2)
    walking = _walking(session)
    assert (walking.phone, walking.schedule_text) == ("0161 999 9999", "Tuesdays and Thursdays 10-12")
    update = session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == walking.id, AuditEntry.action == "update")).one()
    assert set(update.fields) == {"schedule_text", "schedule"}


def test_a_source_change_after_an_older_edit_wins_and_is_reported(session, settings, postcodes, area_index, tmp_path):
    path = write(tmp_path, sheet(GOOD_ROW, OTHER_ROW))
    _ingest(session, settings, postcodes, area_index, path, 0)
    _edit(session, settings, 1, phone="0161 999 9999")
    _ingest(session, settings, postcodes, area_index, path, 2)          # the edit now predates this import
    renumbered = GOOD_ROW | {"Telephone": "0161 222 2222"}
    report = _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(renumbered, OTHER_ROW)), 3)
    assert _walking(session).phone == "0161 222 2222"
    assert [(c["field"], c["kept"]) for c in report.conflicts] == [("phone", "source")]
    assert session.get(FieldEdit, (_walking(session).id, "phone")) is None


def test_a_source_change_before_the_next_import_does_not_undo_a_recent_edit(session, settings, postcodes, area_index, tmp_path):
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), 0)
    _edit(session, settings, 1, phone="0161 999 9999")
    renumbered = GOOD_ROW | {"Telephone": "0161 222 2222"}
    report = _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(renumbered, OTHER_ROW)), 2)
    assert _walking(session).phone == "0161 999 9999"
    assert [(c["field"], c["source_value"], c["kept"]) for c in report.conflicts] == [("phone", "0161 222 2222", "edit")]


def test_field_provenance_names_the_source_and_the_editor(session, settings, postcodes, area_index, tmp_path):
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), 0)
    _edit(session, settings, 1, phone="0161 999 9999")
    found = changes.field_provenance(session, _walking(session).id)
    assert (found["phone"].by, found["phone"].at) == (EDITOR, at(settings, 1).clock())
    assert (found["name"].by, found["name"].at, found["name"].is_person) == ("source:groups", settings.clock(), False)


def test_closing_a_missing_record_is_audited(session, settings, postcodes, area_index, tmp_path):
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(GOOD_ROW, OTHER_ROW)), 0)
    _ingest(session, settings, postcodes, area_index, write(tmp_path, sheet(OTHER_ROW)), 1)
    closing = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "close")).one()
    assert (closing.record_id, closing.fields) == (_walking(session).id, {"status": ["active", "closed"]})
