"""The numpy columns searches filter and count on (pure)."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import numpy as np
import pytest

from assetmap.freshness import freshness_of
from assetmap.search.table import Table, as_timestamp, freshness_codes, multi_from_lists, schedule_mask
from assetmap.vocab import FRESHNESS_STATES

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def table(when):
    n = len(when)
    empty = multi_from_lists([[] for _ in range(n)])
    return Table(ids=np.arange(n).astype(object), live=np.ones(n, bool), lat=np.full(n, np.nan), lon=np.full(n, np.nan),
                 verified=np.full(n, np.nan), multi={"when": multi_from_lists(when), "serves": empty})


def test_multi_masks_and_counts_count_each_row_once_per_value():
    multi = multi_from_lists([["walking", "exercise"], ["walking"], [], ["singing", "singing"]])
    assert multi.rows_with_any(["walking", "singing"], 4).tolist() == [True, True, False, True]
    assert multi.rows_with_all(["walking", "exercise"], 4).tolist() == [True, False, False, False]
    assert multi.rows_with_any(["unknown"], 4).tolist() == [False] * 4
    assert multi.counts(np.array([True, True, True, True])) == {"walking": 2, "exercise": 1, "singing": 1}
    assert multi.counts(np.array([False, True, False, False])) == {"walking": 1}


def test_days_and_times_come_from_schedule_tokens_with_any_time_counting_for_all():
    t = table([["tue morning", "thu morning"], ["sat any"], []])
    assert t.days.counts(np.ones(3, bool)) == {"tue": 1, "thu": 1, "sat": 1}
    assert t.times.counts(np.ones(3, bool)) == {"morning": 2, "afternoon": 1, "evening": 1}


def test_day_and_time_must_belong_to_the_same_token():
    t = table([["tue evening", "thu morning"], ["tue morning"], ["sat any"], []])
    assert schedule_mask(t, ("tue",), ("morning",)).tolist() == [False, True, False, False]
    assert schedule_mask(t, ("sat",), ("evening",)).tolist() == [False, False, True, False]
    assert schedule_mask(t, (), ()) is None


@pytest.mark.parametrize("days_ago", [0, 1, 179, 180, 181, 364, 365, 366, 2000, None])
def test_freshness_codes_agree_with_freshness_of(days_ago):
    verified = None if days_ago is None else NOW - dt.timedelta(days=days_ago, hours=3)
    code = freshness_codes(np.array([as_timestamp(verified)]), NOW, 180, 365)[0]
    assert FRESHNESS_STATES[code] == freshness_of(verified, NOW, 180, 365).state


def test_naive_datetimes_are_taken_as_utc():
    assert as_timestamp(dt.datetime(2026, 1, 1)) == as_timestamp(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_whoosh_is_used_only_inside_the_search_package():
    package = pathlib.Path(__file__).resolve().parents[2] / "assetmap"
    imports = re.compile(r"^\s*(import|from)\s+whoosh\b", re.MULTILINE)
    leaks = [str(p) for p in package.rglob("*.py") if p.relative_to(package).parts[0] != "search" and imports.search(p.read_text(encoding="utf-8"))]
    assert leaks == []


def _values_per_row(multi, n):
    return [sorted(multi.values[c] for r, c in zip(multi.rows, multi.codes) if r == row) for row in range(n)]


def test_take_keeps_only_the_rows_asked_for_in_their_order_with_their_values():
    lists = [["walking", "exercise"], [], ["singing"], ["walking"], ["art", "singing", "walking"]]
    t = table([["tue morning"], [], ["sat any"], ["tue evening"], []])
    t.multi["categories"] = multi_from_lists(lists)
    t.lat = np.arange(5, dtype=float)
    taken = t.take(np.array([4, 0, 3]))
    assert taken.ids.tolist() == [4, 0, 3]
    assert taken.lat.tolist() == [4.0, 0.0, 3.0]
    assert _values_per_row(taken.multi["categories"], 3) == [["art", "singing", "walking"], ["exercise", "walking"], ["walking"]]
    assert taken.days.counts(np.ones(3, bool)) == {"tue": 2}
    assert len(t.take(np.array([], dtype=np.int64))) == 0


def test_appended_adds_rows_at_the_end_and_marks_the_dead_without_changing_either_table():
    first = table([["tue morning"], ["sat any"]])
    first.multi["categories"] = multi_from_lists([["walking"], ["singing"]])
    second = table([["mon evening"]])
    second.multi["categories"] = multi_from_lists([["art", "walking"]])
    both = first.appended(second, dead=[0])
    assert both.ids.tolist() == [0, 1, 0]
    assert both.live.tolist() == [False, True, True]
    assert first.live.tolist() == [True, True]
    assert _values_per_row(both.multi["categories"], 3) == [["walking"], ["singing"], ["art", "walking"]]
    assert both.days.counts(both.live) == {"sat": 1, "mon": 1}
    assert (np.diff(both.multi["categories"].rows) >= 0).all()   # still sorted, so it can be taken from


def test_a_take_reads_each_rows_entries_in_the_order_given_and_none_past_the_last():
    multi = multi_from_lists([["a"], [], ["b", "c"], []])
    taken = multi.take(np.array([5, 2, 0, 2, 1]))
    assert taken.rows.tolist() == [1, 1, 2, 3, 3]
    assert [multi.values[c] for c in taken.codes] == ["b", "c", "a", "b", "c"]


def test_a_taken_multi_copies_nothing_until_read_and_answers_as_a_copy_would():
    lists = [["walking", "exercise"], [], ["singing"], ["walking"], ["art", "singing", "walking"], ["exercise"]]
    whole = multi_from_lists(lists)
    rows = np.array([4, 0, 3, 4, 1])
    eager, lazy = whole.take(rows), whole.taken(rows, len(lists))
    assert lazy._made is None
    for wanted in (["walking"], ["singing", "art"], ["unknown"], []):
        assert lazy.rows_with_any(wanted, len(rows)).tolist() == eager.rows_with_any(wanted, len(rows)).tolist()
    assert lazy.rows_with_all(["walking", "singing"], len(rows)).tolist() == [True, False, False, True, False]
    assert lazy.filled(len(rows)).tolist() == eager.filled(len(rows)).tolist() == [True, True, True, True, False]
    assert lazy._made is None and ("walking",) in [key[1:] for key in whole._masks]   # the whole's masks, kept by it
    twice = lazy.taken(np.array([2, 0]), len(rows))
    assert _values_per_row(twice, 2) == [["walking"], ["art", "singing", "walking"]]
    assert lazy.counts(np.ones(len(rows), bool)) == eager.counts(np.ones(len(rows), bool))
    assert (lazy.rows.tolist(), lazy.codes.tolist(), lazy.values) == (eager.rows.tolist(), eager.codes.tolist(), eager.values)
    assert lazy.take(np.array([1, 0])).rows.tolist() == eager.take(np.array([1, 0])).rows.tolist()


def test_a_taken_table_reads_each_column_only_when_asked():
    t = table([["tue morning"], [], ["sat any"], ["tue evening"], []])
    t.multi["categories"] = multi_from_lists([["walking"], [], ["singing"], ["walking"], ["art"]])
    taken = t.take(np.array([3, 2]))
    assert all(multi._made is None for multi in taken.multi.values())
    assert taken.multi["categories"].rows_with_any(["walking"], 2).tolist() == [True, False]
    assert taken.multi["categories"]._made is None
    assert _values_per_row(taken.multi["when"], 2) == [["tue evening"], ["sat any"]]
