"""The batch of :func:`ingest.readers.read_many`: which work goes to which worker.

Everything that parses an untrusted file runs in a worker process bounded by
:mod:`ingest.limits`: the text pass of each PDF (pdfminer) in the local pool, then the OCR
of each page without body text — in the local pool too, or, with a queue
(``Settings.queue_url``), on the Celery workers of :mod:`ingest.ocr_queue`. Once its pages
are in, a document is finished (:func:`ingest.documents.finish`: normalized, and parsed
for an ingest): in the local pool when the batch is large (``Batch(pooled=True)``), so that
parsing overlaps the storing of the documents before it, else — and always after OCR,
whose pages take seconds each — in this process.

Both are :class:`concurrent.futures.Executor` s: ``backend(settings)`` makes the OCR one,
so the web UI's uploads and the CLI pick the same way (``vanthu.pipeline``).
A worker that dies (a crash in a decoder, the kernel's OOM killer, a Celery worker lost)
breaks the local pool for every page in flight; those pages are tried again in a new pool,
up to ``MAX_TRIES`` times, so one bad file costs only its own pages.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from archive.errors import IngestError
from archive.killpoints import reached
from archive.settings import Settings

from . import pdf
from .documents import Document, Page, finish
from .limits import init_worker
from .ocr import OcrJob, OcrResult, run_job

__all__ = ["Plan", "Slot", "Batch", "OcrBackend", "LocalPool", "MAX_TRIES"]

MAX_TRIES = 3
OcrBackend = Callable[[Settings], Executor]
T = TypeVar("T")


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
    document: Document | None = None  # once finished

    @property
    def complete(self) -> bool:
        return isinstance(self.plan, IngestError) or self.error is not None \
            or self.document is not None


@dataclass
class _Task:
    """One call to make in a worker, and what to do with its answer."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    slot: Slot
    done: Callable[[_Task, Any], None]
    what: str  # "reading page 3", for messages
    where: str  # "ocr": the OCR backend; "pool": the local pool; "here": this process
    pages: int = 0  # progress to report if it fails
    tries: int = 0
    executor: Executor | None = None  # where it was sent last


class _Here(Executor):
    """Runs each call at once in this process: for work not worth a worker pool's start."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to collect(), as a worker's would be
            future.set_exception(exc)
        return future


# Taken while a pool starts its workers: a child born then belongs to that pool.
_STARTING = threading.Lock()


class LocalPool(ProcessPoolExecutor):
    """The embedded pool: ``settings.jobs`` bounded worker processes on this machine, each
    a fresh interpreter ("spawn": forking a process that may run threads — tqdm's monitor,
    a web server — can deadlock).

    Every worker is started at once, not by later submits: on Python 3.11 a submit that
    starts a worker while another dies races the pool's manager thread, which then leaves
    the new worker running (blocked for ever writing a result nobody reads, while the
    thread waits for it, and the interpreter at exit for the thread) or dies itself. And
    the pool knows its workers, to kill them when it is dropped as broken.
    """

    def __init__(self, settings: Settings) -> None:
        jobs = max(1, int(settings.jobs or 1))
        super().__init__(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                         initializer=init_worker, initargs=(settings.worker_memory_bytes,))
        with _STARTING:
            before = {p.pid for p in multiprocessing.active_children()}
            for _ in range(jobs):  # no worker is idle yet, so each submit starts one
                self.submit(os.getpid)
            self.workers = [p for p in multiprocessing.active_children() if p.pid not in before]

    def kill(self) -> None:
        """Stop at once: cancel the work not started and kill every worker."""
        self.shutdown(wait=False, cancel_futures=True)
        for worker in self.workers:
            worker.kill()


class Batch:
    """Owns the workers (started at the first task that needs one) and the work in flight.

    ``with_record``: documents are finished with their parsed record (an ingest);
    ``pooled``: documents that needed no OCR are finished in the local pool (a large batch).
    """

    def __init__(self, settings: Settings, advance: Callable[[int], object],
                 backend: OcrBackend | None = None, *, with_record: bool = False,
                 pooled: bool = False) -> None:
        self.settings = settings
        self.advance = advance
        self.backend = backend
        self.with_record, self.pooled = with_record, pooled
        self.pool: LocalPool | None = None
        self.remote: Executor | None = None
        self.here = _Here()
        self.futures: dict[Future[Any], _Task] = {}

    # -- starting a file -------------------------------------------------------------

    def start(self, plan: Plan | IngestError) -> Slot:
        slot = Slot(plan)
        if isinstance(plan, IngestError):
            return slot
        if plan.kind == "text":
            slot.pages[1] = Page(1, plan.text or "", False, None)
            self.advance(1)
            self._finish(slot, plan)
        elif plan.kind == "image":
            for index in range(plan.pages):
                self._ocr(slot, plan, index)
        else:
            args = (plan.path, self.settings.text_timeout, self.settings.max_page_pixels)
            self._submit(_Task(pdf.text_pass, args, slot, self._text_passed,
                               "reading the text layer", "pool", pages=plan.pages))
        return slot

    def _ocr(self, slot: Slot, plan: Plan, index: int) -> None:
        s = self.settings
        job = OcrJob(plan.kind, os.path.abspath(plan.path), index, s.ocr_lang, s.ocr_dpi,
                     s.max_page_pixels, s.ocr_timeout)
        self._submit(_Task(run_job, (job,), slot, self._ocr_done, f"reading page {index + 1}",
                           "ocr", pages=1))

    def _text_passed(self, task: _Task, pages: list[pdf.PdfPage]) -> None:
        slot = task.slot
        assert isinstance(slot.plan, Plan)
        for page in pages:
            if page.text is None:
                self._ocr(slot, slot.plan, page.number - 1)
            else:
                slot.pages[page.number] = Page(page.number, page.text, False, None)
                self.advance(1)
        self._if_read(slot)

    def _ocr_done(self, task: _Task, result: OcrResult) -> None:
        reached("ocr-page")
        self.advance(1)
        if result.error is not None:
            task.slot.error = task.slot.error or result.error
            return
        number = task.args[0].index + 1
        task.slot.pages[number] = Page(number, result.text, True, result.confidence,
                                       result.words)
        self._if_read(task.slot)

    def _if_read(self, slot: Slot) -> None:
        """Finish a file once all its pages are in."""
        if slot.pending == 0 and slot.error is None and isinstance(slot.plan, Plan):
            self._finish(slot, slot.plan)

    def _finish(self, slot: Slot, plan: Plan) -> None:
        pages = tuple(slot.pages[n] for n in sorted(slot.pages))
        document = Document(plan.path, plan.sha256, plan.media_type, pages)
        where = "pool" if self.pooled and not document.ocr else "here"
        self._submit(_Task(finish, (document, self.settings, self.with_record), slot,
                           self._finished, "parsing" if self.with_record else "normalizing",
                           where))

    @staticmethod
    def _finished(task: _Task, document: Document) -> None:
        task.slot.document = document

    # -- running -----------------------------------------------------------------------

    def _executor(self, where: str) -> Executor:
        if where == "here":
            return self.here
        if where == "ocr" and self.backend is not None:
            if self.remote is None:
                self.remote = self.backend(self.settings)
            return self.remote
        if self.pool is None:
            self.pool = LocalPool(self.settings)
        return self.pool

    def _submit(self, task: _Task) -> None:
        task.tries += 1
        task.executor = self._executor(task.where)
        try:
            future = task.executor.submit(task.fn, *task.args)
        except (BrokenProcessPool, OSError):
            # A worker died since the last look: start a new pool. (While the pool breaks,
            # its submit may also fail spawning a worker on a pipe just closed: OSError.)
            if task.executor is not self.pool:
                raise
            self._drop_pool(task.executor)
            task.executor = self._executor(task.where)
            future = task.executor.submit(task.fn, *task.args)
        task.slot.pending += 1
        self.futures[future] = task

    def _drop_pool(self, broken: Executor | None) -> None:
        """Forget the local pool if it is the broken one (not a new one started since)."""
        if broken is not None and broken is self.pool:
            self.pool.kill()
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
                    self._failed(task, f"a reader process died {task.tries} times while "
                                       f"{task.what}")
                continue
            except pdf.PdfError as exc:
                self._failed(task, str(exc))
                continue
            except IngestError as exc:  # the OCR queue's own failures
                self._failed(task, exc.reason)
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a job that could not be pickled
                self._failed(task, f"{task.what} failed ({type(exc).__name__}: {exc})")
                continue
            task.done(task, result)

    def _failed(self, task: _Task, reason: str) -> None:
        task.slot.error = task.slot.error or reason
        self.advance(task.pages)  # the pages it stood for (a text pass: every page)

    def close(self) -> None:
        for executor in (self.remote, self.pool):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self.remote = self.pool = None
