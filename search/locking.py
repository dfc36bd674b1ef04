"""Inter-process locks for the index directory (``flock``: released if the holder dies).

Two locks: ``write.lock`` is held for every short write batch (and the final swap
of a rebuild); ``rebuild.lock`` for the whole of a rebuild. While a rebuild runs,
writers also append their changes to a journal that the rebuild replays before it
swaps the new index in, so neither ingest nor reindex waits long for the other.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import StorageError

__all__ = ["file_lock", "is_locked"]


@contextmanager
def file_lock(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; wait up to ``timeout`` seconds for it.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.lock"
    >>> with file_lock(p, 1, "busy"):
    ...     is_locked(p)
    True
    >>> is_locked(p)
    False
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StorageError(f"{busy} (waited {timeout:g} s for {path.name})") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(path: Path) -> bool:
    """Whether some process (this one included) holds the lock on ``path``."""
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
