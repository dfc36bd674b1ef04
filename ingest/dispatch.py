"""The batch of :func:`ingest.readers.read_many`: which work goes to which worker.

Text files pass straight through. Everything that parses an untrusted file runs in a
worker process bounded by :mod:`ingest.limits`: the text pass of each PDF (pdfminer) in
the local pool, then the OCR of each page without body text — in the local pool too, or,
with a queue (``Settings.queue_url``), on the Celery workers of :mod:`ingest.ocr_queue`.

Both are :class:`concurrent.futures.Executor` s: ``backend(settings)`` makes the OCR one,
so the web UI's uploads and the CLI pick the same way (``vanthu.pipeline``).
A worker that dies (a crash in a decoder, the kernel's OOM killer, a Celery worker lost)
breaks the local pool for every page in flight; those pages are tried again in a new pool,
up to ``MAX_TRIES`` times, so one bad file costs only its own pages.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import IngestError
from archive.killpoints import reached
from archive.record import Word
from archive.settings import Settings
from archive.vntext import normalize

from . import pdf
from .limits import init_worker
from .ocr import OcrJob, OcrResult, run_job

__all__ = ["Plan", "Slot", "Batch", "OcrBackend", "Page", "local_pool", "MAX_TRIES"]

MAX_TRIES = 3
OcrBackend = Callable[[Settings], Executor]


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr: bool
    confidence: float | None  # Tesseract's mean word confidence (0-100) of an OCR'd page
    words: tuple[Word, ...] = ()  # an OCR'd page's words with confidence and box


@dataclass
class Plan:
    """A file that passed the checks of :func:`ingest.readers.read_many`, and what it costs."""

    path: Path
    sha256: str
    media_type: str
    kind: str  # "text" | "pdf" | "image"
    pages: int
    text: str | None = None


@dataclass
class Slot:
    """One file of the batch while its pages come in."""

    plan: Plan | IngestError
    pages: dict[int, Page] = field(default_factory=dict)
    pending: int = 0
    error: str | None = None

    @property
    def complete(self) -> bool:
        return isinstance(self.plan, IngestError) or self.error is not None or self.pending == 0


@dataclass
class _Task:
    """One call to make in a worker, and what to do with its answer."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    slot: Slot
    done: Callable[[_Task, Any], None]
    what: str  # "page 3", for messages
    ocr: bool  # True: the OCR backend; False: the local pool
    tries: int = 0
    executor: Executor | None = None  # where it was sent last


def local_pool(settings: Settings) -> ProcessPoolExecutor:
    """The embedded pool: ``settings.jobs`` bounded worker processes on this machine.

    "spawn": a fresh interpreter per worker; forking a process that may run threads
    (tqdm's monitor, a web server) can deadlock.
    """
    return ProcessPoolExecutor(
        max_workers=max(1, int(settings.jobs or 1)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(settings.worker_memory_bytes,),
    )


class Batch:
    """Owns the workers (started at the first page that needs one) and the work in flight."""

    def __init__(self, settings: Settings, advance: Callable[[int], object],
                 backend: OcrBackend | None = None) -> None:
        self.settings = settings
        self.advance = advance
        self.backend = backend
        self.pool: ProcessPoolExecutor | None = None
        self.remote: Executor | None = None
        self.futures: dict[Future[Any], _Task] = {}

    # -- starting a file -------------------------------------------------------------

    def start(self, plan: Plan | IngestError) -> Slot:
        slot = Slot(plan)
        if isinstance(plan, IngestError):
            return slot
        if plan.kind == "text":
            slot.pages[1] = Page(1, normalize(plan.text or ""), False, None)
            self.advance(1)
        elif plan.kind == "image":
            for index in range(plan.pages):
                self._ocr(slot, plan, index)
        else:
            args = (plan.path, self.settings.text_timeout, self.settings.max_page_pixels)
            self._submit(_Task(pdf.text_pass, args, slot,
                               self._text_passed, "the text layer", ocr=False))
        return slot

    def _ocr(self, slot: Slot, plan: Plan, index: int) -> None:
        s = self.settings
        job = OcrJob(plan.kind, os.path.abspath(plan.path), index, s.ocr_lang, s.ocr_dpi,
                     s.max_page_pixels, s.ocr_timeout)
        self._submit(_Task(run_job, (job,), slot, self._ocr_done, f"page {index + 1}", ocr=True))

    def _text_passed(self, task: _Task, pages: list[pdf.PdfPage]) -> None:
        slot = task.slot
        assert isinstance(slot.plan, Plan)
        for page in pages:
            if page.text is None:
                self._ocr(slot, slot.plan, page.number - 1)
            else:
                slot.pages[page.number] = Page(page.number, normalize(page.text), False, None)
                self.advance(1)

    def _ocr_done(self, task: _Task, result: OcrResult) -> None:
        reached("ocr-page")
        self.advance(1)
        if result.error is not None:
            task.slot.error = task.slot.error or result.error
            return
        number = task.args[0].index + 1
        task.slot.pages[number] = Page(number, normalize(result.text), True, result.confidence,
                                       result.words)

    # -- running -----------------------------------------------------------------------

    def _executor(self, ocr: bool) -> Executor:
        if ocr and self.backend is not None:
            if self.remote is None:
                self.remote = self.backend(self.settings)
            return self.remote
        if self.pool is None:
            self.pool = local_pool(self.settings)
        return self.pool

    def _submit(self, task: _Task) -> None:
        task.tries += 1
        task.executor = self._executor(task.ocr)
        try:
            future = task.executor.submit(task.fn, *task.args)
        except BrokenProcessPool:  # a worker died since the last look: start a new pool
            self._drop_pool(task.executor)
            task.executor = self._executor(task.ocr)
            future = task.executor.submit(task.fn, *task.args)
        task.slot.pending += 1
        self.futures[future] = task

    def _drop_pool(self, broken: Executor | None) -> None:
        """Forget the local pool if it is the broken one (not a new one started since)."""
        if broken is not None and broken is self.pool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def collect(self, block: bool) -> None:
        """Hand finished work to its file; wait for some if ``block``."""
        if not self.futures:
            return
        done, _ = wait(self.futures, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            task = self.futures.pop(future)
            task.slot.pending -= 1
            try:
                result = future.result()
            except BrokenProcessPool:
                self._drop_pool(task.executor)
                if task.slot.error is None and task.tries < MAX_TRIES:
                    self._submit(task)
                else:
                    self._failed(task, f"a reader process died on {task.what} {task.tries} times")
                continue
            except pdf.PdfError as exc:
                self._failed(task, str(exc))
                continue
            except IngestError as exc:  # the OCR queue's own failures
                self._failed(task, exc.reason)
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a job that could not be pickled
                self._failed(task, f"reading {task.what} failed ({type(exc).__name__}: {exc})")
                continue
            task.done(task, result)

    def _failed(self, task: _Task, reason: str) -> None:
        slot = task.slot
        slot.error = slot.error or reason
        if isinstance(slot.plan, Plan) and not task.ocr:
            self.advance(slot.plan.pages)  # the text pass stood for every page
        elif task.ocr:
            self.advance(1)

    def close(self) -> None:
        for executor in (self.remote, self.pool):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self.remote = self.pool = None
