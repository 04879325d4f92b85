"""Bounded memories of what is costly to compute again: by key, or by the identity of an object never changed
once built (a compiled definition). Safe across threads: workflow activations and API requests run on several.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
Owner = TypeVar("Owner")


class Remembered(Generic[K, V]):
    """At most ``size`` values by key; the least recently used is forgotten first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            if len(self._values) > self._size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class RememberedFor(Generic[Owner, V]):
    """At most ``size`` values by the identity of the object they were computed from. The object is kept with
    its value, so its ``id`` cannot be reused by another while remembered."""

    def __init__(self, size: int) -> None:
        self._by_id: Remembered[int, tuple[Owner, V]] = Remembered(size)

    def get(self, owner: Owner) -> V | None:
        found = self._by_id.get(id(owner))
        return found[1] if found is not None and found[0] is owner else None

    def put(self, owner: Owner, value: V) -> None:
        self._by_id.put(id(owner), (owner, value))
