"""Named points where the crash tests kill vanthu for real.

``VANTHU_KILL_AT=store-placed`` makes the process SIGKILL itself the first time it reaches
``reached("store-placed")``; ``VANTHU_KILL_AT=store-placed@3`` the third time. It is how
tests/test_crash.py stops an ingest exactly between two writes that must agree (files and
catalog, catalog and index) instead of hoping a timer lands there. Unset — always, outside
those tests — a point costs one environment lookup.
"""
from __future__ import annotations

import os
import signal

__all__ = ["reached", "ENV"]

ENV = "VANTHU_KILL_AT"
_seen: dict[str, int] = {}


def reached(point: str) -> None:
    """Die here, as a power cut or ``kill -9`` would, if the environment names this point."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition("@")
    if name != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
