"""Relevance on a real directory: the judged queries of ``judged_real.csv`` against ``../shared/data/community``, on both backends.

The queries are what residents and link workers type (needs, feelings, misspellings, joined and
split words, "… near Sale"); the records each should find were judged by reading the records
before the search was tuned. ``bench/relevance.py`` prints the same figures with every miss.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from assetmap.search import build_index

from .judged_real import TOP, evaluate, load_community, mean_recall, read_judged, recall_at

TARGET = 0.9


@pytest.fixture(scope="module", params=["spatialite", pytest.param("postgis", marks=pytest.mark.postgis)])
def community(request, settings, tmp_path_factory, shared_data):
    """The community files ingested in a transaction rolled back after the module, indexed, on each backend."""
    engine = request.getfixturevalue("engine" if request.param == "spatialite" else "pg_engine")
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    search_settings = dataclasses.replace(settings, database_url=engine.url.render_as_string(hide_password=False),
                                          index_dir=str(tmp_path_factory.mktemp("community-index")))
    try:
        load_community(session, search_settings, shared_data)
        build_index(search_settings, session)
        yield session, search_settings
    finally:
        session.close()
        outer.rollback()
        connection.close()


def test_the_judged_set_has_a_hundred_distinct_queries_each_with_a_judgement():
    judged = read_judged()
    assert len(judged) >= 100
    assert len({(j.query, j.near) for j in judged}) == len(judged)
    assert all(j.relevant and j.note for j in judged)


@pytest.mark.parametrize("found, relevant, expected", [
    (["a", "b"], ("a", "c"), 0.5),
    ([f"r{i}" for i in range(TOP)], tuple(f"r{i}" for i in range(50)), 1.0),   # ten right of fifty: all a page can hold
    ([], ("a",), 0.0),
])
def test_recall_counts_what_a_first_page_could_hold(found, relevant, expected):
    assert recall_at(found, relevant) == expected


def test_mean_recall_at_ten_on_the_real_directory_meets_the_target(community):
    session, search_settings = community
    outcomes = evaluate(session, search_settings)
    misses = [(o.judged.query, round(o.recall, 2)) for o in outcomes if o.recall < 1]
    assert mean_recall(outcomes) >= TARGET, f"mean recall@10 {mean_recall(outcomes):.3f}; misses: {misses}"


@pytest.mark.parametrize("query", ["foodbank", "menshed", "dropin", "selfhelp", "subaqua", "jujitsu", "carehome urmston"])
def test_joined_words_find_records_that_write_them_apart(community, query):
    session, search_settings = community
    outcome = next(o for o in evaluate(session, search_settings, [j for j in read_judged() if j.query == query]))
    assert outcome.recall >= 0.8, (query, outcome.missed)
