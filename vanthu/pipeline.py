"""The ingest flow in plain sight: read → parse → archive.store → index.add.

Both the CLI and (later) the web upload job call :func:`ingest_files`; neither holds
any of this logic itself.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from archive.errors import IngestError, VanthuError
from archive.record import Record, Source
from archive.settings import Settings
from archive.store import Archive
from ingest.parser import parse
from ingest.readers import Document, read, read_many, walk
from search import Index

__all__ = ["Outcome", "ingest_files", "parse_file", "record_of", "correct_record", "reparse_records"]


@dataclass(frozen=True)
class Outcome:
    """What became of one input file."""

    path: str
    id: str | None = None
    ref: str | None = None
    created: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path, "id": self.id, "ref": self.ref,
                "created": self.created, "error": self.error}


def record_of(document: Document) -> Record:
    """Parse a read document and attach where it came from."""
    record = parse(document.text)
    source = Source(
        filename=document.path.name,
        sha256=document.sha256,
        pages=len(document.pages),
        ocr=document.ocr,
        ocr_confidence=document.ocr_confidence,
        media_type=document.media_type,
        page_confidence=tuple(page.confidence for page in document.pages),
    )
    return record.replace(source=source)


def parse_file(path: Path, settings: Settings) -> Record:
    """Read and parse one file without storing it (``vanthu parse``)."""
    return record_of(read(path, settings))


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None  # read() will report the reason with the file's name
    return digest.hexdigest()


def ingest_files(
    paths: Iterable[Path],
    archive: Archive,
    index: Index | None,
    settings: Settings,
    progress: bool | Callable[[int, int], None] = True,
) -> Iterator[Outcome]:
    """Store every file under ``paths``; yield one :class:`Outcome` per file, in order.

    A file whose content is already stored is not read again, so an interrupted batch
    resumes where it stopped without re-running OCR. A bad file yields an outcome with
    ``error`` set and the batch goes on. The index catches up with the archive every
    ``settings.index_batch_docs`` stored documents or ``index_batch_seconds``, and at the
    end (also indexing what an interrupted run stored but did not index); outcomes are
    yielded once their batch is in the index.
    """
    batch = _Batch(archive, index, settings)
    files = walk(paths)
    todo: list[Path] = []
    for path in files:
        sha = _sha256(path)
        known = archive.find_sha256(sha) if sha else None
        if known is not None:
            batch.pending.append(Outcome(str(path), id=known, ref=archive.get(known).ref,
                                         created=False))
        else:
            todo.append(path)
    yield from batch.flush()
    for path, result in zip(todo, read_many(todo, settings, progress=progress)):
        if isinstance(result, IngestError):
            batch.pending.append(Outcome(str(path), error=str(result)))
            continue
        try:
            record = record_of(result)
            pages = [page.text for page in result.pages]
            stored = archive.store(record, result.path, pages, filename=result.path.name)
        except VanthuError as error:
            batch.pending.append(Outcome(str(path), error=str(error) if str(path) in str(error)
                                         else f"{path}: {error}"))
            continue
        batch.pending.append(Outcome(str(path), id=stored.id, ref=record.ref,
                                     created=stored.created))
        if batch.due():
            yield from batch.flush()
    yield from batch.flush()


class _Batch:
    """Outcomes waiting for the index to catch up with what they stored."""

    def __init__(self, archive: Archive, index: Index | None, settings: Settings):
        self.archive, self.index, self.settings = archive, index, settings
        self.pending: list[Outcome] = []
        self.started = time.monotonic()

    def due(self) -> bool:
        stored = sum(o.created for o in self.pending)
        return (stored >= self.settings.index_batch_docs
                or time.monotonic() - self.started >= self.settings.index_batch_seconds)

    def flush(self) -> Iterator[Outcome]:
        error = None
        try:
            if self.index is not None:
                self.index.sync(self.archive)
        except VanthuError as exc:
            error = exc
        for outcome in self.pending:
            if error is not None and outcome.id is not None and outcome.error is None:
                # The archive is the truth and holds the document; only the derived index lags.
                outcome = replace(outcome, error=f"{outcome.path}: stored as {outcome.id}, but "
                                  f"the search index was not updated ({error}); the next "
                                  "ingest or `vanthu reindex` adds it")
            yield outcome
        self.pending, self.started = [], time.monotonic()


def correct_record(archive: Archive, index: Index | None, doc_id: str,
                   changes: dict[str, object], who: str) -> Record:
    """Store an archivist's corrections and bring the index up to date with them."""
    archive.correct(doc_id, changes, who)
    if index is not None:
        index.sync(archive)
    return archive.get(doc_id)


def reparse_records(archive: Archive, index: Index | None, ids: Iterable[str]) -> int:
    """Parse stored text again with today's parser; corrections still win. Returns the count."""
    done = 0
    for doc_id in ids:
        archive.reparse(doc_id, parse)
        done += 1
        if index is not None and done % index.settings.index_batch_docs == 0:
            index.sync(archive)
    if index is not None:
        index.sync(archive)
    return done
