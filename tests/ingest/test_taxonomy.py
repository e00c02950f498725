import csv
from pathlib import Path

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
    ("quantum origami", ()), ("", ()), ("food", ("food",)),
])
def test_slugs_for_free_text(text, slugs):
    assert taxonomy.slugs_for(text) == slugs


def test_every_term_says_how_it_may_be_used_to_guess():
    with open(taxonomy.CATEGORY_MAP_PATH, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["infer"] for r in rows} == {"alone", "paired", ""}
    assert sum(r["infer"] == "alone" for r in rows) > 500


@pytest.mark.parametrize("text, slugs", [
    # the words real directories file things under (Trafford and GM directories, ORUK taxonomies)
    ("Social groups", ("befriending",)), ("social group ", ("befriending",)), ("Lunch Clubs", ("befriending",)),
    ("Befriending", ("befriending",)), ("Carers support", ("carers",)), ("Mental health and wellbeing", ("mental-wellbeing",)),
    ("Mental Health & Wellbeing", ("mental-wellbeing",)), ("Physical activity", ("exercise",)), ("Arts and crafts", ("arts-crafts",)),
    ("Men's sheds", ("mens-sheds",)), ("Parent and toddler", ("parents-families",)), ("Parent & Toddler groups", ("parents-families",)),
    ("Food banks / food support", ("food",)), ("Advice (money, debt, benefits)", ("practical-help",)), ("Bereavement", ("bereavement",)),
    ("Dementia", ("dementia",)), ("Singing / choirs", ("singing",)), ("Faith groups", ("faith",)), ("Youth clubs", ("young-people",)),
    ("Digital skills", ("learning",)), ("ESOL / English classes", ("learning",)), ("Volunteering", ("learning",)),
    ("Walking groups", ("walking",)), ("Gardening", ("gardening",)), ("Disability support", ("disability",)),
    ("Parents>Grandparents", ("parents-families",)), ("Health > Mental health", ("mental-wellbeing",)),
    ("Sport & Leisure", ("exercise",)), ("Warm spaces", ("practical-help",)), ("Dimentia cafe", ("dementia",)),
    ("Libraries", ("learning",)), ("Community hub", ("practical-help",)), ("Pharmacy", ("health-services",)),
    ("Local authority run library", ("learning",)), ("Martial Arts", ("exercise",)), ("Nursing homes|Residential homes", ("older-people",)),
])
def test_directory_vocabularies_map_to_the_taxonomy(text, slugs):
    assert taxonomy.slugs_for(text) == slugs


@pytest.mark.parametrize("text, slugs", [
    ("Partington Men's Shed", ("mens-sheds",)), ("Stretford Foodbank", ("food",)), ("Monday Memory Cafe", ("dementia",)),
    ("Breathe Easy Sale", ("lung-health",)), ("Trussell Trust", ("food",)), ("Davyhulme Medical Centre", ("health-services",)),
    ("A peer support group for people living with depression.", ("peer-support", "mental-wellbeing")),
    ("Advice on benefits", ("practical-help",)),               # two paired words for one slug
    # one weak word is never enough
    ("St Mary's Church", ()), ("Within walking distance of the station", ()), ("Run by volunteers", ()),
    ("Tea, biscuits and a warm welcome", ()), ("Open to parents and carers", ()), ("Primrose Surgery", ()), ("Tuesday Club", ()),
    ("Send us an email", ()),
])
def test_categories_are_guessed_from_names_and_descriptions_only_on_strong_words(text, slugs):
    assert taxonomy.infer_slugs(text) == slugs


@pytest.mark.parametrize("youngest, oldest, bands", [
    (0, 5, ("Children",)), (5, 11, ("Children",)), (4, 16, ("Children", "Young people")), (11, 18, ("Young people",)),
    (16, 25, ("Young people",)), (18, 65, ("Adults",)), (18, None, ("Adults",)), (16, None, ("Adults",)),
    (50, None, ("Older people",)), (60, None, ("Older people",)), (0, 17, ("Children", "Young people")), (0, None, ()),
])
def test_age_ranges_give_audience_bands(youngest, oldest, bands):
    assert taxonomy.age_bands(youngest, oldest) == bands


def _other_share(path) -> tuple[float, int]:
    import datetime as dt

    from assetmap.ingest.clean import clean_row
    from assetmap.ingest.readers import read_rows
    from assetmap.ingest.records import ActivityDraft

    drafts = [d for d in (clean_row(raw, dt.date(2026, 6, 15), "test") for raw in read_rows(path)) if isinstance(d, ActivityDraft)]
    return sum(d.categories in ([], ["other"]) for d in drafts) / len(drafts), len(drafts)


def test_real_directories_with_a_type_column_leave_fewer_than_one_in_ten_as_other(shared_data):
    import json

    from assetmap.ingest.headers import field_for

    typed = [p for p in sorted((shared_data / "community").glob("*.geojson"))
             if any(field_for(h) == "category" for h in json.loads(p.read_text())["features"][0]["properties"])]
    assert [p.name for p in typed] == ["gm_libraries.geojson", "trafford_care_homes_cqc.geojson", "trafford_sports_clubs.geojson"]
    for path in typed:
        assert _other_share(path)[0] < 0.10, path.name


def test_a_hand_kept_directory_with_messy_types_leaves_fewer_than_one_in_ten_as_other():
    share, rows = _other_share(Path(__file__).parent.parent / "data" / "columns" / "hand_kept_directory.csv")
    assert rows == 61 and share < 0.10
