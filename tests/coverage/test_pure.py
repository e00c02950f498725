"""The numeric core on hand-made arrays: every expected figure is worked out in the comments."""

import numpy as np
import pytest

from assetmap.coverage import access, gaps, need, provision, spatial
from assetmap.coverage.data import Activities
from assetmap.errors import AssetmapError


def grid_xy():
    """3 × 3 centres 1 km apart, index = row * 3 + col."""
    return np.array([[col, row] for row in range(3) for col in range(3)], dtype=float)


POP = np.array([100, 100, 100, 100, 200, 100, 100, 100, 100], dtype=float)


def test_pairs_within_finds_exact_distances():
    src, dst, dist = spatial.pairs_within(np.array([[1.0, 1.0]]), grid_xy(), 1.5)
    assert sorted(dst.tolist()) == list(range(9))                       # the centre reaches all nine (√2 < 1.5)
    assert sorted(np.round(dist, 6).tolist()) == [0.0] + [1.0] * 4 + [round(2 ** 0.5, 6)] * 4
    src, dst, _ = spatial.pairs_within(np.array([[0.0, 0.0], [np.nan, np.nan]]), grid_xy(), 1.5)
    assert sorted(dst.tolist()) == [0, 1, 3, 4] and set(src.tolist()) == {0}   # the corner: itself, two sides, the diagonal


def test_e2sfca_on_three_by_three_by_hand():
    # Two activities: A at the centre (capacity 2), B at the corner (0, 0) (capacity 1); catchment 1.5 km,
    # weights 1 for [0, 0.75) km and 0.5 for [0.75, 1.5] km.
    supply_xy = np.array([[1.0, 1.0], [0.0, 0.0]])
    src, dst, dist = spatial.pairs_within(supply_xy, grid_xy(), 1.5)
    w = access.band_weights(dist, 1.5, np.array([1.0, 0.5]))
    result = access.e2sfca(src, dst, w, np.array([2.0, 1.0]), POP, 9)
    # Step 1: A's weighted people = 200·1 + 8·100·0.5 = 600, so R_A = 2/600; B's = 100·1 + (100 + 100 + 200)·0.5 = 300, R_B = 1/300.
    # Step 2 (×1000): centre = R_A + R_B/2 = 5; corner = R_A/2 + R_B = 5; (0,1), (1,0) = R_A/2 + R_B/2 = 3.333; the rest R_A/2 = 1.667.
    expected = [5, 10 / 3, 5 / 3, 10 / 3, 5, 5 / 3, 5 / 3, 5 / 3, 5 / 3]
    assert result == pytest.approx(expected)
    assert float((result * POP).sum()) == pytest.approx(3000)             # all 3 sessions per week are shared out
    group = np.array([0, 1, 2] * 3)                                       # wards are the columns
    assert access.area_access(result, POP, group, 3) == pytest.approx([1000 / 300, 1500 / 400, 500 / 300])


def test_e2sfca_activity_with_nobody_near_adds_nothing():
    result = access.e2sfca(np.array([0]), np.array([0]), np.array([1.0]), np.array([3.0]), np.array([0.0]), 1)
    assert result.tolist() == [0.0]


def test_band_weights_and_bad_setting():
    assert access.band_weights(np.array([0.0, 0.49, 0.5, 1.49, 1.5, 1.51]), 1.5, np.array([1, 0.68, 0.22])).tolist() == [
        1.0, 1.0, 0.68, 0.22, 0.22, 0.0]
    with pytest.raises(AssetmapError, match="ASSETMAP_COVERAGE_DECAY"):
        access.parse_weights("1,2")


def test_weekly_sessions_from_typed_schedule():
    assert access.weekly_sessions({"frequency": "weekly", "sessions": [{"days": ["mon", "wed"]}, {"days": ["fri"]}]}) == 3
    assert access.weekly_sessions({"frequency": "daily"}) == 7
    assert access.weekly_sessions({"frequency": "irregular", "days": ["tue"]}) == 1
    assert access.weekly_sessions({"frequency": "monthly", "days": ["sat"], "week_of_month": 1}) == pytest.approx(12 / 52)


def test_population_weighting_by_hand():
    # Two areas; area 0 has LSOAs of 100 people (score 10, decile 1) and 300 people (score 30, decile 4);
    # area 1 one LSOA of 50 (score 20, decile 1); one LSOA belongs to no area.
    group = np.array([0, 0, 1, -1])
    result = need.aggregate(group, 2, np.array([100, 300, 50, 999.0]), np.array([10, 30, 20, 99.0]),
                            np.array([5, 50, 20, 1.0]), np.array([1, 4, 1, 1.0]))
    assert result.population.tolist() == [400, 50]
    assert result.score.tolist() == [(100 * 10 + 300 * 30) / 400, 20]   # 25 and 20
    assert result.average_rank.tolist() == [(100 * 5 + 300 * 50) / 400, 20]
    assert result.deprived_share.tolist() == [0.25, 1.0]
    assert result.imd_rank.tolist() == [1, 2]                               # higher score = more deprived
    assert result.imd_decile.tolist() == [5, 10]


def test_rank_by_average_rank_when_no_scores():
    ranks, deciles = need.rank_areas(np.full(3, np.nan), np.array([300.0, 10.0, np.nan]))
    assert ranks.tolist() == [2, 1, 0] and deciles.tolist() == [10, 5, 0]


def test_bridge_population_splits_and_merges():
    assert need.bridge_population({"old": 90}, [("old", "x"), ("old", "y"), ("old", "z")]) == {"x": 30, "y": 30, "z": 30}


def test_counts_reach_and_per_10k():
    located = np.array([0, 0, 1, -1])
    mask = np.array([True, True, True, False])
    assert provision.count_located(located, mask, 3).tolist() == [2, 1, 0]
    covers = {"LAD": np.array([1, 2]), "W0": np.array([0])}
    s_act, s_area = provision.service_pairs([[], ["LAD"], [], ["W0", "nowhere"]], covers)
    assert list(zip(s_act.tolist(), s_area.tolist())) == [(1, 1), (1, 2), (3, 0)]
    acts = Activities(n=4, lat=np.zeros(4), lon=np.zeros(4), codes={"lad": np.array(["LAD", "LAD", "LAD", None], dtype=object)},
                      service_area=[[], ["LAD"], [], []], delivery=['["telephone"]', ["online"], '["in_person"]', '["online"]'],
                      categories=[[]] * 4, capacity=np.ones(4), fresh=np.ones(4, dtype=bool))
    r_act, r_area = provision.remote_pairs(acts, covers)
    assert list(zip(r_act.tolist(), r_area.tolist())) == [(0, 1), (0, 2)]   # 1 has a service area, 2 is in person, 3 has no council
    w_act, w_area = provision.walk_pairs(np.array([0, 2, 2]), np.array([0, 1, 2]), np.array([0, 2, -1]), np.array([True, False, True, True]))
    assert list(zip(w_act.tolist(), w_area.tolist())) == [(0, 0), (2, 2)]
    matrix = provision.reach_matrix(4, 3, (np.flatnonzero(located >= 0), located[located >= 0]), (s_act, s_area), (r_act, r_area),
                                    (w_act, w_area))
    assert provision.count_reach(matrix, np.ones(4, dtype=bool)).tolist() == [3, 3, 3]
    assert provision.count_reach(matrix, mask).tolist() == [2, 3, 3]
    assert provision.per_10k(np.array([2, 0]), np.array([4000.0, np.nan])).tolist()[0] == 5.0


def test_gap_score_and_flags_by_hand():
    # Five areas; ranks 1..5 (1 most deprived), deciles 1, 2, 2, 6, 10; access 0, 0, 4, 1, 2.
    gap, flagged = gaps.gap_scores(np.array([1, 2, 3, 4, 5]), np.array([1, 2, 2, 6, 10]), np.array([0.0, 0.0, 4.0, 1.0, 2.0]))
    # Need percentiles 100, 75, 50, 25, 0; access percentiles (ties take the lowest place) 0, 0, 100, 50, 75.
    assert gap.tolist() == [100.0, 75.0, -50.0, -25.0, -75.0]
    assert flagged.tolist() == [True, True, False, False, False]
    gap, flagged = gaps.gap_scores(np.array([0, 1]), np.array([0, 1]), np.array([1.0, np.nan]))
    assert np.isnan(gap).all() and not flagged.any()
