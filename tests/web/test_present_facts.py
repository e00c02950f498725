"""The facts on the search and activity pages in one style: times, costs, places, links, distances."""

import datetime as dt

import pytest

from assetmap.schedule import parse_schedule
from assetmap.web.present import (
    KM_PER_MILE,
    address_line,
    area_line,
    capacity_label,
    clock_time,
    cost_line,
    distance_words,
    linkify,
    serves_line,
    spoken_times,
    summary,
    when_line,
    widening_note,
)

from ..factories import make_activity


def _with_schedule(text: str):
    parsed = parse_schedule(text)
    return make_activity(schedule_text=text, extra={"schedule": parsed.detail} if parsed.detail else {})


@pytest.mark.parametrize("text, expected", [
    ("Wednesdays 1.30pm to 2.30pm", "Wednesdays, 1:30pm to 2:30pm"),
    ("13:30-14:30 Wed", "Wednesdays, 1:30pm to 2:30pm"),
    ("Mon & Wed 10-12", "Mondays and Wednesdays, 10am to 12pm"),
    ("2nd and 4th Wednesday 10am - 12noon", "2nd and 4th Wednesday of the month, 10am to 12pm"),
    ("Every other Tuesday 10-11", "Every other Tuesday, 10am to 11am"),
    ("term time only Thursdays 9-11", "Thursdays, 9am to 11am (term time only)"),
    ("daily 9-5", "Every day, 9am to 5pm"),
    ("Sunday 14 December 2025 10am-1pm", "Sunday 14 December 2025, 10am to 1pm"),
    ("ring for details", "ring for details"),          # nothing typed to read: the words as written
])
def test_times_are_written_one_way_from_the_typed_schedule(text, expected):
    assert when_line(_with_schedule(text)) == expected


def test_a_record_with_no_typed_schedule_has_its_text_read():
    assert when_line(make_activity(schedule_text="Every Tuesday 10:00-11:00", extra={})) == "Tuesdays, 10am to 11am"
    assert when_line(make_activity(schedule_text="", extra={})) == ""


def test_clock_times_are_said_the_english_way():
    assert [clock_time(dt.time(h, m)) for h, m in ((0, 0), (9, 5), (12, 0), (13, 30), (23, 59))] == \
        ["12am", "9:05am", "12pm", "1:30pm", "11:59pm"]


@pytest.mark.parametrize("cost, is_free, expected", [
    ("£0 (Free)", None, "Free"), ("free", None, "Free"), ("FREE!", None, "Free"), ("", True, "Free"), ("", None, ""),
    ("£2", False, "£2 a session"), ("£2.00 per session", False, "£2 a session"), ("£3.50 / week", False, "£3.50 a week"),
    ("Donations welcome", None, "Donation"), ("Pay what you can", None, "Donation"),
    ("£5 for members, £7 for others", False, "£5 for members, £7 for others"),
])
def test_costs_are_written_one_way(cost, is_free, expected):
    assert cost_line(make_activity(cost_text=cost, is_free=is_free)) == expected


def test_address_lines_are_joined_with_commas_without_the_venue_or_repeats():
    activity = make_activity(venue="Sale Library", address="Sale Library\nTatton Road;  Sale\n\nSale,", postcode="M33 7YS")
    assert address_line(activity) == "Tatton Road, Sale, M33 7YS"
    assert address_line(make_activity(venue=None, address="1 High St, Sale M33 7YS", postcode="M33 7YS")) == "1 High St, Sale M33 7YS"
    assert address_line(make_activity(venue=None, address="1 High St\nM33 7YS", postcode="m33 7ys")) == "1 High St, M33 7YS"


def test_text_is_escaped_before_its_links_are_made():
    html = str(linkify('<script>alert(1)</script> see https://a.example.org/x?a=1&b=2. Mail: me@example.org, www.b.example.org'))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://a.example.org/x?a=1&amp;b=2" rel="nofollow noopener">https://a.example.org/x?a=1&amp;b=2</a>.' in html
    assert '<a href="mailto:me@example.org">me@example.org</a>,' in html
    assert '<a href="https://www.b.example.org" rel="nofollow noopener">www.b.example.org</a>' in html


@pytest.mark.parametrize("text", ['https://x.example.org/"onmouseover="alert(1)', "javascript:alert(1)", "https://x.example.org/<b>"])
def test_no_link_can_break_out_of_its_attribute_or_run_script(text):
    html = str(linkify(text))
    assert 'href="javascript' not in html and "<b>" not in html and '"onmouseover' not in html


def test_a_long_description_gives_its_first_sentence_cut_at_a_word():
    assert summary(make_activity(description="A walk in the park. Then tea.")) == "A walk in the park."
    long = summary(make_activity(description="word " * 60))
    assert long.endswith("…") and len(long) <= 141 and " wo…" not in long


def test_distances_follow_the_units_setting():
    assert distance_words(22.5) == "14 miles away" and distance_words(1.609344) == "1 mile away"
    assert distance_words(0.05) == "Under 0.1 miles away" and distance_words(0.8) == "0.5 miles away"
    assert distance_words(0.8, "km") == "0.8 km away" and distance_words(22.5, "km") == "22 km away"


def test_the_widening_note_says_plainly_what_is_near_and_what_is_not():
    three_miles = 3 * KM_PER_MILE
    assert widening_note(three_miles, 0, 22.5) == "Nothing within 3 miles; the nearest are 14 miles away."
    assert widening_note(5.0, 0, 22.5, "km") == "Nothing within 5 km; the nearest are 22 km away."
    assert widening_note(three_miles, 1, 8.0) == "Only 1 activity within 3 miles; others further away are shown too (the next is 5.0 miles away)."
    assert widening_note(three_miles, 0, None) == "Nothing within 3 miles."


def test_area_line_names_ward_then_council():
    assert area_line("Sale Central", "Trafford") == "In Sale Central, Trafford"
    assert area_line(None, "Trafford") == "In Trafford" and area_line(None, None) == ""


@pytest.mark.parametrize("delivery, areas, expected", [
    (["telephone"], ["Kent"], "By phone, anywhere in Kent"),
    (["online"], ["Trafford", "Manchester"], "Online, anywhere in Trafford and Manchester"),
    (["online", "telephone"], [], "By phone or online, from anywhere"),
    (["in_person"], ["Trafford"], "Serves all of Trafford"),
    (["in_person", "telephone"], ["Trafford"], "Serves all of Trafford"),
    (["in_person"], [], ""),
])
def test_a_record_that_serves_an_area_says_so_instead_of_a_distance(delivery, areas, expected):
    assert serves_line(make_activity(delivery=delivery), areas) == expected


def test_capacity_has_the_vocabulary_label():
    assert capacity_label(make_activity(capacity="waiting_list")) == "Waiting list"
    assert capacity_label(make_activity(capacity="accepting")) == "Taking new people"
    assert capacity_label(make_activity(capacity=None)) == ""


def test_times_inside_a_line_are_said_the_same_way():
    assert spoken_times("Next: Wednesday 24 June, 13:30") == "Next: Wednesday 24 June, 1:30pm"
    assert spoken_times("Today, 09:00 and 12:00") == "Today, 9am and 12pm" and spoken_times("") == ""
