"""Reference data a long-running process keeps loaded: the postcode directory and the area index.

Each takes seconds to build, so it is built once per process and rebuilt only when what it is built
from changes: the Area table (``area_fingerprint``) or the cache folder. The areas' names too: every
results page and activity page names wards and councils, and a query for them cost 0.5 ms a page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from assetmap import geo
from assetmap.areas.queries import area_fingerprint, load_area_index, names_current_first
from assetmap.config import Settings
from assetmap.places.postcodes import PostcodeLookup

T = TypeVar("T")

_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()                       # guards ``_cache`` and ``_build_locks`` for a moment
_build_locks: dict[object, threading.Lock] = {}       # one per what: concurrent first requests wait for one build


def cached(key: tuple, build: Callable[[], T]) -> T:
    """``build()`` once per key: ``(what, database, …)``; a new key drops the old ones of that what and database.

    Double-checked: a request that finds no value waits on the what's build lock and looks again, so
    concurrent first requests after a restart share one build instead of each making their own.
    """
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        build_lock = _build_locks.setdefault(key[0], threading.Lock())
    with build_lock:
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        value = build()
        _store(key, value)
    return value


def _store(key: tuple, value: object) -> None:
    with _cache_lock:
        stale = [k for k in _cache if k[0] == key[0] and k[1:2] == key[1:2] and k != key]
        for old in stale:
            del _cache[old]
        _cache[key] = value


def area_index(session: Session) -> geo.AreaIndex:
    return cached(("areas", *area_fingerprint(session)), lambda: load_area_index(session))


def postcode_lookup(settings: Settings) -> PostcodeLookup:
    return cached(("postcodes", settings.cache_dir), lambda: PostcodeLookup.load(settings.cache_dir))


def area_names(session: Session) -> dict[str, str]:
    """Code → name of every area, a current boundary's name first (``names_current_first``); read-only, shared."""
    return cached(("area-names", *area_fingerprint(session)), lambda: names_current_first(session))
