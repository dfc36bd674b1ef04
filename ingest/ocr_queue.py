"""OCR over several machines: a Celery queue of pages, served by ``vanthu worker``.

With ``Settings.queue_url`` (``vanthu ingest --queue redis://host:6379/0``, or
``VANTHU_QUEUE``), :func:`executor` replaces the local worker pool for OCR: each page is
sent over the broker *with its bytes* — the page of a PDF as a one-page PDF (its scan as
it was compressed in the file, ~50-500 KB), an image file as it is — so a worker needs
nothing but the broker: no shared storage, no access to the archive or to the files being
ingested. The text pass of a PDF and everything else stays on the ingesting machine.

A worker runs the same :func:`ingest.ocr.run_job` on the same bytes as the local pool, so a
record is the same whichever path OCR'd it. Delivery is *at least once*: a task is
acknowledged after it ran (``acks_late``); a pool process that dies mid-page has its page
requeued at once (``reject_on_worker_lost``); a whole worker that vanishes has its pages
handed to another after ``Settings.queue_visibility_timeout`` seconds. Results come back
through the broker's Redis (the result backend) and are deleted once read.

If the broker cannot be reached for ``Settings.queue_patience`` seconds, every page in flight
fails with a one-line reason: its file is reported, never half stored.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import os
import tempfile
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import dacite
from celery import Celery
from celery.exceptions import TimeoutError as NotReady
from celery.signals import worker_process_init

from archive.errors import IngestError, VanthuError
from archive.settings import Settings

from .limits import init_worker
from .ocr import OcrJob, OcrResult, run_job

__all__ = ["TASK", "check_url", "make_app", "executor", "QueueExecutor", "run_worker", "portable_page"]

TASK = "vanthu.ocr_page"
QUEUE = "vanthu-ocr"
POLL = 0.2  # seconds between two looks for finished pages


def check_url(url: str | None) -> str:
    """The queue URL if it is one vanthu can use, else a VanthuError saying why.

    >>> check_url("amqp://broker")
    Traceback (most recent call last):
    archive.errors.VanthuError: queue URL 'amqp://broker': expected redis://HOST[:PORT][/DB] (or rediss://)
    """
    if not url:
        raise VanthuError("no queue URL: give --queue redis://HOST:6379/0 or set VANTHU_QUEUE")
    if urlsplit(url).scheme not in ("redis", "rediss") or not urlsplit(url).hostname:
        raise VanthuError(f"queue URL {url!r}: expected redis://HOST[:PORT][/DB] (or rediss://)")
    return url


def make_app(settings: Settings) -> Celery:
    """The Celery app of the OCR queue at ``settings.queue_url`` (broker and results)."""
    url = check_url(settings.queue_url)
    visibility = int(settings.queue_visibility_timeout)
    app = Celery("vanthu", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        # JSON only: a worker must never unpickle what someone put on the broker.
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a page waits in the queue, not behind a busy worker
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # Look for pages of a vanished worker about ten times per visibility timeout.
            "unacked_restore_interval": max(1, min(10, visibility // 10)),
            "unacked_restore_throttle": 1,
            "socket_timeout": 10, "socket_connect_timeout": 5,
        },
        redis_socket_timeout=10, redis_socket_connect_timeout=5,
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)(ocr_page)
    return app


# --- what travels: a page as a file of its own --------------------------------------------

def portable_page(job: OcrJob) -> tuple[bytes, str, int]:
    """``(data, suffix, index)``: the page of ``job`` as a file that the worker writes out
    and OCRs at ``index`` with :func:`run_job`, reading exactly what ``run_job(job)`` reads.

    A PDF page becomes a one-page PDF (PDFium copies its objects, the scan still compressed
    as in the file); an image file goes as it is (a multi-page TIFF whole, with the index:
    its frames are small, and re-encoding one could change what Tesseract sees).
    """
    if job.kind == "pdf":
        import pypdfium2 as pdfium

        source, single = pdfium.PdfDocument(job.path), pdfium.PdfDocument.new()
        try:
            single.import_pages(source, [job.index])
            buffer = io.BytesIO()
            single.save(buffer)
        finally:
            single.close()
            source.close()
        return buffer.getvalue(), ".pdf", 0
    return Path(job.path).read_bytes(), Path(job.path).suffix.lower(), job.index


def ocr_page(message: dict[str, Any]) -> dict[str, Any]:
    """The Celery task: write the page to a private temporary file and OCR it."""
    job = OcrJob(**message["job"])
    with tempfile.TemporaryDirectory(prefix="vanthu-page-") as tmp:
        path = Path(tmp) / f"page{message['suffix']}"
        path.write_bytes(base64.b64decode(message["data"]))
        result = run_job(dataclasses.replace(job, path=str(path), index=message["index"]))
    return dataclasses.asdict(result)


def _result(data: dict[str, Any]) -> OcrResult:
    # dacite rebuilds nested dataclasses and tuples, so OcrResult may grow fields freely.
    return dacite.from_dict(OcrResult, data, config=dacite.Config(cast=[tuple]))


# --- the ingesting side -------------------------------------------------------------------

def executor(settings: Settings) -> QueueExecutor:
    """The OCR backend of :mod:`ingest.dispatch` for ``settings.queue_url``."""
    return QueueExecutor(settings)


class QueueExecutor(Executor):
    """Sends ``run_job`` calls to the queue; a thread collects the results into futures."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_app(settings)
        self.task = self.app.tasks[TASK]
        self.pending: dict[str, tuple[Future[OcrResult], OcrJob]] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.problem = self._problem()
        self.thread = threading.Thread(target=self._collect, name="vanthu-queue-results", daemon=True)
        self.thread.start()

    def _problem(self) -> str | None:
        """Why no page can be sent (None: a worker answered)."""
        try:
            answers = self.app.control.ping(timeout=2.0, limit=1)  # one answer is enough
        except Exception as exc:  # noqa: BLE001 - redis, kombu and socket errors alike
            return f"OCR queue {self.settings.queue_url} is unreachable ({_one_line(exc)})"
        if not answers:
            return (f"no vanthu worker answers on {self.settings.queue_url}; "
                    f"start one with `vanthu worker --queue {self.settings.queue_url}`")
        return None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if fn is not run_job or kwargs or len(args) != 1:
            raise TypeError("the OCR queue runs ingest.ocr.run_job(job) only")
        job: OcrJob = args[0]
        future: Future[OcrResult] = Future()
        if self.problem:
            future.set_exception(IngestError(job.path, self.problem))
            return future
        try:
            data, suffix, index = portable_page(job)
        except Exception as exc:  # noqa: BLE001 - PDFium or the file system, on a file we checked
            future.set_result(OcrResult("", None, f"cannot extract page {job.index + 1} ({_one_line(exc)})"))
            return future
        message = {"job": dataclasses.asdict(job), "data": base64.b64encode(data).decode("ascii"),
                   "suffix": suffix, "index": index}
        try:
            sent = self.task.apply_async(
                args=[message], time_limit=job.timeout + 120, retry=True,
                retry_policy={"max_retries": 3, "interval_start": 0.5, "interval_step": 1, "interval_max": 2})
        except Exception as exc:  # noqa: BLE001 - the broker's errors come in many types
            future.set_exception(IngestError(job.path, f"OCR queue {self.settings.queue_url} is "
                                                       f"unreachable ({_one_line(exc)})"))
            return future
        future.set_running_or_notify_cancel()
        with self.lock:
            self.pending[sent.id] = (future, job)
        return future

    def _collect(self) -> None:
        failing_since: float | None = None
        while not self.stop.wait(POLL):
            with self.lock:
                ids = list(self.pending)
            if not ids:
                continue
            try:
                ready = dict(self._ready(ids))
                failing_since = None
            except Exception as exc:  # noqa: BLE001 - redis gone: wait, then give up on the pages
                now = time.monotonic()
                failing_since = failing_since or now
                if now - failing_since >= self.settings.queue_patience:
                    self._fail_all(f"OCR queue {self.settings.queue_url} unreachable for "
                                   f"{self.settings.queue_patience:g} s ({_one_line(exc)})")
                continue
            for task_id, meta in ready.items():
                with self.lock:
                    future, job = self.pending.pop(task_id)
                if meta["status"] == "SUCCESS":
                    future.set_result(_result(meta["result"]))
                else:  # the task raised, or was revoked: run_job itself never raises
                    future.set_exception(IngestError(job.path, f"OCR worker failed on page {job.index + 1} "
                                                               f"({_one_line(meta.get('result'))})"))
                self._forget(task_id)

    def _ready(self, ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
        """The finished tasks among ``ids``: one MGET, no waiting."""
        out = []
        try:
            for task_id, meta in self.app.backend.get_many(ids, timeout=0, interval=0):
                out.append((task_id, meta))
        except NotReady:  # get_many's way of saying "the others are not done yet"
            pass
        return out

    def _forget(self, task_id: str) -> None:
        try:
            self.app.backend.forget(task_id)
        except Exception:  # noqa: BLE001 - an expiring key; never worth failing a page for
            pass

    def _fail_all(self, reason: str) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
        for future, job in pending.values():
            future.set_exception(IngestError(job.path, reason))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stop.set()
        if wait:
            self.thread.join()
        with self.lock:
            left = list(self.pending)
        if cancel_futures and left:
            try:  # pages nobody will read any more: do not OCR them
                self.app.control.revoke(left)
            except Exception:  # noqa: BLE001 - the broker may be gone: they expire anyway
                pass
            self._fail_all("the batch was stopped")
        self.app.close()


# --- the worker side ----------------------------------------------------------------------

def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO") -> None:
    """Serve the queue until stopped: ``concurrency`` pool processes, one tesseract each.

    Each pool process is bounded like a local reader (:func:`ingest.limits.init_worker`):
    memory cap, one thread per tesseract, and it dies with this worker.
    """
    app = make_app(settings)

    @worker_process_init.connect(weak=False)
    def _bound(**_: Any) -> None:
        init_worker(settings.worker_memory_bytes)

    os.environ["OMP_THREAD_LIMIT"] = "1"
    app.worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                     "--pool=prefork", f"--hostname=vanthu-{os.getpid()}@%h",
                     "--without-gossip", "--without-mingle"])


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200] or type(value).__name__
