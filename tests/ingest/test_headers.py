"""Which column is which: header names to fields, yes/no columns, and names that imply a category (all data in headers.py)."""

import pytest

from assetmap.ingest import headers
from assetmap.ingest.headers import field_for, implied_category


@pytest.mark.parametrize("header, field", [
    # types and categories in a directory's own words
    ("Type", "category"), ("Type of service", "category"), ("Service type", "category"), ("Activity type", "category"),
    ("Group type", "category"), ("Taxonomy", "category"), ("Categories", "category"),
    # ages
    ("Min age", "age_min"), ("Minimum age", "age_min"), ("Age from", "age_min"), ("Max age", "age_max"),
    ("Maximum Age", "age_max"), ("Age to", "age_max"), ("Age range", "audience"), ("Ages", "audience"),
    # timing notes, kept beside the schedule
    ("Timing notes", "timing_notes"), ("Session notes", "timing_notes"), ("Additional times information", "timing_notes"),
    ("Day/time", "schedule"),
    # yes/no columns
    ("Free", "flag_free"), ("Free?", "flag_free"), ("Free (Y/N)", "flag_free"), ("Is it free", "flag_free"),
    ("Is there a cost?", "flag_has_cost"), ("Referral only", "flag_referral"), ("Referral required", "flag_referral"),
    ("Referral method", "flag_referral"), ("Members only", "flag_members_only"), ("Step free access", "flag_step_free"),
    ("Step-free", "flag_step_free"), ("Wheelchair accessible", "flag_wheelchair"), ("Wheelchair access", "flag_wheelchair"),
    ("Accessible toilet", "flag_accessible_toilet"), ("Hearing loop", "flag_hearing_loop"), ("Carers welcome", "flag_carers_welcome"),
    ("Disability only", "flag_disability_only"), ("Women only", "flag_women_only"), ("Men only", "flag_men_only"),
    ("Online", "flag_online"), ("By phone", "flag_telephone"), ("Face to face", "flag_in_person"), ("Drop in", "flag_drop_in"),
    # unchanged neighbours
    ("Cost", "cost"), ("Telephone", "phone"), ("Accessibility", "accessibility"), ("Taking new people", "capacity"),
    ("Favourite biscuit", None), ("Y/N", None),
])
def test_header_names_map_to_fields(header, field):
    assert field_for(header) == field


def test_no_column_name_is_claimed_by_two_fields():
    names = [v for variants in headers.VARIANTS.values() for v in set(variants)]
    names += [v for variants, *_ in headers.FLAGS.values() for v in variants]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


@pytest.mark.parametrize("flag", sorted(headers.FLAGS))
def test_every_flag_sets_a_known_field_to_a_known_value(flag):
    _, target, if_yes, if_no = headers.FLAGS[flag]
    assert target in {"is_free", "capacity", "audience", "accessibility", "delivery"}
    if target == "is_free":
        assert {if_yes, if_no} == {True, False}
    elif target == "capacity":
        assert if_yes in ("referral_needed", "accepting") and if_no is None
    elif target == "delivery":
        assert if_yes in ("in_person", "online", "telephone") and if_no is None
    else:
        assert isinstance(if_yes, str) and if_yes[:1].isupper() and if_no is None


@pytest.mark.parametrize("header, category", [
    ("pharmacy_name", "Pharmacy"), ("community_hub", "Community hub"), ("Name", None), ("Activity", None),
])
def test_a_name_column_can_imply_the_category(header, category):
    assert implied_category(header) == category
