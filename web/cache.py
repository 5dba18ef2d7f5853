"""Bounded in-process caches of values that never go stale: their keys name what they were
computed from (version ids, the classifier version, the newest change id), all of which the
store only appends to. Each app has its own (``init_app``); readers asking at once for a missing
key wait for one computation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

CACHE_SIZE = 32  # values kept per cache and app (a diff result is tens to hundreds of KB)


class ResultCache:
    """A thread-safe LRU of at most ``size`` values that computes each missing key once."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return True, self._values[key]
            return False, None

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of ``key``, from ``compute()`` the first time (one caller computes, the
        others asking at the same time wait for it)."""
        found, value = self._get(key)
        if found:
            return value
        with self._lock:
            flight = self._computing.setdefault(key, threading.Lock())
        with flight:
            found, value = self._get(key)
            if found:
                return value
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self.size:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value

    def __len__(self) -> int:
        return len(self._values)


CACHES = ("diffs", "charts")  # computed diff results; label-by-year counts of the pictures


def init_app(app: Flask) -> None:
    app.extensions["policywatch_cache"] = {name: ResultCache() for name in CACHES}


def cached(cache: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """The value of ``key`` in this app's cache ``cache``, computed once."""
    return current_app.extensions["policywatch_cache"][cache].get(key, compute)
