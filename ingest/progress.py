"""Progress of a batch, in pages: a tqdm bar, plain log lines, or a caller's callback.

``progress=True``  on a terminal: a tqdm bar on stderr (pages done/total, pages/min, ETA);
                   otherwise (a log file, CI, a pipe): one plain line at most every
                   ``LOG_EVERY`` seconds and one at the end, since a redrawn bar is noise
                   in a log.
``progress=False`` nothing.
``progress=f``     ``f(done, total)`` after every page (the web UI's upload job).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "make_progress"]

LOG_EVERY = 30.0


class Progress:
    """Counts pages; subclasses show them."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, pages: int = 1) -> None:
        self.done += pages

    def close(self) -> None:
        pass


class _Callback(Progress):
    def __init__(self, callback: Callable[[int, int], object]) -> None:
        super().__init__()
        self.callback = callback

    def start(self, total: int) -> None:
        super().start(total)
        self.callback(0, total)

    def advance(self, pages: int = 1) -> None:
        super().advance(pages)
        self.callback(self.done, self.total)


def _rate_eta(done: int, total: int, elapsed: float) -> str:
    if done == 0 or elapsed <= 0:
        return "-- pages/min, ETA --"
    per_min = done / elapsed * 60
    left = (total - done) / (done / elapsed)
    return f"{per_min:.1f} pages/min, ETA {int(left // 60)}:{int(left % 60):02d}"


class _Tqdm(Progress):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.bar = None
        self.started = time.monotonic()

    def start(self, total: int) -> None:
        from tqdm import tqdm

        super().start(total)
        self.started = time.monotonic()
        self.bar = tqdm(total=total, unit="page", file=self.stream, dynamic_ncols=True,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} pages {postfix}")

    def advance(self, pages: int = 1) -> None:
        super().advance(pages)
        if self.bar is not None:
            self.bar.set_postfix_str(_rate_eta(self.done, self.total, time.monotonic() - self.started),
                                     refresh=False)
            self.bar.update(pages)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Log(Progress):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.started = self.last = time.monotonic()

    def start(self, total: int) -> None:
        super().start(total)
        self.started = self.last = time.monotonic()

    def advance(self, pages: int = 1) -> None:
        super().advance(pages)
        now = time.monotonic()
        if now - self.last >= LOG_EVERY:
            self.last = now
            self._line(now)

    def _line(self, now: float) -> None:
        print(f"read {self.done}/{self.total} pages, "
              f"{_rate_eta(self.done, self.total, now - self.started)}", file=self.stream, flush=True)

    def close(self) -> None:
        now = time.monotonic()
        if self.total and now - self.started >= LOG_EVERY:  # a summary for long batches
            self._line(now)


def make_progress(progress: bool | Callable[[int, int], object], stream: TextIO | None = None) -> Progress:
    """The reporter for a ``progress`` argument of :func:`ingest.readers.read_many`."""
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return Progress()
    stream = stream or sys.stderr
    return _Tqdm(stream) if getattr(stream, "isatty", lambda: False)() else _Log(stream)
