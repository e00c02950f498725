"""The pure parts of the one write path: field differences and refusing what cannot be edited."""

import datetime as dt

import pytest

from assetmap import changes


@pytest.mark.parametrize("before, after, expected", [
    ({"phone": "1"}, {"phone": "1"}, {}),
    ({"phone": "1"}, {"phone": "2"}, {"phone": ["1", "2"]}),
    ({"categories": ["walking"]}, {"categories": ("walking",)}, {}),
    ({"lat": 53.4}, {"lat": 53.4 + 1e-12}, {}),
    ({"lat": None}, {"lat": 53.4}, {"lat": [None, 53.4]}),
    ({}, {"raw": {"a": 1}}, {}),                       # not an audited field
])
def test_field_diff(before, after, expected):
    assert changes.field_diff(before, after) == expected


def test_editing_an_unknown_field_is_refused_with_its_name():
    tx = changes.Transaction(session=None, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), actor="editor:x")
    with pytest.raises(changes.ChangeError, match="content_hash"):
        tx.edit_activity("some-id", {"content_hash": ""})


def test_a_conflict_says_whose_value_stands():
    conflict = changes.Conflict("a1", "phone", "2", "1", "editor:jo@x", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "edit")
    assert conflict.to_json()["edited_at"] == "2026-01-01T00:00:00+00:00"
