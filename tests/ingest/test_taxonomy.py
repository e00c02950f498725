import csv

import pytest

from assetmap import taxonomy


def test_every_slug_in_the_contract_has_a_label():
    contract = ("walking exercise singing arts-crafts befriending peer-support mental-wellbeing carers food practical-help "
                "learning young-people older-people lung-health dementia gardening mens-sheds bereavement "
                "parents-families cancer-support disability faith health-services other").split()
    assert list(taxonomy.LABELS) == contract
    assert taxonomy.label("arts-crafts") == "Arts and crafts"


def test_unknown_slug_label_is_its_words():
    assert taxonomy.label("tea-dances") == "Tea dances"


def test_category_map_only_uses_known_slugs_and_has_no_repeated_terms():
    with open(taxonomy.CATEGORY_MAP_PATH, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["slug"] for r in rows} <= set(taxonomy.LABELS)
    terms = [taxonomy.normalise_term(r["term"]) for r in rows]
    assert len(terms) == len(set(terms))


@pytest.mark.parametrize("text, slugs", [
    ("Walking", ("walking",)), ("walking groups", ("walking",)), ("Mental Health", ("mental-wellbeing",)),
    ("Men’s Shed", ("mens-sheds",)), ("dimentia cafe", ("dementia",)), ("Residential homes|Homecare agencies", ("older-people", "health-services")),
    ("weight loss", ()), ("", ()), ("food", ("food",)),
])
def test_slugs_for_free_text(text, slugs):
    assert taxonomy.slugs_for(text) == slugs
