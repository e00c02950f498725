"""Place names from the areas loaded: whole names, starts of names, and (last) a name found inside ward names."""

from assetmap.places.gazetteer import Gazetteer, Place

from ..web.conftest import web_settings  # noqa: F401 (the small real database: Greater Manchester and Derbyshire wards)


def _place(name: str, code: str, lad: str = "E08000009") -> Place:
    return Place("ward", code, name, 53.4, -2.3, {"ward": code, "lad": lad})


PLACES = Gazetteer([_place("Old Glossop", "W1", "E07000037"), _place("Sale Moor", "W2"), _place("Stretford", "W3"),
                    _place("Clayton-le-Dale & Salesbury", "W4", "E07000124"), _place("Glossopdale North", "W5", "E07000037")])


def test_a_town_with_no_ward_of_its_own_name_is_found_inside_ward_names():
    assert [p.name for p in PLACES.containing(["glossop"])] == ["Old Glossop"]     # whole words only: not "Glossopdale"
    assert [p.name for p in PLACES.containing(["sale"])] == ["Sale Moor"]          # not "Salesbury"
    assert PLACES.containing(["nowhere"]) == []


def test_close_names_are_suggested_for_a_misspelt_place():
    assert PLACES.similar("Stretferd")[:1] == ["Stretford"]
    assert PLACES.similar("Glosop")[:1] == ["Old Glossop"]                          # a word inside a ward's name
    assert PLACES.similar("qqqqzzzz") == [] and PLACES.similar("") == []


def test_glossop_is_placed_in_high_peak_from_the_loaded_wards(web_settings):  # noqa: F811
    from assetmap import db
    from assetmap.places.gazetteer import find_place, suggest_places

    engine = db.make_engine(web_settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        fix = find_place(session, "Glossop")
        assert fix is not None and fix.precision == "place" and fix.label == "Glossop"
        assert 53.40 < fix.lat < 53.50 and -2.00 < fix.lon < -1.90                    # Glossop, not Greater Manchester's middle
        assert "Stretford" in suggest_places(session, "Stretferd")
    engine.dispose()
