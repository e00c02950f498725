"""Reading queries: words, synonyms and plans (pure, no index)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assetmap.search.text import (
    NOT_JOINED,
    SYNONYMS_PATH,
    QueryPlan,
    alternative_scales,
    compound_splits,
    corrected_text,
    is_short,
    load_synonyms,
    plan_query,
    read_synonyms,
    unknown_words,
)
from assetmap.words import joined_words, typed_words, words_of


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
    ("bereaved", ("grief",)),     # "bereavement" is the same stem as "bereaved": searched once
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


# Compound words: "foodbank" / "food bank", "menshed" / "men's shed", "dropin" / "drop-in"

@pytest.mark.parametrize("text, joins", [
    ("Food Bank", ["foodbank"]),
    ("drop-in café", ["dropin", "incafe"]),
    ("Men’s Shed", ["mensshed"]),
    ("Tae Kwon-Do", ["taekwon", "kwondo"]),
    ("food, bank", []),              # not across punctuation
    ("Unit 3 bank", []),             # nor digits
    ("the bank", []),                # nor stop words (except "in" and "on")
    ("a b", []),                     # too short to be a word
])
def test_neighbouring_words_are_joined_across_spaces_and_hyphens_only(text, joins):
    assert joined_words(text, NOT_JOINED) == joins


def test_a_plan_searches_neighbouring_words_joined_by_each_concept_they_belong_to():
    plan = plan_query(words_of("walking football near me"), load_synonyms())
    by_text = {c.text: {a.words for a in c.alternatives} for c in plan.concepts}
    assert ("walkingfootball",) in by_text["walking"] and ("walkingfootball",) in by_text["football"]
    assert not any(("footballnear",) in alts for alts in by_text.values())   # query stop words are not joined


def test_a_synonym_phrase_is_also_known_written_as_one_word():
    synonyms = load_synonyms()
    joined = {a.words for c in plan_query(["foodbank"], synonyms).concepts for a in c.alternatives}
    apart = {a.words for c in plan_query(["food", "bank"], synonyms).concepts for a in c.alternatives}
    assert ("trussell", "trust") in joined and ("trussell", "trust") in apart


@pytest.mark.parametrize("word, known, split", [
    ("menshed", {"men", "shed", "mens"}, "men shed"),
    ("dropin", {"drop"}, "drop in"),
    ("playgroup", {"play", "group"}, "play group"),
    ("taekwondo", {"tae", "kwondo"}, "tae kwondo"),
    ("foodbank", {"foodbank", "food", "bank"}, None),   # a word records use is never split
    ("dementia", {"dem"}, None),
])
def test_an_unknown_word_made_of_two_known_words_is_split(word, known, split):
    assert compound_splits([word], lambda words: {w for w in words if w in known}).get(word) == split


def test_a_split_word_is_searched_as_itself_and_as_its_parts():
    plan = plan_query(["menshed"], load_synonyms(), {"menshed": "men shed"})
    assert len(plan.concepts) == 1
    alternatives = {a.words: a.weight for a in plan.concepts[0].alternatives}
    assert alternatives[("menshed",)] == alternatives[("men", "shed")] == 1.0


def test_synonyms_with_the_same_stems_are_searched_once():
    alternatives = [a.words for c in plan_query(["chemist"], load_synonyms()).concepts for a in c.alternatives]
    assert ("chemist",) in alternatives and ("chemists",) not in alternatives


def test_each_alternative_is_scaled_to_the_persons_own_words():
    assert alternative_scales([2.0, 8.0, 0.0]) == [1.0, 0.25, 0.0]
    assert alternative_scales([0.0, 4.0, 2.0]) == [0.0, 1.0, 2.0]   # own words found nothing: the best alternative sets the scale


@pytest.mark.parametrize("query, expected", [
    ("my wife died", ("bereavement",)),
    ("worried about money", ("money", "advice")),
    ("somewhere warm", ("library",)),
    ("lonely", ("befriending",)),
    ("cant sleep", ("insomnia",)),
    ("memory problems", ("dementia",)),
    ("new to the area", ("meet", "people")),
    ("I've stopped going out", ("isolation",)),
    ("carer for my mum", ("unpaid", "carer")),
    ("something for my breathing", ("lung", "health")),
    ("I want to lose weight", ("exercise",)),
    ("feeling low", ("depression",)),
    ("doctors", ("gp",)),
    ("chemist", ("pharmacy",)),
    ("care home", ("nursing", "home")),
    ("martial arts", ("karate",)),
])
def test_needs_and_feelings_reach_the_services_that_meet_them(query, expected):
    assert any(expected in alternatives for alternatives in _alternatives(plan_query(words_of(query), load_synonyms())))


@pytest.mark.postgis
def test_postgresql_joins_words_exactly_as_python_does(pg_engine):
    from sqlalchemy.orm import Session

    from assetmap.search import pg_backend

    texts = ["Food Bank", "drop-in café", "Men’s Shed", "Tae Kwon-Do", "food, bank", "M33 7XW bank", "the bank",
             "Walking  football\nand  tea - at the hall", "Ju-Jitsu/judo club", "Crèche on Mondays"]
    with pg_engine.connect() as connection, Session(bind=connection) as session:
        pg_backend.ensure_schema(session)
        from_sql = [session.execute(sa.text("SELECT assetmap_joins(:t)"), {"t": t}).scalar() for t in texts]
        session.rollback()
    assert from_sql == [" ".join(joined_words(t, NOT_JOINED)) for t in texts]
