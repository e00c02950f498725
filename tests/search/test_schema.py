"""The index's own analysis: the one-pass terms must be exactly what Whoosh's analyser chain makes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assetmap.search.schema import KEYWORD_FIELDS, StemmedText, analysed_terms, facet_column, facet_lists, text_analyzer

DEMO_SHEET = Path(__file__).resolve().parents[2] / "data" / "demo_activities.csv"
TRICKY = [
    "Carers’ Café — every 2nd Tuesday, 10.30am–12.00",
    "Grŵp Cerdded: croeso i bawb! 🥾 Walking & talking",
    "<b>HTML</b> is text: a*b, x.y.z, under_score, I, a, the, and",
    "NAÏVE  Señora   Œuvre straße ﬁne",
    "",
    "   ",
]


def whoosh_terms(text):
    return [token.text for token in text_analyzer()(text)]


@pytest.mark.parametrize("text", TRICKY)
def test_one_pass_terms_equal_the_analyser_chain(text):
    assert analysed_terms(text) == whoosh_terms(text)


def test_one_pass_terms_equal_the_analyser_chain_on_the_demo_sheet():
    with open(DEMO_SHEET, newline="", encoding="utf-8") as handle:
        texts = [" ".join(row.values()) for row in csv.DictReader(handle)]
    assert len(texts) > 100
    assert [analysed_terms(t) for t in texts] == [whoosh_terms(t) for t in texts]


def test_a_text_field_counts_each_term_once_with_its_frequency():
    postings = dict((term, count) for term, count, _, _ in StemmedText().index("Walking walks, walkers walk"))
    assert postings == {b"walk": 3, b"walker": 1, b"walkingwalk": 1, b"walkerswalk": 1}   # and neighbours joined (not across ",")


def test_the_facets_column_gives_back_each_keyword_fields_values():
    doc = {field: "" for field in KEYWORD_FIELDS} | {"categories": "walking,older-people", "serves": "E08000009"}
    value = facet_column(doc)
    assert facet_lists(value, "categories") == ["walking", "older-people"]
    assert facet_lists(value, "serves") == ["E08000009"]
    assert facet_lists(value, "audience") == []
