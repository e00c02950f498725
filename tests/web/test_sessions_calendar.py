import datetime as dt
import doctest

import pytest

from assetmap.web import sessions_calendar
from assetmap.web.sessions_calendar import describe_next, next_session

MONDAY = dt.date(2026, 6, 15)


def test_doctests_pass():
    result = doctest.testmod(sessions_calendar)
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
