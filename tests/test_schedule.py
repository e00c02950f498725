import datetime as dt
import doctest

import pytest

from assetmap import schedule as schedule_module
from assetmap.schedule import Schedule, Session, day_span, describe_next, from_day_columns, from_oruk, next_session, parse_schedule, time_range

MF = ["mon", "tue", "wed", "thu", "fri"]
MONDAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize("text, tokens", [
    ("Mon & Wed 10-3", ["mon morning", "mon afternoon", "wed morning", "wed afternoon"]),
    ("Wednesday 10am - 4pm", ["wed morning", "wed afternoon"]),
    ("Tuesday - Friday 12noon - 2pm", ["tue afternoon", "wed afternoon", "thu afternoon", "fri afternoon"]),
    ("Thursday 1.30 - 3.30pm", ["thu afternoon"]),
    ("Saturday 10am - 12 noon", ["sat morning"]),
    ("Tuesday 6pm - 8pm and Sunday 3pm - 5pm", ["tue evening", "sun afternoon"]),
    ("Weds 12-2pm", ["wed afternoon"]),
    ("Thur 1-3pm", ["thu afternoon"]),
    ("Wednesday 2=3pm", ["wed afternoon"]),
    ("Friday from 6pm", ["fri evening"]),
    ("Thursday evenings", ["thu evening"]),
    ("Weekends 10-4", ["sat morning", "sat afternoon", "sun morning", "sun afternoon"]),
    ("Mon - Fri by appointment", [f"{d} any" for d in MF]),
    ("every 2nd Sunday", ["sun any"]),
    ("By appointment", []),
    ("", []),
])
def test_free_text_becomes_day_and_part_tokens(text, tokens):
    assert parse_schedule(text).tokens == tokens


@pytest.mark.parametrize("text, key, value", [
    ("first Friday of the month, 2-4pm", "week_of_month", 1),
    ("first Friday of the month, 2-4pm", "frequency", "monthly"),
    ("last Tuesday of the month 7-9", "week_of_month", -1),
    ("every 2nd Sunday", "week_of_month", 2),
    ("every other Wednesday", "frequency", "fortnightly"),
    ("Fortnightly on Mondays", "frequency", "fortnightly"),
    ("Food served daily 9am - 1:30pm", "frequency", "daily"),
    ("Tuesdays 10-12", "frequency", "weekly"),
    ("Contact for details", "frequency", "irregular"),
    ("Mondays 1:30pm - 2:30pm, term time only", "term_time_only", True),
    ("Mon & Wed 10-3", "opens", "10:00"),
    ("Mon & Wed 10-3", "closes", "15:00"),
    ("Tuesday 11:30am - 4pm", "days", ["tue"]),
])
def test_detail_holds_times_frequency_and_monthly_rules(text, key, value):
    assert parse_schedule(text).detail[key] == value


def test_mixed_weekly_and_monthly_sessions_are_kept_apart():
    detail = parse_schedule("Tuesdays & Fridays 12pm - 3pm; 1st Saturday of month 10am - 12noon").detail
    assert detail["frequency"] == "weekly" and detail["week_of_month"] is None
    assert detail["sessions"][1] == {"days": ["sat"], "opens": "10:00", "closes": "12:00", "week_of_month": 1}


@pytest.mark.parametrize("first, second, expected", [
    ("10", "3", (10, 15)), ("2", "4", (14, 16)), ("7", "9", (19, 21)), ("1.30", "3.30pm", (13.5, 15.5)),
    ("12", "2pm", (12, 14)), ("10am", "12noon", (10, 12)), ("08:30", "13:00", (8.5, 13)), ("13", "25", None),
])
def test_times_without_am_pm_are_read_as_community_hours(first, second, expected):
    assert time_range(first, second) == expected


def test_day_spans_wrap_past_sunday():
    assert day_span("fri", "mon") == ["fri", "sat", "sun", "mon"]


def test_oruk_schedules_give_the_same_structure():
    parsed, text = from_oruk([{"freq": "MONTHLY", "byday": "1FR", "opens_at": "14:00:00", "closes_at": "16:00:00"},
                              {"freq": "WEEKLY", "byday": "TH", "opens_at": "18:30", "closes_at": "20:00"}])
    assert parsed.tokens == ["thu evening", "fri afternoon"]
    assert parsed.detail["sessions"][0]["week_of_month"] == 1
    assert text == "Thursday, Friday 14:00–16:00"


def test_fortnightly_oruk_schedule():
    parsed, _ = from_oruk([{"freq": "WEEKLY", "interval": 2, "byday": "TU", "opens_at": "10:00"}])
    assert parsed.detail["frequency"] == "fortnightly" and parsed.tokens == ["tue morning"]


def test_day_columns_closed_days_are_skipped():
    parsed = from_day_columns({"mon": "09:00-12:00", "sun": "CLOSED"})
    assert parsed.tokens == ["mon morning"]


def test_doctests_pass():
    result = doctest.testmod(schedule_module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "schedule, expected",
    [
        ({"days": ["mon"], "frequency": "weekly"}, dt.date(2026, 6, 15)),  # today counts
        ({"days": ["sun", "wed"], "frequency": "weekly"}, dt.date(2026, 6, 17)),
        ({"days": ["fri"], "frequency": "monthly", "week_of_month": 1}, dt.date(2026, 7, 3)),
        ({"days": ["thu"], "frequency": "monthly", "week_of_month": -1}, dt.date(2026, 6, 25)),
        ({"days": ["thu"], "frequency": "fortnightly"}, None),  # no anchor date: say nothing
        ({"days": [], "frequency": "irregular"}, None),
        (None, None),
    ],
)
def test_next_session(schedule, expected):
    assert next_session(schedule, MONDAY) == expected


def test_describe_next_reads_plainly():
    assert describe_next({"days": ["tue"], "frequency": "weekly", "opens": "10:00"}, MONDAY) == "Next: Tuesday 16 June, 10:00"
    assert describe_next({"days": ["mon"], "frequency": "weekly", "term_time_only": True}, MONDAY) == "Next: Today (term time only)"


DEMO_LIKE = ["Tuesdays 2-3pm", "Mon & Wed 10-3, term time only", "Tuesdays & Fridays 12pm - 3pm; 1st Saturday of month 10am - 12noon",
             "last Tuesday of the month 7-9", "every other Wednesday", "Thursday evenings", "Food served daily 9am - 1:30pm",
             "Friday from 6pm", "Weekdays 9 to 5", "Contact for details", "Saturday 11pm - 1am"]


@pytest.mark.parametrize("text", DEMO_LIKE)
def test_a_parsed_schedule_survives_the_json_round_trip(text):
    parsed = parse_schedule(text).schedule
    assert Schedule.from_json(parsed.to_json()) == parsed
    assert parse_schedule(text).detail == parsed.to_json()


def test_an_older_record_reads_as_a_typed_schedule():
    stored = {"days": ["tue", "sat"], "opens": "12:00", "closes": "15:00", "frequency": "weekly", "week_of_month": None,
              "term_time_only": False, "sessions": [{"days": ["tue"], "opens": "12:00", "closes": "15:00", "week_of_month": None},
                                                    {"days": ["sat"], "opens": "10:00", "closes": "12:00", "week_of_month": 1}]}
    read = Schedule.from_json(stored)
    assert read.days == ("tue", "sat") and read.opens == dt.time(12) and read.frequency == "weekly"
    assert read.sessions[1] == Session(("sat",), dt.time(10), dt.time(12), 1)
    assert read.to_json() == stored


def test_a_partial_record_takes_defaults_and_an_unknown_frequency_claims_no_date():
    read = Schedule.from_json({"days": ["thu"], "frequency": "sometimes"})
    assert (read.frequency, read.opens, read.sessions, read.term_time_only) == ("irregular", None, (), False)
    assert next_session(read, MONDAY) is None


def test_one_off_dates_and_exceptions_are_kept_only_when_present():
    assert "dates" not in parse_schedule("Tuesdays 10-12").detail
    with_dates = Schedule(days=("tue",), frequency="weekly", dates=(dt.date(2026, 7, 1),), exceptions=(dt.date(2026, 8, 4),))
    assert with_dates.to_json()["dates"] == ["2026-07-01"] and with_dates.to_json()["exceptions"] == ["2026-08-04"]
    assert Schedule.from_json(with_dates.to_json()) == with_dates


def test_the_schedule_a_record_keeps_in_extra():
    assert Schedule.from_extra({"schedule": {"days": ["mon"], "frequency": "weekly"}}).days == ("mon",)
    assert Schedule.from_extra({}) is None and Schedule.from_extra(None) is None
