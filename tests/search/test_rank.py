"""Ranking: relevance bands, then current before doubtful, then distance (pure and on both backends)."""

from __future__ import annotations

import numpy as np
import pytest

from assetmap.search import SearchParams, search_activities
from assetmap.search.rank import BANDS, boost_category, combine_concepts, order_rows, relevance_bands

from .test_query import SPECS, keys, oracle


def test_records_matching_more_of_the_query_score_higher():
    walking = np.array([2.0, 2.0, 0.0], dtype=np.float32)
    tuesday = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    score, matched = combine_concepts([walking, tuesday], [True, True], 3, min_match=1)
    assert score[0] > score[1] > score[2] > 0 and matched.all()
    _, matched = combine_concepts([walking, tuesday], [True, True], 3, min_match=2)
    assert matched.tolist() == [True, False, False]


def test_generic_words_do_not_halve_a_records_score():
    toddler = np.array([3.0, 0.0], dtype=np.float32)
    group = np.array([0.0, 1.0], dtype=np.float32)
    score, matched = combine_concepts([toddler, group], [True, False], 2, min_match=1)
    assert score[0] == pytest.approx(3.0)
    assert matched.tolist() == [True, False]
    both, _ = combine_concepts([np.array([3.0], np.float32), np.array([2.0], np.float32)], [True, False], 1, min_match=1)
    assert 3.0 < both[0] < 3.0 + 2.0   # the generic word adds a little


def test_no_words_means_everything_matches():
    score, matched = combine_concepts([], [], 4, min_match=1)
    assert matched.all() and not score.any()


def test_bands_are_thirds_of_the_best_score():
    assert relevance_bands(np.array([9.0, 7.0, 5.0, 1.0])).tolist() == [0, 0, 1, 2]
    assert relevance_bands(np.zeros(2)).tolist() == [0, 0]


def test_a_category_the_query_names_lifts_matching_records_only():
    scores = np.array([4.0, 1.0, 0.0], dtype=np.float32)
    boosted = boost_category(scores, np.array([False, True, True]))
    assert boosted.tolist() == pytest.approx([4.0, 1.0 + 0.3 * 4.0, 0.0])


def test_order_is_band_then_sink_then_distance_then_score():
    rows = np.arange(5)
    score = np.array([10.0, 9.5, 9.0, 9.8, 1.0], dtype=np.float32)
    sink = np.array([1, 0, 0, 0, 0], dtype=np.int8)          # row 0 is stale
    km = np.array([0.5, 4.0, 1.0, 1.0, 0.1])
    verified = np.zeros(5)
    order = order_rows(rows, score, sink, verified, km, has_text=True, limit=5)
    assert order.tolist() == [3, 2, 1, 0, 4]   # same band: current by distance (tie: higher score), stale, weak match


def test_among_equally_relevant_results_fresher_then_nearer_come_first():
    rows = np.arange(4)
    score = np.array([10.0, 9.6, 9.4, 2.0], dtype=np.float32)    # rows 0-2 in the strong band, row 3 weak
    sink = np.zeros(4, dtype=np.int8)
    ageing = np.array([True, False, False, False])               # the best score was checked 11 months ago
    km = np.array([0.5, 2.0, 1.0, 0.1])
    order = order_rows(rows, score, sink, np.zeros(4), None, has_text=True, limit=4, ageing=ageing)
    assert order.tolist() == [1, 2, 0, 3]   # fresh ones first (by score), then the ageing one, the weak match last
    near = order_rows(rows, score, sink, np.zeros(4), km, has_text=True, limit=4, ageing=ageing)
    assert near.tolist() == [2, 1, 0, 3]    # near a place: fresh ones nearest first
    assert order_rows(rows, score, sink, np.zeros(4), None, has_text=True, limit=4).tolist() == [0, 1, 2, 3]


def test_with_no_words_nearest_first_and_with_nothing_freshest_first():
    rows = np.arange(3)
    verified = np.array([100.0, 300.0, np.nan])
    km = np.array([2.0, 5.0, 1.0])
    zero = np.zeros(3, dtype=np.float32)
    sink = np.zeros(3, dtype=np.int8)
    assert order_rows(rows, zero, sink, verified, km, has_text=False, limit=3).tolist() == [2, 0, 1]
    assert order_rows(rows, zero, sink, verified, None, has_text=False, limit=3).tolist() == [1, 0, 2]


# On the catalogue, both backends

def search(catalogue, **params):
    params.setdefault("per_page", 200)
    return search_activities(catalogue.session, catalogue.settings, SearchParams(**params))


def test_near_with_no_words_lists_everything_nearby_nearest_first(catalogue):
    results = search(catalogue, near="M33 7XW")
    assert results.near.label == "M33 7XW"
    current = [h for h in results.hits if h.activity.status == "active" and h.freshness.state in ("fresh", "ageing")]
    distances = [3.0 if h.distance_km is None else h.distance_km for h in current]  # remote services sort at 3 km
    assert distances == sorted(distances)
    assert current[0].distance_km < 0.1


def test_a_radius_keeps_nearby_places_and_remote_services_for_the_area(catalogue):
    results = search(catalogue, near="M33 7XW", radius_km=1.0)
    found = set(keys(catalogue, results))
    located = [h for h in results.hits if h.distance_km is not None]
    assert located and all(h.distance_km <= 1.0 for h in located)
    remote_for_trafford = {"telephone-friendship", "pulmonary-online", "low-mood-course", "domestic-abuse", "energy-advice"}
    assert remote_for_trafford <= found                 # service area names Trafford or the GM ICB
    assert "national-befriending" in found              # no place, no service area: serves everyone
    assert "manchester-phone-chat" not in found         # serves Manchester only
    assert "walk-altrincham" not in found               # 4.5 km away


def test_remote_services_follow_the_searchers_area(catalogue):
    found = set(keys(catalogue, search(catalogue, text="chat", near="53.4794,-2.2453", radius_km=2)))
    assert "manchester-phone-chat" in found and "telephone-friendship" not in found


def test_words_then_distance(catalogue):
    top = keys(catalogue, search(catalogue, text="walking", near="Altrincham", per_page=3))
    assert top[0] == "walk-altrincham"
    top = keys(catalogue, search(catalogue, text="walking", near="Stretford", per_page=3))
    assert top[0] == "walk-stretford"


def test_paused_sinks_below_the_open_one_but_stays_findable(catalogue):
    found = keys(catalogue, search(catalogue, text="memory cafe"))
    assert found.index("memory-cafe") < found.index("memory-cafe-paused")


def test_stale_sinks_below_current_ones_of_the_same_strength(catalogue):
    found = keys(catalogue, search(catalogue, text="bereavement grief"))
    assert found.index("bereavement-group") < found.index("bereavement-stale")


def test_closed_is_hidden_unless_asked_for(catalogue):
    assert "lunch-club-closed" not in keys(catalogue, search(catalogue, text="lunch"))
    assert "lunch-club-closed" in keys(catalogue, search(catalogue, text="lunch", status="all"))
    assert keys(catalogue, search(catalogue, text="lunch", status="closed")) == ["lunch-club-closed"]


def test_hits_carry_score_distance_and_freshness(catalogue):
    hit = search(catalogue, text="choir", near="M33 7XW").hits[0]
    assert catalogue.key_of(hit.activity.id) == "community-choir"
    assert hit.score > 0 and hit.distance_km == pytest.approx(0.0, abs=0.05)
    assert hit.freshness.state == "fresh" and hit.freshness.days == 30


def test_a_place_in_the_words_becomes_near(catalogue):
    results = search(catalogue, text="walking near Sale")
    assert results.near is not None and results.near.label == "Sale"
    assert all(h.distance_km is not None or h.activity.lat is None for h in results.hits)


def test_a_postcode_in_the_words_becomes_near(catalogue):
    results = search(catalogue, text="food bank M32 0JN")
    assert results.near.label == "M32 0JN"
    assert keys(catalogue, results)[0] == "food-bank"


def test_explicit_near_wins_over_a_place_in_the_words(catalogue):
    results = search(catalogue, text="walking in Stretford", near="Altrincham")
    assert results.near.codes["ward"] == "E05000819"


def test_everything_open_is_findable_by_its_own_name(catalogue):
    missing = [key for key in oracle() if key not in keys(catalogue, search(catalogue, text=SPECS[key]["name"], per_page=3))]
    assert missing == []


def _ordered_by_sorting_everything(rows, score, sink, verified, sort_km, has_text, limit, ageing, tiebreak):
    """``order_rows`` as it was: one lexsort of every row on every key."""
    scores = score[rows]
    keys = [rows, tiebreak[rows], -np.nan_to_num(verified[rows], nan=-np.inf)]
    keys += [-scores] if has_text else []
    keys += [sort_km[rows]] if sort_km is not None else []
    keys += [ageing[rows]] if has_text else []
    keys += [sink[rows]]
    keys += [relevance_bands(scores, BANDS if sort_km is None else 2)] if has_text else []
    return rows[np.lexsort(keys)[:limit]]


def test_sorting_only_the_groups_a_page_reaches_gives_the_order_of_sorting_everything():
    rng = np.random.default_rng(7)
    for case in range(300):
        n = int(rng.integers(1, 400))
        score = rng.choice([0.0, 0.2, 0.5, 0.9, 1.0], n).astype(np.float32)
        sink, ageing = rng.integers(0, 3, n), rng.random(n) < 0.3
        verified = np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n).astype(float))
        sort_km = rng.choice([0.5, 1.0, 2.0, np.inf], n) if case % 2 else None
        rows, tiebreak = rng.permutation(n)[: int(rng.integers(1, n + 1))], rng.integers(0, 3, n)
        has_text, limit = bool(case % 3), int(rng.integers(1, 60))
        expected = _ordered_by_sorting_everything(rows, score, sink, verified, sort_km, has_text, limit, ageing, tiebreak)
        found = order_rows(rows, score, sink, verified, sort_km, has_text, limit, ageing=ageing, tiebreak=tiebreak)
        assert found.tolist() == expected.tolist(), case
