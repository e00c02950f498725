"""A search during an index commit: the generation it listed may vanish before it opens it; it looks again."""

import pytest

from assetmap.search import whoosh_backend


def test_a_generation_replaced_while_opening_is_looked_for_again(monkeypatch):
    calls = []

    def replaced_once(index_dir, wait=False):
        calls.append(index_dir)
        if len(calls) == 1:
            raise FileNotFoundError("_activities_v4_1.toc")   # what Whoosh raised in CI when a writer committed meanwhile
        return "snapshot"

    monkeypatch.setattr(whoosh_backend, "_current_snapshot", replaced_once)
    assert whoosh_backend.current_snapshot("index") == "snapshot" and len(calls) == 2


def test_an_index_that_keeps_vanishing_still_raises(monkeypatch):
    def always(index_dir, wait=False):
        raise FileNotFoundError("gone")

    monkeypatch.setattr(whoosh_backend, "_current_snapshot", always)
    with pytest.raises(FileNotFoundError):
        whoosh_backend.current_snapshot("index")
