"""What bounds a process that reads untrusted files: the reader/OCR workers.

A PDF text layer (pdfminer), a page render (PDFium) and Tesseract all run in worker
processes, never in the process that holds the archive, and each worker is set up by
:func:`init_worker`:

* **memory**: ``RLIMIT_AS`` (inherited by its tesseract), so a decompression bomb ends in
  a MemoryError or a failed allocation there, reported as "over the memory limit";
* **time**: Tesseract gets a timeout per page; the pure-Python text pass gets
  :func:`time_limit` per page;
* **death of the parent**: a killed ``vanthu ingest`` (``kill -9``) must not leave workers
  or tesseracts behind. Each worker leads its own process group (its tesseract joins it)
  and a thread kills that group when the parent is gone. The group also keeps a Ctrl-C
  typed at the terminal away from the workers: the parent shuts them down itself.
"""
from __future__ import annotations

import os
import resource
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["init_worker", "time_limit", "TimeLimitExceeded", "out_of_memory"]

PARENT_POLL = 0.5  # seconds between two looks at the parent


class TimeLimitExceeded(Exception):
    """Raised inside :func:`time_limit` when its time is up."""


def init_worker(memory_bytes: int | None = None) -> None:
    """Process initializer of the reader/OCR workers (embedded pool and Celery pool)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one thread per tesseract: we parallelise by page
    try:
        os.setpgid(0, 0)
    except OSError:  # already a group or session leader: nothing of ours to gather
        pass
    if memory_bytes:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    die_with_parent()


def die_with_parent() -> None:
    """Start a thread that kills this process (and its group, if it leads one) as soon as
    its parent is gone. Polling ``getppid`` works under any start method and any pool
    (multiprocessing, billiard), where ``PR_SET_PDEATHSIG`` would fire on the death of the
    parent *thread* and is not inherited by tesseract."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)  # tesseract with us
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="vanthu-parent-watch", daemon=True).start()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block after ``seconds`` (SIGALRM).

    Only the main thread can take signals; elsewhere (or with ``None``) this is a no-op,
    so the caller keeps working when it is not in a worker.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def out_of_memory(exc: BaseException) -> bool:
    """True if ``exc`` or an exception it was raised from is a MemoryError (libraries wrap
    it: pdfminer's "Unable to allocate output buffer" is a PdfminerException)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
