"""``coverage_table`` and friends on the hand-made toy (see ``toy.py``), figures checked by hand, on both backends."""

import dataclasses
import datetime as dt

import pytest

from assetmap.coverage import COLUMNS, GAP_SCORE_RULE, area_choices, coverage_geojson, coverage_table, unmet_demand
from assetmap.errors import AssetmapError
from assetmap.models import SearchLog

from . import toy


@pytest.fixture
def toy_settings(settings):
    return dataclasses.replace(settings, coverage_walk_km=1.5, coverage_catchment_km=0.0, coverage_decay="1,0.5")


@pytest.fixture
def toy_session(any_session):
    toy.build(any_session)
    return any_session


def by_code(rows):
    return {row.code: row for row in rows}


def test_ward_figures_by_hand(toy_session, toy_settings, fixed_now):
    rows = coverage_table(toy_session, toy_settings, level="ward", within=toy.ICB, now=fixed_now)
    got = by_code(rows)
    assert set(got) == set(toy.WARDS)
    w1, w2, w3 = (got[w] for w in toy.WARDS)
    # Located: B in W1, A in W2, D in W3 (C has no place; E closed and F ended never count).
    assert (w1.activities, w2.activities, w3.activities) == (1, 1, 1)
    # Reach: W1 ← A (walk), B (here), C (phone, council L1), D (serves L1); W2 the same; W3 ← A (walk), D (here).
    assert (w1.reach, w2.reach, w3.reach) == (4, 4, 2)
    assert (w1.population, w2.population, w3.population) == (300, 400, 300)
    assert (w1.per_10k, w2.per_10k, w3.per_10k) == (33.33, 25.0, 33.33)
    # Access: see test_pure.test_e2sfca_on_three_by_three_by_hand; wards are the columns.
    assert (w1.access, w2.access, w3.access) == (3.333, 3.75, 1.667)
    # Deprivation: W1 all score 50; W2 (100·20 + 200·40 + 100·20) / 400 = 30; W3 10.
    assert (w1.imd_score, w2.imd_score, w3.imd_score) == (50.0, 30.0, 10.0)
    assert (w1.imd_rank, w2.imd_rank, w3.imd_rank) == (1, 2, 3)
    assert (w1.deprived_share, w2.deprived_share, w3.deprived_share) == (1.0, 0.5, 0.0)
    # Fresh (checked within 180 days): A and C only.
    assert (w1.reach_fresh, w2.reach_fresh, w3.reach_fresh) == (2, 2, 1)
    assert (w1.activities_fresh, w2.activities_fresh, w3.activities_fresh) == (0, 1, 0)
    assert (w1.fresh_share, w2.fresh_share, w3.fresh_share) == (0.5, 0.5, 0.5)
    # Only A (2 a week): its weighted people are 600; centre 1000·2/600 = 3.333, others 1.667.
    assert (w1.access_fresh, w2.access_fresh, w3.access_fresh) == (1.667, 2.5, 1.667)
    # Need percentiles 100, 50, 0; access percentiles 50, 100, 0 → gaps 50, -50, 0, ranked highest first.
    assert [(r.code, r.gap_score) for r in rows] == [("TOYW1", 50.0), ("TOYW3", 0.0), ("TOYW2", -50.0)]
    assert not any(r.flagged for r in rows)    # three areas: the deciles are 4, 7 and 10
    assert (w1.lad_code, w1.stp_code, w1.icb_code, w3.lad_code) == ("TOYL1", toy.STP, toy.ICB, "TOYL2")
    assert list(w1.as_dict()) == list(COLUMNS)


def test_fresh_only_ranks_on_fresh_figures(toy_session, toy_settings, fixed_now):
    rows = coverage_table(toy_session, toy_settings, level="ward", within=toy.ICB, fresh_only=True, now=fixed_now)
    # Fresh access 1.667, 2.5, 1.667 → percentiles 0, 100, 0 (ties take the lowest place) → gaps 100, -50, 0.
    assert [(r.code, r.gap_score) for r in rows] == [("TOYW1", 100.0), ("TOYW3", 0.0), ("TOYW2", -50.0)]
    assert by_code(rows)["TOYW1"].access == 3.333        # the all-records figures are still there


def test_council_level_and_within(toy_session, toy_settings, fixed_now):
    rows = by_code(coverage_table(toy_session, toy_settings, level="lad", within=toy.ICB, now=fixed_now))
    l1, l2 = rows["TOYL1"], rows["TOYL2"]
    assert (l1.activities, l1.reach, l1.population) == (3, 4, 700)         # B, A and C (known by its council only) located; A–D reach
    assert (l2.activities, l2.reach, l2.population) == (1, 2, 300)
    assert l1.access == pytest.approx(2500 / 700, abs=0.001)
    assert l1.deprived_share == round(500 / 700, 3)                        # W1's 300 and W2's centre 200
    assert l1.icb_code == toy.ICB and l1.lad_code is None
    wards = coverage_table(toy_session, toy_settings, level="ward", within="TOYL1", now=fixed_now)
    assert sorted(r.code for r in wards) == ["TOYW1", "TOYW2"]


def test_category_and_delivery(toy_session, toy_settings, fixed_now):
    walking = by_code(coverage_table(toy_session, toy_settings, within=toy.ICB, category="walking", now=fixed_now))
    assert [(walking[w].activities, walking[w].reach) for w in toy.WARDS] == [(0, 1), (1, 1), (0, 1)]
    phone = by_code(coverage_table(toy_session, toy_settings, within=toy.ICB, delivery="telephone", now=fixed_now))
    assert [phone[w].reach for w in toy.WARDS] == [1, 1, 0]
    assert [phone[w].access for w in toy.WARDS] == [0.0, 0.0, 0.0]     # nothing in person: no access
    with pytest.raises(AssetmapError, match="delivery"):
        coverage_table(toy_session, toy_settings, delivery="carrier pigeon", now=fixed_now)


def test_walking_distance_setting(toy_session, toy_settings, fixed_now):
    near = dataclasses.replace(toy_settings, coverage_walk_km=0.5)        # A and B reach only their own cell by walking
    rows = by_code(coverage_table(toy_session, near, within=toy.ICB, now=fixed_now))
    # W1 ← B, C, D; W2 ← A, C, D; W3 ← D.
    assert [rows[w].reach for w in toy.WARDS] == [3, 3, 1]


def test_unknown_level_or_area(toy_session, toy_settings):
    with pytest.raises(AssetmapError, match="level"):
        coverage_table(toy_session, toy_settings, level="parish")
    with pytest.raises(AssetmapError, match="NOWHERE"):
        coverage_table(toy_session, toy_settings, level="ward", within="NOWHERE")


def test_geojson_and_choices(toy_session, toy_settings, fixed_now):
    rows = coverage_table(toy_session, toy_settings, within=toy.ICB, now=fixed_now)
    collection = coverage_geojson(toy_session, rows, "ward")
    assert [f["properties"]["code"] for f in collection["features"]] == [r.code for r in rows]
    assert collection["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert collection["features"][0]["properties"]["reach"] == rows[0].reach
    assert area_choices(toy_session, "ward", within="TOYL1") == [("TOYW1", "Toy ward 1"), ("TOYW2", "Toy ward 2")]
    assert ("TOYL2", "Toy council 2") in area_choices(toy_session, "lad", within=toy.ICB)
    assert "percentile" in GAP_SCORE_RULE


def test_unmet_demand_by_area_and_category(toy_session, fixed_now):
    day = fixed_now - dt.timedelta(days=2)
    toy_session.add_all([
        SearchLog(logged_at=day, query="Chair  Yoga", filters={"categories": ["exercise"]}, area_code="TOYW1", result_count=0),
        SearchLog(logged_at=day, query="chair yoga", filters={"categories": ["exercise"]}, area_code="TOYW1", result_count=2),
        SearchLog(logged_at=day, query="choir", filters={}, area_code="TOYW3", result_count=1),
        SearchLog(logged_at=fixed_now - dt.timedelta(days=400), query="old", filters={}, area_code="TOYW1", result_count=0),
    ])
    toy_session.flush()
    rows = unmet_demand(toy_session, within=toy.ICB, level="ward", now=fixed_now)
    assert rows == [
        {"area_code": "TOYW1", "area_name": "Toy ward 1", "category": "exercise", "query": "chair yoga", "searches": 2, "results_max": 2},
        {"area_code": "TOYW3", "area_name": "Toy ward 3", "category": None, "query": "choir", "searches": 1, "results_max": 1},
    ]
    by_council = unmet_demand(toy_session, within="TOYL1", level="lad", now=fixed_now)
    assert [(r["area_code"], r["searches"]) for r in by_council] == [("TOYL1", 2)]


def test_records_hidden_as_unchecked_never_count(toy_session, toy_settings, fixed_now):
    hiding = dataclasses.replace(toy_settings, hide_after_days=300)      # B and D were last checked 530 days ago
    rows = by_code(coverage_table(toy_session, hiding, within=toy.ICB, now=fixed_now))
    assert [rows[w].activities for w in toy.WARDS] == [0, 1, 0]
    assert [rows[w].reach for w in toy.WARDS] == [2, 2, 1]               # A and C; A
