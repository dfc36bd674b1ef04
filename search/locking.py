"""Inter-process locks for the index directory (``flock``: released when the holder dies,
so a lock whose owner is gone is simply taken; worker processes die with their parent).

Two locks: ``write.lock`` is held for every short write batch (and the final swap of a
rebuild); ``rebuild.lock`` for the whole of a rebuild, during which writers go on with
the current index and the rebuild catches up with the catalog before its swap.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import StorageError

__all__ = ["file_lock"]


@contextmanager
def file_lock(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; wait up to ``timeout`` seconds for it.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.lock"
    >>> with file_lock(p, 1, "busy"):
    ...     with file_lock(p, 0, "busy"): pass
    Traceback (most recent call last):
    archive.errors.StorageError: busy (waited 0 s for x.lock)
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
