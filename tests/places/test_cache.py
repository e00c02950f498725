"""The per-process reference caches: built once, however many first requests arrive together."""

import threading
import time

from assetmap.places import cache


def test_concurrent_first_calls_build_once():
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.2)   # long enough for every thread to arrive while the build runs
        return object()

    start = threading.Barrier(12)
    results = []

    def first_request():
        start.wait()
        results.append(cache.cached(("test-warm", "db", 1), build))

    threads = [threading.Thread(target=first_request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len(results) == 12 and len({id(r) for r in results}) == 1


def test_postcode_lookup_is_loaded_once_by_concurrent_callers(settings, monkeypatch, tmp_path):
    loads = []

    def load(folder):
        loads.append(folder)
        time.sleep(0.2)
        return object()

    monkeypatch.setattr(cache.PostcodeLookup, "load", staticmethod(load))
    own = settings.__class__(**{**settings.__dict__, "cache_dir": str(tmp_path)})
    threads = [threading.Thread(target=cache.postcode_lookup, args=(own,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [str(tmp_path)]


def test_area_names_prefer_the_current_boundary_and_follow_changes(session):
    from assetmap.models import Area

    session.add_all([Area(kind="ward", code="E05999991", name="Old Name", vintage="2019-12", is_current=False),
                     Area(kind="ward", code="E05999991", name="New Name", vintage="2023-05", is_current=True)])
    session.flush()
    names = cache.area_names(session)
    assert names["E05999991"] == "New Name" and cache.area_names(session) is names   # built once while the areas stay the same
    session.query(Area).filter_by(vintage="2023-05", code="E05999991").update({"name": "Renamed"})
    session.flush()
    assert cache.area_names(session)["E05999991"] == "Renamed"
