"""Relevance: realistic queries against the hand-written catalogue, on both backends.

Each row is what a resident or link worker might type, and the records a person would expect in
the first five results. Synonyms were written from FIELD-NOTES; several rows use words the
synonyms file does not mention, so they pass on stemming and the records' own words.
"""

from __future__ import annotations

import pytest

from assetmap.search import SearchParams, search_activities

RELEVANCE = [
    # (query text, near, must be in the top 5)
    ("something for my breathing", "", ["breathe-easy-sale", "singing-lungs-stretford"]),
    ("breathing", "M33 7XW", ["breathe-easy-sale", "pulmonary-online"]),
    ("COPD", "", ["breathe-easy-sale"]),
    ("short of breath", "", ["singing-lungs-stretford", "pulmonary-online"]),
    ("lonely", "", ["telephone-friendship"]),
    ("isolated older people", "", ["befriending-visits"]),
    ("make friends", "", ["coffee-chat-urmston"]),
    ("I feel lonely", "", ["telephone-friendship"]),
    ("someone to talk to", "", ["telephone-friendship"]),
    ("walk", "", ["walk-sale-water-park", "walk-stretford", "walk-altrincham"]),
    ("walking near Sale", "", ["walk-sale-water-park"]),
    ("walking group in Stretford", "", ["walk-stretford"]),
    ("exercise", "", ["chair-exercise", "keep-fit-flixton"]),
    ("excercise", "", ["chair-exercise", "keep-fit-flixton"]),
    ("keep fit", "", ["keep-fit-flixton"]),
    ("carers", "", ["carers-centre", "carers-cafe"]),
    ("support for carers", "", ["carers-centre"]),
    ("looking after my mum", "", ["carers-centre"]),
    ("my wife died", "", ["bereavement-group", "widowed-social"]),
    ("bereaved", "", ["bereavement-group"]),
    ("grief", "", ["bereavement-group", "bereavement-stale"]),
    ("worried about money", "", ["citizens-advice", "benefits-drop-in"]),
    ("debt advice", "", ["citizens-advice"]),
    ("help with bills", "", ["energy-advice"]),
    ("somewhere warm", "", ["warm-space-library", "warm-hub-church"]),
    ("warm space", "", ["warm-space-library"]),
    ("food bank", "", ["food-bank"]),
    ("hungry", "", ["food-bank"]),
    ("womens group", "", ["womens-group"]),
    ("dimentia", "", ["memory-cafe", "singing-for-brain"]),
    ("memory loss", "", ["memory-cafe", "singing-for-brain"]),
    ("alzheimers", "", ["singing-for-brain"]),
    ("mens shed", "", ["mens-shed"]),
    ("anxiety", "", ["anxiety-group"]),
    ("mental health", "", ["anxiety-group", "wellbeing-cafe"]),
    ("feeling low", "", ["low-mood-course"]),
    ("depression", "", ["low-mood-course"]),
    ("choir", "", ["community-choir"]),
    ("singing", "", ["community-choir", "singing-lungs-stretford", "singing-for-brain"]),
    ("knitting", "", ["knit-natter"]),
    ("gardening", "", ["community-allotment", "therapeutic-garden"]),
    ("allotment", "", ["community-allotment"]),
    ("toddler group", "", ["stay-and-play"]),
    ("youth club", "", ["youth-club"]),
    ("teenagers", "", ["youth-club"]),
    ("cancer", "", ["cancer-support"]),
    ("stroke", "", ["stroke-club"]),
    ("diabetes", "", ["diabetes-group"]),
    ("autism", "", ["autism-parents"]),
    ("deaf", "", ["deaf-club"]),
    ("sign language", "", ["deaf-club"]),
    ("falls", "", ["falls-class", "tai-chi"]),
    ("yoga", "", ["yoga-gentle"]),
    ("learn english", "", ["esol"]),
    ("computer help", "", ["digital-help"]),
    ("volunteering", "", ["volunteer-centre"]),
    ("veterans", "", ["veterans-breakfast"]),
    ("alcohol", "", ["recovery-cafe"]),
    ("domestic abuse", "", ["domestic-abuse"]),
    ("lunch club", "", ["lunch-club"]),
    ("LGBT", "", ["lgbt-social"]),
    ("art classes", "", ["art-class"]),
    ("football", "", ["walking-football"]),
    ("over 60s", "", ["chair-exercise", "lunch-club"]),
    ("dementia cafe near Sale", "", ["memory-cafe"]),
    ("befriending", "Altrincham", ["befriending-visits", "telephone-friendship"]),
]


def _top_keys(catalogue, text, near="", limit=5):
    results = search_activities(catalogue.session, catalogue.settings, SearchParams(text=text, near=near, per_page=limit))
    return [catalogue.key_of(hit.activity.id) for hit in results.hits]


def test_the_relevance_set_has_at_least_forty_queries():
    assert len(RELEVANCE) >= 40
    assert len({row[0] for row in RELEVANCE}) == len(RELEVANCE)


@pytest.mark.parametrize("text, near, expected", RELEVANCE, ids=[row[0] for row in RELEVANCE])
def test_expected_activities_are_in_the_top_five(catalogue, text, near, expected):
    top = _top_keys(catalogue, text, near)
    missing = [key for key in expected if key not in top]
    assert not missing, f"{text!r} near {near!r}: {missing} not in top 5 {top}"


def test_everything_in_the_top_five_for_lonely_is_about_company(catalogue):
    top = _top_keys(catalogue, "lonely")
    assert len(top) == 5
    assert all("befriending" in catalogue.by_key[key].categories for key in top), top
