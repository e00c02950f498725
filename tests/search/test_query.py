"""search_activities on both backends: every filter and combinations, facets, paging, odd input.

Expected sets are worked out from the catalogue's own data in plain Python (the oracle below),
never from the search itself.
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from assetmap.models import SearchLog
from assetmap.search import SearchError, SearchParams, search_activities
from assetmap.search.query import LOG_TEXT_CHARS, MAX_LOGGED_FILTERS, log_if_low

from .catalogue import ACTIVITIES

SPECS = {spec["key"]: spec for spec in ACTIVITIES}


def _status(spec):
    return spec.get("status", "active")


def _freshness(spec):
    days = spec.get("verified", 30)
    if days is None:
        return "unknown"
    return "stale" if days >= 365 else "ageing" if days >= 180 else "fresh"


def oracle(keep=lambda spec: True, status=("active", "paused")) -> set[str]:
    return {key for key, spec in SPECS.items() if _status(spec) in status and keep(spec)}


def search(catalogue, **params):
    params.setdefault("per_page", 200)
    return search_activities(catalogue.session, catalogue.settings, SearchParams(**params))


def keys(catalogue, results) -> list[str]:
    return [catalogue.key_of(hit.activity.id) for hit in results.hits]


def _tokens(spec):
    return [t.split() for t in spec.get("schedule", [])]


FILTERS = [
    # (params, which catalogue records should come back)
    (dict(categories=("walking",)), lambda s: "walking" in s["categories"]),
    (dict(categories=("walking", "dementia")), lambda s: {"walking", "dementia"} & set(s["categories"])),
    (dict(audience=("Older people",)), lambda s: "Older people" in s.get("audience", [])),
    (dict(audience=("older PEOPLE ", "carers")), lambda s: {"Older people", "Carers"} & set(s.get("audience", []))),
    (dict(delivery=("telephone",)), lambda s: "telephone" in s.get("delivery", ["in_person"])),
    (dict(delivery=("online", "telephone")), lambda s: {"online", "telephone"} & set(s.get("delivery", ["in_person"]))),
    (dict(delivery=("In person",)), lambda s: "in_person" in s.get("delivery", ["in_person"])),
    (dict(free_only=True), lambda s: s.get("is_free", True)),
    (dict(accessibility=("step free",)), lambda s: "step free" in s.get("accessibility", [])),
    (dict(accessibility=("step free", "hearing loop")), lambda s: {"step free", "hearing loop"} <= set(s.get("accessibility", []))),
    (dict(days=("tue",)), lambda s: any(d == "tue" for d, _ in _tokens(s))),
    (dict(days=("Saturday", "sun")), lambda s: any(d in ("sat", "sun") for d, _ in _tokens(s))),
    (dict(times=("evening",)), lambda s: any(p in ("evening", "any") for _, p in _tokens(s))),
    (dict(days=("tue",), times=("morning",)), lambda s: any(d == "tue" and p in ("morning", "any") for d, p in _tokens(s))),
    (dict(freshness="fresh"), lambda s: _freshness(s) == "fresh"),
    (dict(freshness="ageing"), lambda s: _freshness(s) == "ageing"),
    (dict(freshness="stale"), lambda s: _freshness(s) == "stale"),
    (dict(freshness="unknown"), lambda s: _freshness(s) == "unknown"),
    (dict(categories=("exercise",), free_only=True, days=("mon", "thu")),
     lambda s: "exercise" in s["categories"] and s.get("is_free", True) and any(d in ("mon", "thu") for d, _ in _tokens(s))),
    (dict(categories=("befriending",), delivery=("telephone",), times=("morning",)),
     lambda s: "befriending" in s["categories"] and "telephone" in s.get("delivery", []) and any(p in ("morning", "any") for _, p in _tokens(s))),
    (dict(audience=("women",), delivery=("online",), accessibility=()),
     lambda s: "Women" in s.get("audience", []) and "online" in s.get("delivery", ["in_person"])),
]


@pytest.mark.parametrize("params, keep", FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_each_filter_and_combination_returns_exactly_the_matching_records(catalogue, params, keep):
    results = search(catalogue, **params)
    expected = oracle(keep)
    assert expected, "the catalogue should have records for every filter"
    assert set(keys(catalogue, results)) == expected
    assert results.total == len(expected)


@pytest.mark.parametrize("status, statuses", [
    ("active", ("active", "paused")), ("paused", ("paused",)), ("closed", ("closed",)), ("all", ("active", "paused", "closed")),
])
def test_status_filter(catalogue, status, statuses):
    assert set(keys(catalogue, search(catalogue, status=status))) == oracle(status=statuses)


def test_filters_apply_to_word_searches_too(catalogue):
    results = search(catalogue, text="walking", free_only=True, days=("wed",))
    assert keys(catalogue, results) == ["walk-sale-water-park", "womens-group"]  # "crafts, walks and guest speakers"


def test_an_empty_search_lists_everything_open_with_the_most_recently_checked_first(catalogue):
    results = search(catalogue)
    listed = keys(catalogue, results)
    assert set(listed) == oracle()
    levels = [(_status(SPECS[k]) == "paused") * 2 or (_freshness(SPECS[k]) in ("stale", "unknown")) for k in listed]
    assert levels == sorted(levels), "current records first, then stale or unchecked, then paused"
    current = [hit.activity.last_verified for hit in results.hits if hit.freshness.state in ("fresh", "ageing") and hit.activity.status == "active"]
    assert current == sorted(current, reverse=True)


def test_freshness_of_each_hit_uses_the_settings_clock_and_thresholds(catalogue):
    for hit in search(catalogue, status="all").hits:
        assert hit.freshness.state == _freshness(SPECS[catalogue.key_of(hit.activity.id)])


def test_capacity_filters_on_both_backends(catalogue):
    assert keys(catalogue, search(catalogue, capacity=("waiting_list",))) == ["telephone-friendship"]
    assert search(catalogue, capacity=("Waiting list",)).total == 1                      # as a form or URL may write it
    assert search(catalogue, text="lonely", capacity=("accepting",)).total == 0
    with pytest.raises(SearchError, match="capacity"):
        search(catalogue, capacity=("full",))


def test_facets_count_every_filter_over_the_results(catalogue):
    results = search(catalogue)
    expected = oracle()
    facets = results.facets
    assert set(facets) == {"categories", "delivery", "days", "times", "free", "status", "freshness", "audience", "accessibility", "capacity"}
    capacities = [SPECS[k]["capacity"] for k in expected if SPECS[k].get("capacity")]
    assert facets["capacity"] == {c: capacities.count(c) for c in set(capacities)}
    assert facets["categories"]["walking"] == sum("walking" in SPECS[k]["categories"] for k in expected)
    assert facets["delivery"]["telephone"] == sum("telephone" in SPECS[k].get("delivery", []) for k in expected)
    assert facets["free"]["yes"] == sum(SPECS[k].get("is_free", True) for k in expected)
    assert facets["days"]["tue"] == sum(any(d == "tue" for d, _ in _tokens(SPECS[k])) for k in expected)
    assert facets["times"]["evening"] == sum(any(p in ("evening", "any") for _, p in _tokens(SPECS[k])) for k in expected)
    assert facets["freshness"] == {s: n for s in ("fresh", "ageing", "stale", "unknown") if (n := sum(_freshness(SPECS[k]) == s for k in expected))}
    assert facets["accessibility"]["step free"] == sum("step free" in SPECS[k].get("accessibility", []) for k in expected)
    assert facets["audience"]["older people"] == sum("Older people" in SPECS[k].get("audience", []) for k in expected)
    assert sum(facets["free"].values()) == results.total


def test_a_facet_is_counted_without_its_own_filter_but_with_the_others(catalogue):
    results = search(catalogue, categories=("walking",), free_only=True)
    walking_free = oracle(lambda s: "walking" in s["categories"] and s.get("is_free", True))
    assert results.total == len(walking_free)
    assert results.facets["categories"]["exercise"] == len(oracle(lambda s: "exercise" in s["categories"] and s.get("is_free", True)))
    assert results.facets["free"].get("no", 0) == len(oracle(lambda s: "walking" in s["categories"] and not s.get("is_free", True)))
    assert results.facets["days"] == {d: n for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                                      if (n := sum(any(t == d for t, _ in _tokens(SPECS[k])) for k in walking_free))}


def test_the_status_facet_shows_closed_records_are_there_to_ask_for(catalogue):
    facets = search(catalogue, text="lunch club").facets
    assert facets["status"].get("closed") == 1
    assert facets["status"].get("active", 0) >= 1


def test_facets_follow_the_words(catalogue):
    results = search(catalogue, text="dementia")
    assert results.facets["categories"]["dementia"] == results.total


def test_paging_walks_through_the_same_order(catalogue):
    everything = keys(catalogue, search(catalogue, text="group", per_page=200))
    pages = [keys(catalogue, search(catalogue, text="group", per_page=3, page=p)) for p in (1, 2, 3)]
    assert sum(pages, []) == everything[:9]
    assert keys(catalogue, search(catalogue, text="group", per_page=3, page=500)) == []


@pytest.mark.parametrize("text", [
    '"', '"dementia', "walk*", "*", "name:walking", "categories:(walking)", "(", ")", "dementia AND", "AND", "OR NOT",
    "walking AND OR (", "~2", "^", "[a TO z]", "'", "\\", "%", "_", "'; DROP TABLE activity; --", "\x00", "🙂", "é",
    "walking " * 1000, "x" * 5000, " " * 5000, "",
])
def test_query_syntax_and_odd_text_never_raise(catalogue, text):
    results = search(catalogue, text=text, per_page=5)
    assert results.total >= 0
    assert len(results.hits) <= 5


def test_syntax_characters_are_ignored_around_real_words(catalogue):
    assert keys(catalogue, search(catalogue, text='"knitting" AND (wool*):', per_page=1)) == ["knit-natter"]


def test_a_query_of_only_stop_words_lists_everything(catalogue):
    assert search(catalogue, text="AND the of").total == len(oracle())


def test_nothing_matching_and_nothing_close_gives_no_suggestion(catalogue):
    results = search(catalogue, text="zzqxj")
    assert results.total == 0 and results.hits == [] and results.suggestion is None


def test_did_you_mean_when_a_long_query_finds_nothing(catalogue):
    results = search(catalogue, text="knittting crochett wooll needels patterns")
    assert results.total == 0
    assert results.suggestion == "knitting crochet wool needles patterns"


def test_a_misspelt_short_query_is_corrected_and_says_so(catalogue):
    results = search(catalogue, text="dimentia")
    assert results.suggestion == "dementia"
    assert "memory-cafe" in keys(catalogue, results)
    assert search(catalogue, text="dementia").suggestion is None


def test_a_misspelt_synonym_word_is_corrected_too(catalogue):
    results = search(catalogue, text="lonley")
    assert results.suggestion == "lonely"
    assert "telephone-friendship" in keys(catalogue, results)[:5]


@pytest.mark.parametrize("params, message", [
    (dict(status="open"), "status"), (dict(freshness="new"), "freshness"), (dict(days=("funday",)), "day"),
    (dict(times=("night",)), "time"), (dict(delivery=("post",)), "way of taking part"), (dict(radius_km=-1), "distance"),
    (dict(radius_km="far"), "distance"), (dict(per_page=0), "per page"), (dict(page="x"), "page"),
    (dict(near="Atlantis"), "could not find"), (dict(near="ZZ9 9ZZ"), "postcode"),
])
def test_bad_parameters_raise_search_error_in_plain_english(catalogue, params, message):
    with pytest.raises(SearchError, match=message):
        search(catalogue, **params)


def _logs(catalogue, query):
    catalogue.session.flush()
    return catalogue.session.scalars(sa.select(SearchLog).where(SearchLog.query == query)).all()


def test_zero_and_low_result_searches_are_logged_with_the_area_not_the_postcode(catalogue):
    search(catalogue, text="zumba for cats", near="M33 7XW", free_only=True)
    (log,) = _logs(catalogue, "zumba for cats")
    assert log.result_count == 0
    assert log.area_code == "E05000833"  # the ward of M33 7XW, not the postcode
    assert log.filters == {"free_only": True}
    assert "M33" not in str(log.filters) and log.logged_at.replace(tzinfo=None) == catalogue.settings.clock().replace(tzinfo=None)


def test_the_log_never_keeps_postcodes_emails_or_phone_numbers(catalogue):
    search(catalogue, text="zumba M33 7XW call 0161 123 4567 or jo@example.org")
    rows = catalogue.session.scalars(sa.select(SearchLog).where(SearchLog.query.like("zumba%"))).all()
    assert rows and all("7XW" not in r.query and "4567" not in r.query and "@" not in r.query for r in rows)


def test_control_characters_never_reach_the_log(catalogue):
    search(catalogue, text="zumba\x00\x07 classes")
    catalogue.session.flush()   # PostgreSQL refuses NUL characters in text
    assert _logs(catalogue, "zumba classes")


def test_searches_that_find_enough_are_not_logged_and_nothing_is_committed(catalogue):
    commits = []

    def count_commit(session):
        commits.append(session)

    sa.event.listen(catalogue.session, "after_commit", count_commit)
    try:
        search(catalogue, text="singing")
        search(catalogue, text="qqqzzz")
    finally:
        sa.event.remove(catalogue.session, "after_commit", count_commit)
    assert _logs(catalogue, "singing") == []
    assert len(_logs(catalogue, "qqqzzz")) == 1, "the row is added to the caller's session"
    assert commits == [], "search_activities never commits: the caller does"


def test_a_later_page_is_not_logged_again(catalogue):
    search(catalogue, text="yyyxxx", page=2)
    assert _logs(catalogue, "yyyxxx") == []


def test_params_are_normalised_without_changing_the_callers_object(catalogue):
    params = SearchParams(days=("Tuesday",), delivery=("In person",), per_page=200)
    results = search_activities(catalogue.session, catalogue.settings, params)
    assert params.days == ("Tuesday",)
    assert results.total == len(oracle(lambda s: any(d == "tue" for d, _ in _tokens(s)) and "in_person" in s.get("delivery", ["in_person"])))
    assert dataclasses.asdict(params)["delivery"] == ("In person",)


def test_a_log_row_is_cut_to_size(settings):
    class Collecting:
        def __init__(self):
            self.rows = []

        def add(self, row):
            self.rows.append(row)

    session = Collecting()
    params = SearchParams(text="zumba " * 5000, categories=tuple(f"{i}" + "x" * 10_000 for i in range(500)), freshness="f" * 10_000)
    log_if_low(session, settings, params, 0, None)
    (row,) = session.rows
    assert len(row.query) <= LOG_TEXT_CHARS and len(row.filters) <= MAX_LOGGED_FILTERS
    assert len(row.filters["categories"]) == MAX_LOGGED_FILTERS
    assert all(len(v) <= LOG_TEXT_CHARS for v in row.filters["categories"]) and len(row.filters["freshness"]) <= LOG_TEXT_CHARS
    assert len(str(row.filters)) < 10_000
