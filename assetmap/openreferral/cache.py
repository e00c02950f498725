"""A small time-limited cache for the feed: answers and the list of published ids, reused for a few seconds.

Feeds are read by machines — a validator paging through every list, finders polling every few
minutes — so the same answer is asked for again and again. Reusing it for ``ASSETMAP_FEED_CACHE_S``
seconds makes a page cost a dictionary lookup; an edit shows in the feed at most that long after.
Bounded (least recently used dropped first) and safe to share between a server's threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class TimedCache:
    """``get_or_make(key, make)``: ``make()``'s value, kept ``seconds`` (0 keeps nothing).

    >>> now = [0.0]
    >>> cache = TimedCache(30, clock=lambda: now[0])
    >>> cache.get_or_make("a", lambda: 1), cache.get_or_make("a", lambda: 2)
    (1, 1)
    >>> now[0] = 31.0
    >>> cache.get_or_make("a", lambda: 3)
    3
    """

    def __init__(self, seconds: float, size: int = 512, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.size, self.clock = seconds, size, clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        if self.seconds <= 0:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] <= self.clock():
                self._items.pop(key, None)
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, value: Any) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._items[key] = (self.clock() + self.seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found
