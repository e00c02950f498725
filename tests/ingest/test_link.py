import datetime as dt

from assetmap.ingest.clean import clean_row
from assetmap.ingest.link import KnownOrganisation, link_organisations
from assetmap.ingest.records import RawRow

from .scenarios import GOOD_ROW

TODAY = dt.date(2026, 6, 15)
KNOWN = [KnownOrganisation("org-age", "AGE UK TRAFFORD", "1082497", "charities"),
         KnownOrganisation("org-carers", "Trafford Carers Centre", None, "charities")]


def draft(organisation, **changes):
    return clean_row(RawRow("s.csv", 2, GOOD_ROW | {"Organisation Name": organisation} | changes), TODAY, "sheet")


def test_organisation_named_in_a_sheet_links_to_the_one_held_by_normalised_name():
    activity = draft("Age UK Trafford")
    created = link_organisations([activity], [], KNOWN, "sheet")
    assert activity.organisation_id == "org-age" and created == []


def test_charity_number_links_even_when_the_name_differs():
    activity = draft("Age Concern (Trafford)", **{"Charity number": "1082497"})
    link_organisations([activity], [], KNOWN, "sheet")
    assert activity.organisation_id == "org-age"


def test_semicolon_list_links_the_first_and_keeps_partners():
    activity = draft("Age UK Trafford; Trafford Carers Centre")
    link_organisations([activity], [], KNOWN, "sheet")
    assert activity.organisation_id == "org-age" and activity.extra["partner_organisations"] == ["org-carers"]


def test_misspelling_that_does_not_resolve_becomes_a_new_organisation_and_is_flagged():
    activity = draft("Trafford Carer's Center")
    created = link_organisations([activity], [], KNOWN, "sheet")
    assert [o.name for o in created] == ["Trafford Carer's Center"] and activity.organisation_id == created[0].id
    assert activity.flags == ["unresolved_organisation"] and 'did you mean "Trafford Carers Centre"' in activity.problems[0].expected


def test_a_new_name_unlike_any_known_is_created_without_a_flag_and_reused_by_later_rows():
    first, second = draft("Partington Men's Shed"), draft("PARTINGTON MENS SHED", Activity="Woodwork")
    created = link_organisations([first, second], [], KNOWN, "sheet")
    assert len(created) == 1 and first.organisation_id == second.organisation_id and first.flags == []


def test_of_two_spellings_in_one_sheet_the_rarer_is_flagged():
    rows = [draft("Sale Moor Community Partnership", Activity=f"Group {i}") for i in range(3)]
    rows.append(draft("Sale Moor Comunity Partnership", Activity="Group 9"))
    link_organisations(rows, [], [], "sheet")
    assert [r.flags for r in rows] == [[], [], [], ["unresolved_organisation"]]
