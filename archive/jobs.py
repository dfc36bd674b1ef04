"""Upload jobs, recorded in the catalog so that a restart resumes them.

A job is one uploaded file: it is staged (written and fsynced under ``inbox/``) and
recorded as ``queued`` before the upload is acknowledged; a worker claims it
(``reading``, with pages done/total), then finishes it as ``stored``, ``duplicate`` or
``failed`` with a reason. A job left ``reading`` by a stopped server is queued again by
:meth:`Jobs.requeue` when the next one starts.

>>> import tempfile
>>> from archive.store import Archive
>>> with Archive(tempfile.mkdtemp()) as archive:
...     jobs = Jobs(archive.catalog)
...     job = jobs.add("b1", "cv.pdf", "/inbox/1/cv.pdf", "ab" * 32, "lan")
...     claimed = jobs.claim()
...     jobs.finish(claimed.id, FAILED, error="cv.pdf: corrupt PDF")
...     [(j.state, j.error) for j in jobs.batch("b1")]
[('failed', 'cv.pdf: corrupt PDF')]
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from .catalog import Catalog
from .errors import NotFoundError

__all__ = ["Job", "Jobs", "QUEUED", "READING", "STORED", "DUPLICATE", "FAILED", "FINISHED"]

QUEUED, READING, STORED, DUPLICATE, FAILED = "queued", "reading", "stored", "duplicate", "failed"
FINISHED = (STORED, DUPLICATE, FAILED)
_COLUMNS = ("id, batch, filename, staged, sha256, who, state, pages_done, pages_total, doc_id, "
            "error, created_at, updated_at")


@dataclass(frozen=True)
class Job:
    id: int
    batch: str
    filename: str
    staged: str | None  # the file waiting in the inbox; None once finished
    sha256: str
    who: str | None
    state: str
    pages_done: int
    pages_total: int
    doc_id: str | None
    error: str | None
    created_at: str
    updated_at: str

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["staged"]  # a server path is nobody's business
        return data


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Jobs:
    """The upload jobs of one archive's catalog; safe to share between threads."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def add(self, batch: str, filename: str, staged: str | None, sha256: str, who: str | None,
            state: str = QUEUED, doc_id: str | None = None, error: str | None = None) -> Job:
        """Record a job (a finished one when the upload needs no work, e.g. a duplicate)."""
        now = _now()
        with self.catalog.write():
            cursor = self.catalog.execute(
                "INSERT INTO jobs (batch, filename, staged, sha256, who, state, doc_id, error, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (batch, filename, staged, sha256, who, state, doc_id, error, now, now))
            job_id = int(cursor.lastrowid or 0)
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        rows = self.catalog.query(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            raise NotFoundError(f"no upload job {job_id}")
        return Job(*rows[0])

    def claim(self) -> Job | None:
        """Take the oldest queued job (it becomes ``reading``), or None if there is none."""
        with self.catalog.write():
            row = self.catalog.execute(
                "SELECT id FROM jobs WHERE state = ? ORDER BY id LIMIT 1", (QUEUED,)).fetchone()
            if row is None:
                return None
            self.catalog.execute("UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?",
                                 (READING, _now(), row[0]))
        return self.get(row[0])

    def progress(self, job_id: int, done: int, total: int) -> None:
        with self.catalog.write():
            self.catalog.execute(
                "UPDATE jobs SET pages_done = ?, pages_total = ?, updated_at = ? WHERE id = ?",
                (done, total, _now(), job_id))

    def finish(self, job_id: int, state: str, doc_id: str | None = None,
               error: str | None = None) -> None:
        if state not in FINISHED:
            raise ValueError(f"not a final state: {state}")
        with self.catalog.write():
            self.catalog.execute(
                "UPDATE jobs SET state = ?, doc_id = ?, error = ?, staged = NULL, updated_at = ? "
                "WHERE id = ?", (state, doc_id, error, _now(), job_id))

    def requeue(self) -> int:
        """Queue again the jobs a stopped server left half-done; returns how many."""
        with self.catalog.write():
            return self.catalog.execute(
                "UPDATE jobs SET state = ?, pages_done = 0, updated_at = ? WHERE state = ?",
                (QUEUED, _now(), READING)).rowcount

    def batch(self, batch: str) -> list[Job]:
        rows = self.catalog.query(f"SELECT {_COLUMNS} FROM jobs WHERE batch = ? ORDER BY id",
                                  (batch,))
        return [Job(*r) for r in rows]

    def recent(self, limit: int = 50) -> list[Job]:
        rows = self.catalog.query(f"SELECT {_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
        return [Job(*r) for r in rows]

    def staged_paths(self) -> set[str]:
        """Where the files of unfinished jobs wait."""
        return {r[0] for r in self.catalog.query(
            "SELECT staged FROM jobs WHERE staged IS NOT NULL AND state IN (?, ?)", (QUEUED, READING))}

    def unfinished(self) -> int:
        return int(self.catalog.query("SELECT count(*) FROM jobs WHERE state IN (?, ?)",
                                      (QUEUED, READING))[0][0])
