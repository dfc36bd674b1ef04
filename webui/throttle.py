"""Failed-login throttling: too many failures for one account from one address, or from
one address at all, within a window, and further attempts are refused until it passes.

>>> t = LoginThrottle(max_failures=2, window=60)
>>> t.failed("1.2.3.4", "lan", now=0); t.failed("1.2.3.4", "lan", now=1)
>>> t.wait("1.2.3.4", "lan", now=2), t.wait("1.2.3.4", "lan", now=61)
(58.0, 0.0)
"""
from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["LoginThrottle"]

_PER_ADDRESS = 4  # an address may fail this many times the per-account limit in total


class LoginThrottle:
    """In memory, per process; thread-safe."""

    def __init__(self, max_failures: int, window: float):
        self.max_failures, self.window = max(1, max_failures), window
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _keys(self, address: str, name: str) -> list[tuple[tuple[str, str], int]]:
        return [((address, name.strip().lower()), self.max_failures),
                ((address, ""), self.max_failures * _PER_ADDRESS)]

    def wait(self, address: str, name: str, now: float | None = None) -> float:
        """Seconds until this account may try again from this address (0: now)."""
        now = time.monotonic() if now is None else now
        longest = 0.0
        with self._lock:
            for key, limit in self._keys(address, name):
                times = self._failures.get(key)
                if not times:
                    continue
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= limit:
                    longest = max(longest, float(times[0] + self.window - now))
        return longest

    def failed(self, address: str, name: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key, limit in self._keys(address, name):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while len(times) > limit:
                    times.popleft()

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._failures.pop((address, name.strip().lower()), None)
