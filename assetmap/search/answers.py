"""A question's results, worked out once while nothing they rest on has changed.

After its words were matched (``match_cache``) and its records loaded (``records``), a search on
PostgreSQL still spent a millisecond or two filtering, counting and ordering the same candidates
for the same question. Those results depend on the question, the place, the settings, the minute
(freshness is worked out to the minute) and the candidates as the process holds them: the
backend's ``basis`` is an object that is replaced whenever any candidate changes (the remembered
matches of the words, or the held table itself for a search with no words), so results kept with
the very same basis are still true. Anything without a basis (Whoosh, a writing transaction) is
worked out each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

KEPT = 256   # questions kept per process

T = TypeVar("T")
_kept: OrderedDict[Hashable, tuple[object, object, object]] = OrderedDict()
_lock = threading.Lock()


def answer(settings: object, basis: object | None, question: Hashable, work: Callable[[], T]) -> T:
    """``work()``, or what it gave before for ``question`` with these very ``settings`` and ``basis`` (compared by identity)."""
    if basis is None:
        return work()
    with _lock:
        found = _kept.get(question)
        if found is not None:
            _kept.move_to_end(question)
    if found is not None and found[0] is settings and found[1] is basis:
        return found[2]
    result = work()
    with _lock:
        _kept[question] = (settings, basis, result)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return result
