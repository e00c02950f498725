"""Spelling corrections from a lexicon of known words (pure)."""

from __future__ import annotations

import pytest

from assetmap.search.spelling import Lexicon, edit_distance, max_distance_for


@pytest.mark.parametrize("a, b, distance", [
    ("dementia", "dementia", 0), ("dimentia", "dementia", 1), ("excercise", "exercise", 1),
    ("form", "from", 1), ("walk", "talk", 1), ("befrending", "befriending", 1), ("choir", "chior", 1), ("abc", "xyz", 3),
])
def test_edit_distance_counts_insertions_deletions_substitutions_and_swaps(a, b, distance):
    assert edit_distance(a, b) == distance


def test_shorter_words_allow_fewer_edits():
    assert [max_distance_for(w) for w in ("tea", "walk", "dancing", "excercise")] == [0, 1, 2, 2]


LEXICON = Lexicon({"dementia": 5, "exercise": 9, "exercised": 1, "walking": 12, "talking": 3, "womens": 2, "knitting": 4})


@pytest.mark.parametrize("typed, meant", [
    ("dimentia", "dementia"), ("excercise", "exercise"), ("walkng", "walking"), ("kniting", "knitting"), ("womans", "womens"),
])
def test_misspellings_find_the_intended_word(typed, meant):
    assert LEXICON.correction(typed) == meant


def test_the_most_used_word_wins_a_tie():
    assert Lexicon({"talking": 3, "walking": 12}).correction("xalking") == "walking"


def test_nothing_close_enough_gives_no_correction():
    assert LEXICON.correction("zzzzzzzz") is None
    assert LEXICON.correction("tea") is None  # too short to correct safely
