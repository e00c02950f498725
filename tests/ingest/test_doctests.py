import doctest
import importlib

import pytest

MODULES = ["assetmap.taxonomy", "assetmap.ingest.values", "assetmap.ingest.clean", "assetmap.ingest.link"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
