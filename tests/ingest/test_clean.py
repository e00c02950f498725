import datetime as dt

import pytest

from assetmap.ingest import values
from assetmap.ingest.clean import clean_row, normalise_name
from assetmap.ingest.headers import field_for
from assetmap.ingest.records import ActivityDraft, OrganisationDraft, RawRow, Rejection

from .scenarios import GOOD_ROW, SCENARIOS

TODAY = dt.date(2026, 6, 15)


def clean(changes=None, *, line=2, source="sheet", profile="table", kind="activity", base=GOOD_ROW):
    record = dict(base) | (changes or {})
    return clean_row(RawRow("sheet.csv", line, record, kind, profile), TODAY, source)


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.stage == "clean"], ids=lambda s: s.name)
def test_bad_input_scenario_gives_its_reason_and_names_the_field(scenario):
    result = clean(scenario.changes, line=3)
    if scenario.outcome == "rejected":
        assert isinstance(result, Rejection)
        assert (result.reason, result.field, result.line) == (scenario.reasons[0], scenario.field, 3)
    else:
        assert result.flags == list(scenario.reasons)
        assert [p.field for p in result.problems] == [scenario.field]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.stage == "locate"], ids=lambda s: s.name)
def test_location_scenarios_pass_cleaning_without_flags(scenario):
    assert clean(scenario.changes).flags == []


def test_good_row_is_clean_and_complete():
    draft = clean()
    assert isinstance(draft, ActivityDraft) and draft.flags == []
    assert (draft.name, draft.postcode, draft.categories, draft.status, draft.is_free, draft.capacity) == (
        "Sale Walking Group", "M33 7XW", ["walking"], "active", True, "accepting")
    assert draft.organisation_names == ["Sale Walkers"]
    assert draft.raw == GOOD_ROW


def test_rejected_row_keeps_the_whole_record():
    result = clean({"Activity": "  ", "Organisation Name": "N/A"})
    assert isinstance(result, Rejection) and result.raw["Organisation Name"] == "N/A"
    assert result.problem.describe(7) == 'row 7, field "Activity": has no name: a record needs one'


def test_problem_message_shows_value_and_expectation():
    problem = clean({"Post Code": "M32 0Q"}).problems[0]
    assert problem.describe(14) == 'row 14, field "Post Code": "M32 0Q" is not a valid UK postcode'


@pytest.mark.parametrize("header, field", [
    ("Organisation Name", "organisation"), ("Group", "organisation"), ("Activity", "name"), ("Service name", "name"),
    ("Post Code", "postcode"), ("post_code", "postcode"), ("POSTCODE", "postcode"), ("Lat", "lat"), ("Lng", "lon"),
    ("Longitude", "lon"), ("Telephone", "phone"), ("E-mail", "email"), ("Web address", "website"),
    ("Last updated", "last_modified"), ("Date checked", "last_verified"), ("Who is it for", "audience"),
    ("When", "schedule"), ("Format", "delivery"), ("Taking new people", "capacity"), ("Checked by", "verified_by"),
    ("Charity number", "charity_number"), ("Source ID", "source_id"), ("opening_hours_monday", "schedule_mon"),
    ("Favourite biscuit", None),
])
def test_headers_are_matched_ignoring_case_spaces_and_punctuation(header, field):
    assert field_for(header) == field


def test_unknown_columns_are_kept_in_extra_not_an_error():
    draft = clean({"Favourite biscuit": "Hobnob", "Notes (internal)": "ring first"})
    assert draft.extra["Favourite biscuit"] == "Hobnob" and draft.extra["Notes (internal)"] == "ring first"


@pytest.mark.parametrize("text, expected", [
    ("03/04/2025", dt.date(2025, 4, 3)),            # UK order: 3 April
    ("3/4/25", dt.date(2025, 4, 3)),
    ("2025-04-03", dt.date(2025, 4, 3)),
    ("2023-03-15T10:30:45.123Z", dt.date(2023, 3, 15)),
    ("12 January 2023", dt.date(2023, 1, 12)),
    ("12th Jan 2023", dt.date(2023, 1, 12)),
    ("January 12, 2023", dt.date(2023, 1, 12)),
    ("2025-04-03T00:00:00", dt.date(2025, 4, 3)),   # an Excel date cell as the xlsx reader gives it
])
def test_dates_are_read_in_uk_iso_and_written_forms(text, expected):
    assert values.parse_date(text, TODAY) == (expected, "")


@pytest.mark.parametrize("text", ["31/02/2025", "13/13/2024", "next week", "2027-01-01", "12 Smarch 2023"])
def test_invalid_date_warns_and_keeps_the_row(text):
    draft = clean({"Date checked": text})
    assert draft.flags == ["invalid_date"] and draft.last_verified is None and draft.name == "Sale Walking Group"


def test_date_checked_and_checked_by_give_last_verified():
    draft = clean({"Date checked": "12 January 2026", "Checked by": "Ayesha (volunteer)"})
    assert draft.last_verified == dt.datetime(2026, 1, 12, tzinfo=dt.UTC)
    assert (draft.verified_by, draft.verified_how) == ("Ayesha (volunteer)", "source_assured")   # the sheet's assertion


def test_a_sheets_last_updated_date_counts_as_the_sources_update_when_nothing_says_checked():
    draft = clean({"Last updated": "3 October 2025", "Date checked": ""})
    assert draft.last_verified == dt.datetime(2025, 10, 3, tzinfo=dt.UTC) and draft.verified_how == "source_updated"
    both = clean({"Last updated": "3 October 2025", "Date checked": "1 May 2025"})
    assert both.last_verified == dt.datetime(2025, 5, 1, tzinfo=dt.UTC) and both.verified_how == "source_assured"


def test_multi_valued_cells_split_on_semicolon_comma_and_bar_but_descriptions_do_not():
    draft = clean({"Category": "Walking; Tai chi | Yoga, Pilates", "Description": "Tea, cake; and chat | weekly"})
    assert draft.categories == ["walking", "exercise"]
    assert draft.description == "Tea, cake; and chat | weekly"


def test_html_description_becomes_text_with_paragraphs_and_the_original_is_kept():
    html = ("<h3>About&nbsp;us</h3><p>Tea\u200b &amp; chat.<br>Every week.</p><script>alert(1)</script>"
            "<ul><li>Warm room</li><li>Free <a href='https://example.org/more'>details</a></li></ul>")
    draft = clean({"Description": html})
    assert draft.description == "About us\n\nTea & chat.\nEvery week.\n\n• Warm room\n\n• Free details (https://example.org/more)"
    assert draft.raw["Description"] == html and "<" not in draft.description


def test_javascript_link_inside_description_is_dropped_and_flagged():
    draft = clean({"Description": '<p>See <a href="JaVaScRiPt:alert(1)">here</a></p>'})
    assert draft.description == "See here" and draft.flags == ["unsafe_url"]


@pytest.mark.parametrize("given, expected, flags", [
    ("www.example.org", "https://www.example.org", []),
    ("example.org/walks", "https://example.org/walks", []),
    ("http://example.org", "http://example.org", []),
    ("javascript:alert(1)", None, ["unsafe_url"]),
    (" data:text/html;base64,PHNjcmlwdD4=", None, ["unsafe_url"]),
    ("see our facebook", None, ["invalid_url"]),
    ("N/A", None, []),
])
def test_urls_get_a_scheme_and_unsafe_ones_are_refused(given, expected, flags):
    draft = clean({"Web address": given})
    assert (draft.website, draft.flags) == (expected, flags)


@pytest.mark.parametrize("given, email, flags", [
    ("mailto:Walks@Example.org", "Walks@Example.org", []),
    ("a@example.org; b@example.org", "a@example.org", []),
    ("walks@example", None, ["invalid_email"]),
    ("Not known", None, []),
])
def test_email_is_checked(given, email, flags):
    draft = clean({"E-mail": given})
    assert (draft.email, draft.flags) == (email, flags)


def test_contact_cell_holding_an_email_fills_the_email():
    draft = clean({"E-mail": "", "Contact": "info@hub.org.uk"})
    assert draft.email == "info@hub.org.uk" and draft.contact_name is None


@pytest.mark.parametrize("word, status", [
    ("Suspended due to COVID-19", "paused"), ("Temporarily closed", "paused"), ("On hold", "paused"),
    ("Closed", "closed"), ("No longer running", "closed"), ("inactive", "closed"),
    ("Active", "active"), ("Running", "active"), ("", "active"),
])
def test_status_words(word, status):
    assert clean({"Status": word}).status == status


@pytest.mark.parametrize("given, slugs, unmapped", [
    ("Walking Groups", ["walking"], None),
    ("WALKING", ["walking"], None),
    ("excercise", ["exercise"], None),
    ("Singing for Lung Health", ["lung-health"], None),
    ("Knitting & Crochet", ["arts-crafts"], None),
    ("Quantum Origami", ["walking"], ["Quantum Origami"]),   # unmapped: guessed from the name, the value kept
])
def test_categories_are_mapped_through_the_csv(given, slugs, unmapped):
    draft = clean({"Category": given})
    assert draft.categories == slugs and draft.extra.get("unmapped_categories") == unmapped


def test_unmapped_category_with_nothing_to_guess_from_is_other():
    draft = clean({"Category": "Quantum Origami", "Activity": "Tuesday Club", "Description": "Come along."})
    assert draft.categories == ["other"] and draft.extra["unmapped_categories"] == ["Quantum Origami"]


def test_category_is_taken_from_the_name_when_no_category_is_given():
    assert clean({"Category": "", "Activity": "Stretford Foodbank"}).categories == ["food"]


def test_audience_tags_differing_by_case_or_space_merge_and_hierarchies_give_both():
    draft = clean({"Who is it for": "Older people ; older PEOPLE |Older People | Parents>Grandparents| LGBTQ+"})
    assert draft.audience == ["Older people", "Parents", "Grandparents", "LGBTQ+"]
    assert {"older-people", "parents-families"} <= set(draft.categories)


@pytest.mark.parametrize("words, modes", [
    ("In person", ["in_person"]), ("Online (Zoom)", ["online"]), ("Telephone befriending", ["telephone"]),
    ("Face to face and online", ["in_person", "online"]), ("Hybrid", ["in_person", "online"]),
])
def test_delivery_mode_from_format_words(words, modes):
    assert clean({"Format": words}).delivery == modes


def test_delivery_defaults_to_in_person_when_a_place_is_given():
    assert clean({"Format": ""}).delivery == ["in_person"]
    assert clean({"Format": "", "Post Code": "", "Venue": ""}).delivery == []


@pytest.mark.parametrize("cost, free", [
    ("Free", True), ("£0", True), ("Free (donations welcome)", True), ("£3 per session", False),
    ("50p for tea", False), ("Pay what you can", None), ("", None),
])
def test_cost_gives_is_free(cost, free):
    draft = clean({"Cost": cost})
    assert draft.is_free is free and draft.cost_text == cost


@pytest.mark.parametrize("answer, capacity", [
    ("Yes", "accepting"), ("Yes - just turn up", "accepting"), ("Waiting list", "waiting_list"), ("Full", "waiting_list"),
    ("No", "waiting_list"), ("GP referral needed", "referral_needed"), ("Foodbank Voucher", "referral_needed"),
    ("Not known", None),
])
def test_capacity_words(answer, capacity):
    assert clean({"Taking new people": answer}).capacity == capacity


def test_free_text_schedule_gives_tokens_detail_and_keeps_the_text():
    draft = clean({"When": "Mon & Wed 10-3, term time only"})
    assert draft.schedule == ["mon morning", "mon afternoon", "wed morning", "wed afternoon"]
    assert draft.schedule_text == "Mon & Wed 10-3, term time only"
    assert draft.extra["schedule"]["term_time_only"] is True and draft.extra["schedule"]["opens"] == "10:00"


def test_opening_hours_in_day_columns_give_a_schedule():
    row = {"pharmacy_name": "A1 Pharmacy", "postcode": "BL3 1SX", "opening_hours_monday": "08:30-13:00,14:00-17:30",
           "opening_hours_sunday": "CLOSED"}
    draft = clean(base=row)
    assert draft.schedule == ["mon morning", "mon afternoon", "mon evening"]
    assert draft.schedule_text.startswith("Mon 08:30-13:00")


def test_same_row_gives_the_same_id_and_the_source_id_wins_when_given():
    assert clean().id == clean(line=40).id
    assert clean().id != clean(source="other sheet").id
    assert clean({"Source ID": "A-17"}).id == clean({"Source ID": "A-17", "Activity": "Renamed"}).id
    assert clean({"Post Code": "M33 7ZF"}).id != clean().id


def test_organisation_names_are_split_on_semicolons():
    draft = clean({"Organisation Name": "Age UK Trafford; Trafford Carers Centre"})
    assert draft.organisation_names == ["Age UK Trafford", "Trafford Carers Centre"]


def test_a_sheet_of_groups_uses_the_group_as_the_name():
    draft = clean(base={"Group": "Partington Men's Shed", "When": "Fridays", "Post Code": "M31 4FA"})
    assert draft.name == "Partington Men's Shed" and draft.categories == ["mens-sheds"]


def test_unicode_is_stored_as_given():
    name = "Cylch Ti a Fi – Caerdydd 🌈 café"
    draft = clean({"Activity": name, "Description": "Croeso i bawb! Ça va ✨"})
    assert draft.name == name and draft.description == "Croeso i bawb! Ça va ✨"


def test_phone_stored_as_a_number_gets_its_leading_zero_back():
    assert clean({"Telephone": 1617486414.0}).phone == "01617486414"


def test_charity_register_row_is_an_organisation_with_na_as_missing():
    row = {"registered_charity_number": "1101234", "charity_company_registration_number": "NA",
           "charity_name": "TRAFFORD WALKERS", "charity_activities": "Walks", "charity_contact_postcode": "M33 7XW",
           "charity_contact_email": "NA", "charity_contact_web": "www.example.org", "charity_type": "CIO"}
    org = clean(base=row, kind="organisation", profile="charity")
    assert isinstance(org, OrganisationDraft)
    assert (org.name, org.charity_number, org.company_number, org.email, org.website) == (
        "TRAFFORD WALKERS", "1101234", None, None, "https://www.example.org")
    assert org.extra["charity_type"] == "CIO" and org.extra["postcode"] == "M33 7XW" and org.source_id == "1101234"


def test_normalised_names_ignore_case_punctuation_and_legal_suffixes():
    assert normalise_name("THE CHESHIRE WILDLIFE TRUST LIMITED") == normalise_name("Cheshire Wildlife Trust")
    assert normalise_name("Men's Shed & Co") == "mens shed and co"


# Columns a person can read (issue 15): yes/no columns, ages, remote venues, timing notes.

@pytest.mark.parametrize("cell, answer", [
    ("TRUE", True), ("FALSE", False), ("Yes", True), ("no", False), ("Y", True), ("N", False), ("✓", True), ("✗", False),
    ("x", True), ("1", True), (0, False), (1.0, True), (True, True), ("Yes - ramp at the side", True), ("", None),
    ("N/A", None), ("Not known", None), ("Sometimes", None),
])
def test_yes_no_cells(cell, answer):
    assert values.yes_no(cell)[0] is answer


@pytest.mark.parametrize("column, cell, attribute, expected", [
    ("Free", "TRUE", "is_free", True), ("Free", "FALSE", "is_free", False), ("Free (Y/N)", "Y", "is_free", True),
    ("Is there a cost?", "Yes", "is_free", False), ("Referral only", "Y", "capacity", "referral_needed"),
    ("Referral required", "✓", "capacity", "referral_needed"), ("Referral only", "N", "capacity", "accepting"),
    ("Referral method", "Foodbank voucher", "capacity", "referral_needed"), ("Members only", "x", "audience", ["Anyone", "Members only"]),
    ("Women only", "TRUE", "audience", ["Anyone", "Women only"]), ("Disability only", "Yes", "audience", ["Anyone", "Disabled people only"]),
    ("Carers welcome", "1", "audience", ["Anyone", "Carers welcome"]), ("Carers welcome", "0", "audience", ["Anyone"]),
    ("Step free access", "Yes", "accessibility", ["Step-free access"]), ("Wheelchair accessible", "TRUE", "accessibility", ["Wheelchair accessible"]),
    ("Wheelchair access", "Ramp at the side door", "accessibility", ["Ramp at the side door"]),
    ("Step free access", "No", "accessibility", []), ("Hearing loop", "✓", "accessibility", ["Hearing loop"]),
    ("Online", "Yes", "delivery", ["in_person", "online"]), ("By phone", "TRUE", "delivery", ["in_person", "telephone"]),
])
def test_yes_no_columns_go_to_the_fields_they_speak_for(column, cell, attribute, expected):
    draft = clean({column: cell})
    assert getattr(draft, attribute) == expected
    assert draft.raw[column] == cell and draft.flags == []


@pytest.mark.parametrize("free, cost, is_free, cost_text", [
    ("TRUE", "", True, ""), ("FALSE", "£3 a session", False, "£3 a session"), ("No - £3 a session", "", False, "£3 a session"),
    ("Donations welcome", "", True, "Donations welcome"), ("", "Yes", False, ""), ("", "No", True, ""),
])
def test_a_free_column_gives_is_free_and_never_cost_true(free, cost, is_free, cost_text):
    draft = clean({"Cost": cost, "Free": free})
    assert (draft.is_free, draft.cost_text) == (is_free, cost_text)


@pytest.mark.parametrize("changes, audience, ages", [
    ({"Min age": "18"}, ["Anyone", "Adults"], [[18, None]]),
    ({"Min age": 60.0}, ["Anyone", "Older people"], [[60, None]]),
    ({"Min age": "0", "Max age": "4"}, ["Anyone", "Children"], [[0, 4]]),
    ({"Age from": "11", "Age to": "18 years"}, ["Anyone", "Young people"], [[11, 18]]),
    ({"Max age": "25", "Min age": "16"}, ["Anyone", "Young people"], [[16, 25]]),
    ({"Who is it for": "Age range 18-65"}, ["Age range 18-65", "Adults"], [[18, 65]]),
    ({"Who is it for": "Ages 60+; Carers"}, ["Ages 60+", "Carers", "Older people"], [[60, None]]),
    ({"Who is it for": "Under 5s"}, ["Under 5s", "Children"], [[0, 4]]),
    ({"Who is it for": "Families with children under 4"}, ["Families with children under 4"], None),
    ({"Min age": "eighteen"}, ["Anyone"], None),
])
def test_ages_become_audience_bands(changes, audience, ages):
    draft = clean(changes)
    assert draft.audience == audience and draft.extra.get("ages") == ages


def test_age_bands_give_the_audience_categories():
    assert "older-people" in clean({"Who is it for": "", "Min age": "65"}).categories
    assert "young-people" in clean({"Who is it for": "", "Age range": "13-19"}).categories
    assert clean({"Who is it for": "", "Min age": "18"}).categories == ["walking"]


@pytest.mark.parametrize("venue, delivery", [
    ("Online", ["online"]), ("Telephone", ["telephone"]), ("By phone", ["telephone"]), ("Zoom", ["online"]),
    ("Virtual", ["online"]), ("Online (Zoom)", ["online"]), ("Microsoft Teams", ["online"]), ("Phone or online", ["online", "telephone"]),
])
def test_online_or_telephone_given_as_a_venue_is_the_delivery_mode_not_a_place(venue, delivery):
    draft = clean({"Venue": venue, "Post Code": "", "Format": ""})
    assert (draft.venue, draft.delivery, draft.flags) == (None, delivery, [])
    assert draft.raw["Venue"] == venue


def test_a_remote_address_or_postcode_is_no_place_and_no_postcode_problem():
    draft = clean({"Venue": "", "Address": "Online", "Post Code": "N/A - online", "Format": ""})
    assert (draft.address, draft.postcode, draft.delivery, draft.flags) == (None, None, ["online"], [])


def test_a_real_venue_with_a_remote_word_in_it_stays_a_place():
    draft = clean({"Venue": "Zoom Cafe, 3 High Street", "Format": ""})
    assert draft.venue == "Zoom Cafe, 3 High Street" and draft.delivery == ["in_person"]


def test_remote_venues_are_not_located_or_flagged(postcodes, area_index):
    from assetmap.ingest.locate import locate_drafts

    drafts = [clean({"Venue": venue, "Post Code": "", "Format": ""}, line=n) for n, venue in enumerate(("Online", "By phone", "Zoom"), 2)]
    locate_drafts(drafts, postcodes, area_index)
    assert [(d.precision, d.flags) for d in drafts] == [("none", [])] * 3


def test_remote_venue_keeps_the_id_it_had_before():
    assert clean({"Venue": "Online", "Post Code": ""}).id == clean({"Venue": "Online", "Post Code": "", "Format": "Online"}).id


@pytest.mark.parametrize("changes, text, tokens", [
    ({"When": "Tuesdays 10-12", "Timing notes": "Term time only"}, "Tuesdays 10-12. Term time only", ["tue morning"]),
    ({"When": "Wednesdays 12-2pm.", "Session notes": "Please book by Monday"}, "Wednesdays 12-2pm. Please book by Monday", ["wed afternoon"]),
    ({"When": "", "Additional times information": "Fridays 2-4pm"}, "Fridays 2-4pm", ["fri afternoon"]),
    ({"When": "Tuesdays 10-12", "Timing notes": "N/A"}, "Tuesdays 10-12", ["tue morning"]),
])
def test_timing_notes_are_kept_after_the_schedule_text(changes, text, tokens):
    draft = clean(changes)
    assert (draft.schedule_text, draft.schedule) == (text, tokens)


def test_timing_notes_beside_opening_hours_by_day_are_kept():
    row = {"pharmacy_name": "A1 Pharmacy", "postcode": "BL3 1SX", "opening_hours_monday": "09:00-17:00", "Timing notes": "Closed bank holidays"}
    draft = clean(base=row)
    assert draft.schedule_text == "Mon 09:00-17:00. Closed bank holidays" and draft.schedule[0] == "mon morning"
    assert draft.categories == ["health-services"]   # the "pharmacy_name" column says what every row is

