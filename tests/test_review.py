"""Freshness from every signal, honestly labelled, and the review queue's order (pure: no database)."""

import dataclasses
import datetime as dt

import pytest

from assetmap import review
from assetmap.config import Settings, load_settings
from assetmap.freshness import FreshnessError, Thresholds, check_label, freshness_of, method_of, parse_source_limits, thresholds_for
from assetmap.web.present import freshness, freshness_json, freshness_line

from .factories import make_activity

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
SETTINGS = Settings(clock=lambda: NOW, source_stale_days="council-feed=90")


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.mark.parametrize("days, state", [(None, "unknown"), (0, "fresh"), (179, "fresh"), (180, "ageing"), (364, "ageing"), (365, "stale")])
def test_default_thresholds_are_six_and_twelve_months(days, state):
    assert freshness_of(None if days is None else ago(days), NOW, 180, 365).state == state


@pytest.mark.parametrize("source, days, state", [
    ("council-feed", 40, "fresh"), ("council-feed", 44, "ageing"), ("council-feed", 90, "stale"),
    ("other", 90, "fresh"), ("other", 200, "ageing"),
])
def test_a_source_may_have_its_own_stale_limit(source, days, state):
    activity = make_activity(source=source, last_verified=ago(days))
    assert freshness(activity, SETTINGS).state == state


def test_source_limits_are_read_from_the_setting_and_a_bad_one_is_named():
    assert load_settings({"ASSETMAP_SOURCE_STALE_DAYS": "council-feed=90,other=120"}).source_stale_days == "council-feed=90,other=120"
    assert parse_source_limits(" council-feed = 90 , other=120 ") == {"council-feed": 90, "other": 120}
    assert thresholds_for("x", 180, 365, "") == Thresholds(180, 365)
    with pytest.raises(FreshnessError, match="'council-feed:90' is not SOURCE=DAYS"):
        parse_source_limits("council-feed:90")


@pytest.mark.parametrize("method, who, source, listed, label", [
    ("phoned", "an editor", "", False, "Checked by phone by an editor on 3 Oct 2026"),
    ("organiser_confirmed", "an editor", "", False, "Checked by the organiser on 3 Oct 2026"),
    ("seen_running", "an editor", "", False, "Seen running by an editor on 3 Oct 2026"),
    ("source_updated", "", "Trafford CVS", False, "Updated in Trafford CVS's list on 3 Oct 2026"),
    ("source_assured", "the organiser", "Trafford CVS", False, "Checked by the organiser on 3 Oct 2026, says Trafford CVS's list"),
    ("source_assured", "", "the council", True, "Still listed in the council's feed, last assured 3 Oct 2026"),
    ("still_listed", "", "the council", False, "Still listed in the council's feed on 3 Oct 2026"),
])
def test_each_signal_is_labelled_as_what_it_is(method, who, source, listed, label):
    assert check_label(method, dt.date(2026, 10, 3), who, source, listed) == label


@pytest.mark.parametrize("stored, method", [
    ("phoned", "phoned"), ("assured_date in feed", "source_assured"), ("last_modified in feed", "source_updated"),
    ("Date checked column", "source_assured"), ("", ""), (None, ""),
])
def test_older_free_text_methods_are_read_as_codes(stored, method):
    assert method_of(stored) == method


def test_the_page_line_and_the_api_never_show_an_editors_address():
    activity = make_activity(last_verified=ago(3), verified_by="editor:jo@example.org", verified_how="phoned")
    state = freshness(activity, SETTINGS)
    assert freshness_line(activity, state) == "Checked by phone by an editor on 12 Jun 2026"
    data = freshness_json(activity, state)
    assert data["method"] == "phoned" and data["source"] is None and data["verified_by"] == "an editor"
    assert "jo@example.org" not in str(data)


def test_a_sheets_update_date_is_labelled_as_the_sources_word_and_names_it():
    activity = make_activity(source="Trafford CVS", last_verified=ago(400), verified_by=None, verified_how="source_updated")
    state = freshness(activity, SETTINGS)
    line = freshness_line(activity, state)
    assert state.state == "stale" and line.startswith("Not checked for 13 months") and "Updated in Trafford CVS's list on 11 May 2025" in line
    assert freshness_json(activity, state)["source"] == "Trafford CVS"


def _candidate(name, days, source="sheet", **overrides):
    values = dict(id=name, name=name, source=source, organisation="Sale Friends", ward_code="E05000829", lad_code="E08000009",
                  categories=("walking",), last_verified=None if days is None else ago(days), verified_how="source_assured")
    return review.Candidate(**(values | overrides))


def test_queue_holds_only_records_to_check_ordered_by_harm():
    candidates = [_candidate("fresh", 10), _candidate("old unseen", 500), _candidate("ageing popular", 200),
                  _candidate("never checked", None), _candidate("council feed", 100, source="council-feed")]
    uses = {"ageing popular": (30, 10)}   # (1 + 30 + 3 × 10) × 21 days = 1281
    queue = review.build_queue(candidates, uses, SETTINGS)
    assert [(i.candidate.name, i.harm) for i in queue] == [
        ("ageing popular", 1281), ("never checked", 365), ("old unseen", 321), ("council feed", 57)]
    assert {i.freshness.state for i in queue} == {"ageing", "stale", "unknown"}


def test_queue_filters_and_summaries():
    candidates = [_candidate("a", 10), _candidate("b", 500, categories=("food",), lad_code="E08000003"), _candidate("c", None, source="feed")]
    assert [c.name for c in candidates if review.matches(c, category="food")] == ["b"]
    assert [c.name for c in candidates if review.matches(c, area="E08000009")] == ["a", "c"]
    assert [c.name for c in candidates if review.matches(c, organisation="sale fri", source="feed")] == ["c"]
    summary = review.summarise(candidates, SETTINGS, lambda c: c.source)
    assert summary == {"feed": {"fresh": 0, "ageing": 0, "stale": 0, "unknown": 1}, "sheet": {"fresh": 1, "ageing": 0, "stale": 1, "unknown": 0}}


def test_the_formula_is_written_in_words_with_its_numbers():
    assert "3 × times put on a shortlist" in review.FORMULA and "90 days" in review.FORMULA


def test_settings_read_https_as_a_flag():
    assert load_settings({"ASSETMAP_HTTPS": "1"}).https is True and load_settings({}).https is False
    assert dataclasses.replace(SETTINGS, hide_after_days=400).hide_after_days == 400
