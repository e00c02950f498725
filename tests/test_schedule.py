import datetime as dt
import doctest
import importlib

import pytest

from assetmap.schedule import (
    Schedule,
    Session,
    bank_holidays,
    day_span,
    describe_next,
    from_day_columns,
    from_oruk,
    has_ended,
    next_session,
    parse_schedule,
    time_range,
)

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


@pytest.mark.parametrize("part", ["model", "text", "feeds", "calendar"])
def test_doctests_pass(part):
    result = doctest.testmod(importlib.import_module(f"assetmap.schedule.{part}"))
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
    assert describe_next({"days": ["mon"], "frequency": "weekly"}, MONDAY) == "Next: Today"


def test_term_time_only_claims_no_date_it_cannot_know():
    schedule = parse_schedule("Term time only, Mondays 1-3pm").schedule
    assert next_session(schedule, MONDAY) is None
    assert describe_next(schedule, MONDAY) == "Term time only: ask the organiser for term dates"


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


# --- Dates, nth weeks, fortnights, bank holidays (issue 15) ---------------------------------------

AUTUMN = dt.date(2025, 11, 1)   # when the sheet was ingested: places dates written without a year


@pytest.mark.parametrize("text, expected", [
    # The issue's own example: 14 December 2025 is a Sunday. The full date wins over the weekday written beside it.
    ("Saturday 14 December 2025", {"frequency": "once", "dates": ["2025-12-14"], "days": ["sun"]}),
    ("Saturday 13 December 2025", {"frequency": "once", "dates": ["2025-12-13"], "days": ["sat"], "week_of_month": None}),
    ("Saturday 13 December", {"frequency": "once", "dates": ["2025-12-13"]}),
    ("14/12/2025 10am-2pm", {"frequency": "once", "dates": ["2025-12-14"], "opens": "10:00", "closes": "14:00"}),
    ("from 3 March to 28 April 2026", {"frequency": "irregular", "starts": "2026-03-03", "ends": "2026-04-28", "days": []}),
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", {"frequency": "weekly", "days": ["tue"], "starts": "2026-01-06", "ends": "2026-03-24"}),
    ("Tuesdays 10-12 until 24 March 2026", {"frequency": "weekly", "ends": "2026-03-24"}),
    ("2nd and 4th Wednesday", {"frequency": "monthly", "week_of_month": [2, 4], "days": ["wed"]}),
    ("1st, 3rd & 5th Sunday 3pm", {"frequency": "monthly", "week_of_month": [1, 3, 5]}),
    ("every other week, Tuesday 2pm", {"frequency": "fortnightly", "days": ["tue"], "opens": "14:00"}),
    ("Fortnightly on Wednesdays from 7 January 2026 1-3pm", {"frequency": "fortnightly", "anchor": "2026-01-07", "starts": "2026-01-07"}),
    ("Every other Tuesday, next one 13 January 2026", {"frequency": "fortnightly", "anchor": "2026-01-13"}),
    ("first Monday of the month", {"frequency": "monthly", "week_of_month": 1, "days": ["mon"]}),
    ("last Friday", {"frequency": "monthly", "week_of_month": -1, "days": ["fri"]}),
    ("Term time only, Mondays 1-3pm", {"term_time_only": True, "frequency": "weekly"}),
    ("Tuesdays 10-12, not on bank holidays", {"skips_bank_holidays": True, "frequency": "weekly"}),
    ("2pm - 4pm every 3rd Thursday of the month", {"frequency": "monthly", "week_of_month": 3, "days": ["thu"], "opens": "14:00", "closes": "16:00"}),
    ("Tuesdays 10-12, not on 23 December or 30 December 2025", {"frequency": "weekly", "exceptions": ["2025-12-23", "2025-12-30"]}),
    ("30 November to 2 January 2026, Saturdays", {"starts": "2025-11-30", "ends": "2026-01-02", "frequency": "weekly"}),
    ("Sunday 20 December and Sunday 3 January 2027", {"dates": ["2026-12-20", "2027-01-03"], "frequency": "once", "days": ["sun"]}),
])
def test_dated_and_monthly_phrases_become_typed_schedules(text, expected):
    detail = parse_schedule(text, AUTUMN).detail
    assert {key: detail.get(key) for key in expected} == expected


@pytest.mark.parametrize("text, tokens", [
    ("Saturday 13 December 2025", ["sat any", "until 2025-12-13"]),   # a day token for the day filter, and when it stops
    ("14/12/2025 10am-2pm", ["sun morning", "sun afternoon", "until 2025-12-14"]),
    ("from 3 March to 28 April 2026", ["until 2026-04-28"]),
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", ["tue any", "until 2026-03-24"]),
    ("2nd and 4th Wednesday 10-12", ["wed morning"]),
    ("Tuesdays 10-12, not on 23 December 2025", ["tue morning"]),   # a skipped date does not end anything
])
def test_dated_events_carry_their_last_date_and_never_a_weekly_look(text, tokens):
    assert parse_schedule(text, AUTUMN).tokens == tokens


@pytest.mark.parametrize("text, today, expected", [
    ("Saturday 13 December 2025", dt.date(2025, 12, 1), dt.date(2025, 12, 13)),
    ("Saturday 13 December 2025", dt.date(2025, 12, 14), None),   # not "every Saturday": no later one
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", dt.date(2025, 12, 1), dt.date(2026, 1, 6)),
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", dt.date(2026, 3, 24), dt.date(2026, 3, 24)),
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", dt.date(2026, 3, 25), None),
    ("Tuesdays 10-12 until 24 March 2026", dt.date(2026, 3, 25), None),
    ("2nd and 4th Wednesday", dt.date(2026, 6, 8), dt.date(2026, 6, 10)),
    ("2nd and 4th Wednesday", dt.date(2026, 6, 11), dt.date(2026, 6, 24)),
    ("first Monday of the month", MONDAY, dt.date(2026, 7, 6)),
    ("last Friday", MONDAY, dt.date(2026, 6, 26)),
    ("2pm - 4pm every 3rd Thursday of the month", MONDAY, dt.date(2026, 6, 18)),
    ("Fortnightly on Wednesdays from 7 January 2026 1-3pm", dt.date(2025, 12, 1), dt.date(2026, 1, 7)),
    ("Fortnightly on Wednesdays from 7 January 2026 1-3pm", dt.date(2026, 1, 8), dt.date(2026, 1, 21)),
    ("Every other Tuesday, next one 13 January 2026", MONDAY, dt.date(2026, 6, 16)),   # 22 weeks after the anchor
    ("every other week, Tuesday 2pm", MONDAY, None),   # no anchor date: say nothing
    ("Mondays 10-12", dt.date(2026, 4, 30), dt.date(2026, 5, 4)),
    ("Mondays 10-12, not on bank holidays", dt.date(2026, 4, 30), dt.date(2026, 5, 11)),   # 4 May is the May Day bank holiday
    ("Mondays 10-12, except bank holidays", dt.date(2026, 4, 3), dt.date(2026, 4, 13)),   # 6 April is Easter Monday
    ("Tuesdays 10-12, not on 23 December or 30 December 2025", dt.date(2025, 12, 22), dt.date(2026, 1, 6)),
])
def test_next_session_of_dated_monthly_and_fortnightly_rules(text, today, expected):
    assert next_session(parse_schedule(text, AUTUMN).schedule, today) == expected


WEDNESDAY = dt.date(2026, 6, 17)


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment given as the clock gives it (UTC); in June, London is an hour ahead."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize("text, now, expected", [
    ("Wednesdays 1.30pm", _utc(WEDNESDAY, 22, 2), "Next: Wednesday 24 June, 13:30"),   # 23:02 in London: not "Today, 13:30"
    ("Wednesdays 1.30pm", _utc(WEDNESDAY, 11, 0), "Next: Today, 13:30"),
    ("Wednesdays 1.30-3pm", _utc(WEDNESDAY, 13, 0), "On now, until 15:00"),
    ("Wednesdays 1.30-3pm", _utc(WEDNESDAY, 14, 0), "Next: Wednesday 24 June, 13:30"),   # 15:00 in London: over
    ("Thursdays 10am", _utc(WEDNESDAY, 23, 30), "Next: Today, 10:00"),   # 00:30 on Thursday in London, still Wednesday in UTC
    ("Saturday 13 December 2025 10am-2pm", dt.datetime(2025, 12, 13, 15, 0, tzinfo=dt.UTC), None),
    ("Saturday 13 December 2025 10am-2pm", dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC), "Next: Saturday 13 December, 10:00"),
    ("Saturday 9 January 2027", _utc(WEDNESDAY, 12), "Next: Saturday 9 January 2027"),
])
def test_describe_next_is_never_a_time_already_past_in_london(text, now, expected):
    assert describe_next(parse_schedule(text, AUTUMN).schedule, now) == expected


@pytest.mark.parametrize("text, today, ended", [
    ("Saturday 13 December 2025", dt.date(2025, 12, 13), False),
    ("Saturday 13 December 2025", dt.date(2025, 12, 14), True),
    ("from 3 March to 28 April 2026", dt.date(2026, 4, 29), True),
    ("6 Jan 2026 - 24 Mar 2026 every Tuesday", dt.date(2026, 3, 1), False),
    ("Tuesdays 10-12, not on 23 December 2025", dt.date(2026, 3, 1), False),   # a rule with a skipped date goes on
    ("Tuesdays 10-12", dt.date(2030, 1, 1), False),
])
def test_has_ended(text, today, ended):
    assert has_ended(parse_schedule(text, AUTUMN).schedule, today) is ended


def test_has_ended_uses_the_local_date():
    schedule = parse_schedule("Saturday 13 December 2025").schedule
    assert has_ended(schedule, dt.datetime(2025, 12, 13, 23, 30, tzinfo=dt.UTC)) is False   # GMT in winter: still the 13th
    assert has_ended(Schedule(frequency="once", days=("sat",), dates=(dt.date(2026, 6, 13),)),
                     dt.datetime(2026, 6, 13, 23, 30, tzinfo=dt.UTC)) is True   # BST: already the 14th in London


def test_a_date_without_a_year_is_still_not_a_weekly_rule_when_no_ingest_date_is_given():
    parsed = parse_schedule("Saturday 13 December 10am")
    assert parsed.detail["frequency"] == "irregular" and parsed.detail["days"] == [] and parsed.tokens == []


def test_older_json_with_a_single_week_reads_as_a_tuple_and_is_written_back_unchanged():
    stored = {"days": ["wed"], "opens": None, "closes": None, "frequency": "monthly", "week_of_month": 2, "term_time_only": False,
              "sessions": [{"days": ["wed"], "opens": None, "closes": None, "week_of_month": 2}]}
    read = Schedule.from_json(stored)
    assert read.week_of_month == (2,) and read.sessions[0].week_of_month == (2,)
    assert read.to_json() == stored   # a bare int, as older readers expect
    assert next_session(stored, dt.date(2026, 6, 1)) == dt.date(2026, 6, 10)


def test_several_weeks_and_the_new_fields_survive_the_json_round_trip():
    schedule = Schedule(days=("wed",), frequency="fortnightly", week_of_month=(2, 4), anchor=dt.date(2026, 1, 7),
                        starts=dt.date(2026, 1, 7), ends=dt.date(2026, 7, 1), skips_bank_holidays=True,
                        sessions=(Session(("wed",), dt.time(13), dt.time(15), (2, 4)),))
    data = schedule.to_json()
    assert data["week_of_month"] == [2, 4] and data["anchor"] == "2026-01-07" and data["skips_bank_holidays"] is True
    assert Schedule.from_json(data) == schedule


def test_bank_holidays_are_englands():
    assert dt.date(2026, 5, 4) in bank_holidays(2026) and dt.date(2026, 3, 17) not in bank_holidays(2026)   # not St Patrick's Day


ISSUE_PHRASES = ["Saturday 14 December 2025", "14/12/2025 10am-2pm", "from 3 March to 28 April 2026", "6 Jan 2026 - 24 Mar 2026 every Tuesday",
                 "2nd and 4th Wednesday", "every other week", "Fortnightly on Wednesdays from 7 January 2026", "first Monday of the month",
                 "last Friday", "term time only", "Tuesdays, not on bank holidays", "2pm - 4pm every 3rd Thursday of the month"]


@pytest.mark.parametrize("text", ISSUE_PHRASES)
def test_issue_phrases_survive_the_json_round_trip(text):
    parsed = parse_schedule(text, AUTUMN).schedule
    assert Schedule.from_json(parsed.to_json()) == parsed
