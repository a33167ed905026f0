"""A small per-process cache with expiry, for values that may be a few minutes stale.

Nothing here is the only copy of anything: every value can be recomputed from the
database, so several workers or hosts each keeping their own is fine.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_ALL: list[TTLCache] = []


def clear_all() -> None:
    """Empty every cache (tests do, between tests that reuse ids)."""
    for cache in _ALL:
        cache.clear()


class TTLCache:
    """Least-recently-used entries that expire ``seconds`` after they were set."""

    def __init__(self, *, seconds: float, max_items: int) -> None:
        self.seconds, self.max_items = seconds, max_items
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key, None)
                return None
            self._items.move_to_end(key)
            return item[1]

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self.seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
