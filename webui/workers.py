"""The embedded upload worker pool: threads that run queued jobs through the ingest flow.

Each job runs :func:`vanthu.pipeline.ingest_files` on its staged file — the same read →
parse → store → index flow as ``vanthu ingest`` — reporting pages done to the job as it
goes. Jobs live in the catalog (:mod:`archive.jobs`): at start, jobs a stopped server
left half-done are queued again, and inbox folders no job needs any more are removed.
"""
from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from archive.jobs import DUPLICATE, FAILED, STORED, Job, Jobs
from archive.settings import Settings
from archive.store import Archive
from search import Index
from vanthu.pipeline import ingest_files

__all__ = ["UploadWorkers"]

log = logging.getLogger(__name__)
_IDLE_POLL = 5.0  # seconds between looks at the queue when nobody wakes the workers


class UploadWorkers:
    def __init__(self, archive: Archive, index: Index, jobs: Jobs, settings: Settings):
        self.archive, self.index, self.jobs, self.settings = archive, index, jobs, settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Resume unfinished jobs and start ``settings.upload_workers`` threads."""
        self.resume()
        for n in range(max(1, self.settings.upload_workers)):
            thread = threading.Thread(target=self._loop, name=f"vanthu-upload-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def resume(self) -> int:
        """Queue again what a stopped server left half-done; drop inbox folders of finished
        jobs. Returns how many jobs were queued again."""
        count = self.jobs.requeue()
        wanted = {Path(p).parent for p in self.jobs.staged_paths()}
        inbox = self.settings.inbox_dir
        if inbox.is_dir():
            for folder in inbox.iterdir():
                if folder.is_dir() and folder not in wanted:
                    shutil.rmtree(folder, ignore_errors=True)
        return count

    def notify(self) -> None:
        """New jobs are queued."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current jobs (a job cut short is resumed at the next start)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def run_once(self) -> Job | None:
        """Run the oldest queued job, if any; returns it as finished."""
        job = self.jobs.claim()
        if job is None:
            return None
        try:
            self._run(job)
        except Exception as exc:  # noqa: BLE001 - a job must end, whatever went wrong
            log.exception("upload job %s failed", job.id)
            self.jobs.finish(job.id, FAILED, error=f"{job.filename}: lỗi khi xử lý ({exc})")
        self._discard(job)
        return self.jobs.get(job.id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once() is not None:
                    continue
            except Exception:  # noqa: BLE001 - e.g. the catalog is busy: try again later
                log.exception("upload worker")
            self._wake.wait(_IDLE_POLL)
            self._wake.clear()

    def _run(self, job: Job) -> None:
        staged = Path(job.staged or "")
        if not job.staged or not staged.is_file():
            self.jobs.finish(job.id, FAILED, error=f"{job.filename}: tệp tải lên đã mất khỏi hộp thư đến")
            return

        def progress(done: int, total: int) -> None:
            self.jobs.progress(job.id, done, total)

        for outcome in ingest_files([staged], self.archive, self.index, self.settings,
                                    progress=progress):
            # Messages name the staged path; the user knows the file by its name.
            error = outcome.error.replace(str(staged), job.filename) if outcome.error else None
            if outcome.id is None:
                self.jobs.finish(job.id, FAILED, error=error or f"{job.filename}: không đọc được")
            else:
                self.jobs.finish(job.id, STORED if outcome.created else DUPLICATE,
                                 doc_id=outcome.id, error=error)

    def _discard(self, job: Job) -> None:
        if job.staged:
            folder = Path(job.staged).parent
            if folder.parent == self.settings.inbox_dir:
                shutil.rmtree(folder, ignore_errors=True)
