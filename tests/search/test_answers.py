"""Results kept per question while their basis is the very same object (``search.answers``)."""

from __future__ import annotations

from assetmap.search import answers


def test_results_are_kept_only_for_the_same_settings_and_the_very_same_basis():
    worked = []

    def work():
        worked.append(1)
        return len(worked)

    settings, other_settings, basis = object(), object(), object()
    assert answers.answer(settings, basis, ("walk", 1), work) == 1
    assert answers.answer(settings, basis, ("walk", 1), work) == 1
    assert answers.answer(settings, object(), ("walk", 1), work) == 2     # a candidate changed: a new basis
    assert answers.answer(other_settings, basis, ("walk", 1), work) == 3
    assert answers.answer(settings, None, ("walk", 1), work) == 4         # no basis: never kept
    assert answers.answer(settings, basis, ("walk", 2), work) == 5        # another minute, place or page
