import doctest
import importlib

import pytest

MODULES = ["assetmap.changes", "assetmap.places.venues", "assetmap.freshness", "assetmap.exports.spreadsheet"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
