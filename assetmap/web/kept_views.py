"""What a result shows of a record (the API's item, a result's plain-English lines), worked out once per version.

A page of results spent as long turning its records into words and links as finding them. What
that gives depends only on the record's version (``SearchHit.version``: a changed record has a
new one), how fresh it is that day (state and age in days) and the names of its areas, so the
same version's answer is kept in the process and shared by every request that shows it. Records
without a version (SQLite's search, a search inside a writing transaction) are worked out each time.
The same goes for an activity page's provenance lines and calendar offer (``page_record`` gives its
version) and for a result's HTML (``result_html``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

KEPT = 8192   # views kept per process

T = TypeVar("T")
_kept: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


def kept(kind: str, version: tuple[int, int] | None, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, or the view built before for this ``kind``, record ``version`` and ``key`` (what else it depends on).

    A view is shared: callers copy it before adding anything of their own.
    """
    if version is None:
        return build()
    whole = (kind, version, key)
    with _lock:
        found = _kept.get(whole)
        if found is not None:
            _kept.move_to_end(whole)
            return found
    found = build()
    with _lock:
        _kept[whole] = found
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return found
