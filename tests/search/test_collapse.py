"""Linked duplicates are shown once, on both backends: the best listing stands for its group, the
others are "also listed", and totals and facets count groups (``assetmap.search.groups``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from assetmap import changes
from assetmap.search import SearchParams, build_index, search_activities
from assetmap.search.groups import collapse, count_codes, count_values
from assetmap.search.table import Table, multi_from_lists

from ..conftest import FIXED_NOW
from ..factories import make_activity

SALE = dict(lat=53.4251, lon=-2.3255, postcode="M33 7XW")


def _days_ago(days):
    return None if days is None else FIXED_NOW - dt.timedelta(days=days)


# Three listings of one walk (the council's is the freshest), two of a choir nobody ever checked
# (the feed's says more), and one walk listed once.
LISTINGS = {
    "walk-sheet": dict(name="Zebedee river walk", source="council-sheet", verified=5, categories=["walking"]),
    "walk-feed": dict(name="Zebedee River Walk", source="demo-oruk", verified=200, categories=["walking", "exercise"]),
    "walk-active": dict(name="Zebedee walk by the river", source="openactive", verified=400, categories=["walking"], schedule=["thu morning"]),
    "choir-sheet": dict(name="Zebedee community choir", source="council-sheet", verified=None, categories=["singing"], audience=[]),
    "choir-feed": dict(name="Zebedee Community Choir", source="demo-oruk", verified=None, categories=["singing"]),
    "walk-alone": dict(name="Zebedee canal walk", source="council-sheet", verified=20, categories=["walking"]),
}
LINKS = [("walk-sheet", "walk-feed"), ("walk-feed", "walk-active"), ("choir-sheet", "choir-feed")]


@pytest.fixture(scope="module")
def linked(catalogue):
    """The catalogue plus the listings above, linked through the one write path and indexed again."""
    session = catalogue.session
    made = {}
    for key, spec in LISTINGS.items():
        spec = dict(spec)
        made[key] = make_activity(**SALE, last_verified=_days_ago(spec.pop("verified")), source_id=key, **spec)
    session.add_all(made.values())
    session.flush()
    tx = changes.Transaction(session, FIXED_NOW, changes.source_actor("test"))
    tx.link_duplicates([(made[a].id, made[b].id, "test") for a, b in LINKS])
    build_index(catalogue.settings, session)
    return catalogue, made


def search(catalogue, **params):
    params.setdefault("per_page", 200)
    return search_activities(catalogue.session, catalogue.settings, SearchParams(**params))


def keys_of(results, made):
    names = {a.id: k for k, a in made.items()}
    return [names.get(hit.activity.id) for hit in results.hits]


def test_a_linked_group_is_shown_once_by_its_freshest_listing(linked):
    catalogue, made = linked
    results = search(catalogue, text="zebedee")
    assert sorted(keys_of(results, made)) == ["choir-feed", "walk-alone", "walk-sheet"]
    assert results.total == 3


def test_the_others_are_also_listed_with_their_source_and_check_date(linked):
    catalogue, made = linked
    walk = next(hit for hit in search(catalogue, text="zebedee").hits if hit.activity.id == made["walk-sheet"].id)
    assert [(o.id, o.source) for o in walk.also_listed] == [(made["walk-feed"].id, "demo-oruk"), (made["walk-active"].id, "openactive")]
    assert walk.also_listed[0].last_verified.date() == _days_ago(200).date()


def test_with_no_check_dates_the_most_complete_listing_stands_for_the_group(linked):
    catalogue, made = linked
    results = search(catalogue, text="zebedee choir")
    shown = [key for key in keys_of(results, made) if key and key.startswith("choir")]
    assert shown == ["choir-feed"]   # the sheet's listing says nothing about who it is for
    assert [o.id for o in results.hits[0].also_listed] == [made["choir-sheet"].id]


def test_a_filter_picks_among_the_listings_that_match_it(linked):
    catalogue, made = linked
    results = search(catalogue, text="zebedee", days=["thu"])
    assert keys_of(results, made) == ["walk-active"] and results.hits[0].also_listed == []


def test_facets_count_each_group_once(linked):
    catalogue, _ = linked
    facets = search(catalogue, text="zebedee").facets
    assert facets["categories"] == {"walking": 2, "exercise": 1, "singing": 1}
    assert facets["freshness"] == {"fresh": 2, "ageing": 1, "stale": 1, "unknown": 1}   # the walk group has all three
    assert facets["days"] == {"tue": 3, "thu": 1}


def test_paging_counts_groups(linked):
    catalogue, made = linked
    first, second = (search(catalogue, text="zebedee", per_page=2, page=page) for page in (1, 2))
    assert first.total == second.total == 3
    assert len(set(keys_of(first, made) + keys_of(second, made))) == 3


# -- the pure part, on a hand-made table --------------------------------------------------------------
def table(groups, verified, categories):
    n = len(groups)
    return Table(ids=np.array([f"r{i}" for i in range(n)], dtype=object), live=np.ones(n, bool), lat=np.full(n, 53.4),
                 lon=np.full(n, -2.3), verified=np.array(verified, dtype=float),
                 multi={"group": multi_from_lists([[g] if g else [] for g in groups]), "categories": multi_from_lists(categories)})


def test_collapse_keeps_rows_without_a_group_and_the_freshest_of_each_group():
    t = table(["g", None, "g", "h", "h"], [1, 5, 3, np.nan, 2], [["a"]] * 5)
    assert collapse(t, np.arange(5)).tolist() == [1, 2, 4]
    assert collapse(t, np.array([0, 1, 3])).tolist() == [0, 1, 3]


def test_counts_count_a_group_once_per_value():
    t = table(["g", "g", None], [1, 2, 3], [["a", "b"], ["a"], ["a"]])
    assert count_values(t, t.multi["categories"], np.ones(3, bool)) == {"a": 2, "b": 1}
    assert count_codes(t, np.array([0, 0, 1]), np.ones(3, bool), 2).tolist() == [1, 1]
