import datetime as dt

from assetmap.ingest.clean import clean_row
from assetmap.ingest.dedupe import OtherRecord, collapse_duplicates, likely_duplicates, organisation_duplicates
from assetmap.ingest.link import KnownOrganisation
from assetmap.ingest.records import RawRow

from .scenarios import GOOD_ROW

TODAY = dt.date(2026, 6, 15)


def draft(line, changes=None, source="sheet"):
    return clean_row(RawRow("s.csv", line, GOOD_ROW | (changes or {})), TODAY, source)


def test_exact_duplicates_collapse_to_the_first():
    kept, dropped = collapse_duplicates([draft(2), draft(3), draft(4, {"Activity": "Bingo"})])
    assert [d.line for d in kept] == [2, 4]
    assert [(d.draft.line, d.reason, d.kept_line) for d in dropped] == [(3, "exact_duplicate", 2)]


def test_same_id_with_different_content_keeps_the_last():
    first, second = draft(2, {"Source ID": "A1"}), draft(5, {"Source ID": "A1", "When": "Fridays"})
    kept, dropped = collapse_duplicates([first, second])
    assert kept == [second] and [(d.draft.line, d.reason, d.kept_line) for d in dropped] == [(2, "conflicting_duplicate", 5)]


def test_rows_without_ids_sharing_name_and_place_are_different_records():
    tuesday, friday = draft(2), draft(3, {"When": "Fridays 10-12"})
    kept, dropped = collapse_duplicates([tuesday, friday])
    assert dropped == [] and len({d.id for d in kept}) == 2
    again, _ = collapse_duplicates([draft(2), draft(3, {"When": "Fridays 10-12"})])
    assert [d.id for d in again] == [d.id for d in kept]  # the second id is stable too


def test_likely_duplicates_across_sources_by_name_and_postcode():
    ours = draft(2)
    ours.postcode = "M33 7XW"
    others = [OtherRecord("x1", "council", "SALE WALKING GROUP", "M33 7XW"), OtherRecord("x2", "council", "Sale Walking Group", "M41 0NA"),
              OtherRecord("x3", "sheet", "Sale Walking Group", "M33 7XW")]
    assert likely_duplicates([ours], others) == [(ours.id, "x1", "same_name, same_postcode (6)")]


def test_organisations_with_the_same_charity_number_from_another_source():
    org = clean_row(RawRow("c.csv", 2, {"registered_charity_number": "1101234", "charity_name": "TRAFFORD WALKERS"},
                           "organisation", "charity"), TODAY, "charities")
    known = [KnownOrganisation("o1", "Trafford Walkers", "1101234", "sheet"), KnownOrganisation("o2", "Other", "999", "sheet")]
    assert organisation_duplicates([org], known) == [(org.id, "o1", "same_charity_number")]
