"""Reading queries: words, synonyms and plans (pure, no index)."""

from __future__ import annotations

import pytest

from assetmap.search.text import (
    SYNONYMS_PATH,
    QueryPlan,
    corrected_text,
    is_short,
    load_synonyms,
    plan_query,
    read_synonyms,
    unknown_words,
)
from assetmap.words import typed_words, words_of


def _alternatives(plan: QueryPlan) -> list[set[tuple[str, ...]]]:
    return [{alt.words for alt in concept.alternatives} for concept in plan.concepts]


@pytest.mark.parametrize("text, words", [
    ("Women’s Café", ["womens", "cafe"]),
    ('"dementia" AND (walking*):', ["dementia", "and", "walking"]),
    ("  M33 7XW  ", ["m33", "7xw"]),
    ("", []),
    (None, []),
    ("***:::(((", []),
])
def test_words_are_letters_and_digits_only(text, words):
    assert words_of(text) == words


def test_a_very_long_query_is_cut_to_its_first_words():
    words = words_of("walking " * 5000)
    assert 0 < len(words) <= 24


def test_typed_words_keep_capitals_and_line_up_with_words():
    assert typed_words("walking near Sale") == ["walking", "near", "Sale"]
    assert [w.lower() for w in typed_words("Men’s Shed in Old Trafford")] == words_of("Men’s Shed in Old Trafford")


def test_the_synonyms_file_has_sixty_entries_with_phrases():
    rows = SYNONYMS_PATH.read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) >= 60
    synonyms = load_synonyms()
    assert synonyms.longest >= 3  # "no one to talk to", "my wife died"


@pytest.mark.parametrize("query, expected", [
    ("lonely", ("befriending",)),
    ("lonely", ("social",)),
    ("breathing", ("lung", "health")),
    ("breathing", ("copd",)),
    ("breathing", ("breathe", "easy")),
    ("exercise", ("keep", "fit")),
    ("carers", ("unpaid", "carer")),
    ("mental health", ("low", "mood")),
    ("my wife died", ("bereavement",)),
    ("bereaved", ("bereavement",)),
    ("worried about money", ("debt",)),
    ("money", ("benefits", "advice")),
    ("somewhere warm", ("warm", "hub")),
    ("warm", ("warm", "space")),
])
def test_synonyms_add_what_people_mean(query, expected):
    plan = plan_query(words_of(query), load_synonyms())
    assert any(expected in alternatives for alternatives in _alternatives(plan))


@pytest.mark.parametrize("member, other", [
    ("fitness", ("exercise",)), ("keep fit", ("exercise",)), ("movement", ("fitness",)),
    ("caring", ("carer",)), ("unpaid carer", ("caring",)),
    ("wellbeing", ("mental", "health")), ("anxiety", ("low", "mood")),
])
def test_two_way_rows_link_every_member(member, other):
    plan = plan_query(words_of(member), load_synonyms())
    assert other in _alternatives(plan)[0]


def test_synonym_keys_match_other_forms_of_the_words():
    plan = plan_query(words_of("Carers"), load_synonyms())
    assert ("caring",) in _alternatives(plan)[0]


def test_the_persons_own_words_weigh_most_and_later_synonyms_less():
    concept = plan_query(["lonely"], load_synonyms()).concepts[0]
    weights = {alt.words: alt.weight for alt in concept.alternatives}
    assert weights[("lonely",)] == 1.0
    assert 1.0 > weights[("befriending",)] > weights[("social",)] >= 0.5


def test_stop_words_and_query_syntax_make_no_concepts():
    assert plan_query(words_of('something for my "AND" OR * :'), load_synonyms()).is_empty


def test_generic_words_are_searched_but_not_essential():
    plan = plan_query(words_of("toddler group"), load_synonyms())
    assert [c.text for c in plan.concepts] == ["toddler", "group"]
    assert plan.essential == (True, False)
    assert plan_query(["group"], load_synonyms()).essential == (True,)


def test_long_queries_need_half_their_concepts():
    plan = plan_query(words_of("walking swimming dancing singing knitting painting"), load_synonyms())
    assert plan.min_match == 3
    assert plan_query(["walking"], load_synonyms()).min_match == 1


def test_a_correction_is_searched_beside_the_original_word():
    plan = plan_query(["dimentia"], load_synonyms(), {"dimentia": "dementia"})
    alternatives = _alternatives(plan)[0]
    assert {("dimentia",), ("dementia",), ("memory",)} <= alternatives


def test_unknown_words_skip_stop_words_short_words_numbers_and_synonym_words():
    synonyms = read_synonyms([{"words": "lonely", "means": "befriending", "two_way": "no"}])
    found = unknown_words(["my", "dimentia", "dog", "2024", "befriending", "walking"], lambda ws: {"walking"}, synonyms)
    assert found == ["dimentia"]


def test_corrected_text_replaces_only_misspelt_words():
    assert corrected_text(["dimentia", "cafe"], {"dimentia": "dementia"}) == "dementia cafe"
    assert corrected_text(["dementia"], {}) is None


def test_short_queries_are_four_content_words_or_fewer():
    assert is_short(words_of("something for my breathing please"))
    assert not is_short(words_of("walking singing dancing knitting painting"))


@pytest.mark.parametrize("typed, seen", [
    ("Women’s Café", "womens cafe"),
    ("Grŵp Cerdded 🥾", "grwp cerdded 🥾"),
    ("e\u0301te\u0301", "ete"),          # accents already decomposed
    ("£2 per session", "£2 per session"),  # non-ASCII without accents is kept
    ("it's Bob`s", "its bobs"),
])
def test_normalise_text_folds_accents_and_drops_apostrophes(typed, seen):
    from assetmap.words import normalise_text

    assert normalise_text(typed) == seen
