"""The ingest flow in plain sight: read → parse → archive.store → index.add.

Both the CLI and (later) the web upload job call :func:`ingest_files`; neither holds
any of this logic itself.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from archive.errors import IngestError, VanthuError, printable
from archive.killpoints import reached
from archive.record import Record
from archive.settings import Settings
from ingest.documents import record_of
from ingest.parser import parse
from ingest.readers import check, read, read_many, walk

if TYPE_CHECKING:  # archive and index are handed in: `vanthu parse` imports neither
    from archive.store import Archive, StoreResult
    from ingest.dispatch import OcrBackend
    from search import Index

__all__ = ["Outcome", "ingest_files", "ocr_backend", "parse_file", "parser_for", "record_of",
           "correct_record", "reparse_records"]


@dataclass(frozen=True)
class Outcome:
    """What became of one input file."""

    path: str
    id: str | None = None
    ref: str | None = None
    created: bool = False
    error: str | None = None
    needs_review: tuple[str, ...] = ()  # fields the parser is unsure of (a handwritten number…)

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path, "id": self.id, "ref": self.ref, "created": self.created,
                "error": self.error, "needs_review": list(self.needs_review)}


def ocr_backend(settings: Settings) -> OcrBackend | None:
    """Where pages are OCR'd: the Celery queue when ``settings.queue_url`` names one, else
    (None) this machine's own worker processes."""
    if not settings.queue_url:
        return None
    from ingest import ocr_queue  # Celery is imported only by who uses it

    ocr_queue.check_url(settings.queue_url)  # a typo stops the batch before it starts
    return ocr_queue.executor


def parse_file(path: Path, settings: Settings) -> Record:
    """Read and parse one file without storing it (``vanthu parse``)."""
    record = read(path, settings, ocr_backend(settings), with_record=True).record
    assert record is not None  # read with_record
    return record


def ingest_files(
    paths: Iterable[Path],
    archive: Archive,
    index: Index | None,
    settings: Settings,
    progress: bool | Callable[[int, int], None] = True,
    index_procs: int = 1,
) -> Iterator[Outcome]:
    """Store every file under ``paths``; yield one :class:`Outcome` per file: first those
    already stored and those refused before reading, then the others in order.

    A file whose content is already stored is not read again, so an interrupted batch
    resumes where it stopped without re-running OCR. A bad file yields an outcome with
    ``error`` set and the batch goes on. ``Outcome.path`` and every message show a file
    name as one printable line (:func:`archive.errors.printable`). The index catches up
    with the archive every ``settings.index_batch_docs`` stored documents or
    ``index_batch_seconds``, and at the end (also indexing what an interrupted run stored
    but did not index); outcomes are yielded once their batch is in the index.
    ``index_procs`` processes write a large batch into the index (:meth:`Index.sync`).
    """
    batch = _Batch(archive, index, settings, index_procs)
    try:
        todo: list[Path] = []
        for path in walk(paths):
            try:
                known = archive.find_sha256(check(path, settings))
            except IngestError as error:  # not a regular file, wrong type, too large...
                yield Outcome(printable(path), error=str(error))
                continue
            if known is None:
                todo.append(path)
                continue
            try:
                stored = archive.get(known)
                batch.pending.append(Outcome(printable(path), id=known, ref=stored.ref,
                                             needs_review=stored.needs_review))
            except VanthuError as error:
                batch.pending.append(Outcome(printable(path), id=known, error=(
                    f"{printable(path)}: already stored as {known}, but {error}; "
                    "run `vanthu check --repair`")))
        yield from batch.flush()
        results = read_many(todo, settings, progress=progress, backend=ocr_backend(settings),
                            with_record=True)
        for path, result in zip(todo, results):
            shown = printable(path)
            if isinstance(result, IngestError):
                batch.pending.append(Outcome(shown, error=str(result)))
                continue
            record = result.record
            assert record is not None  # read with_record
            try:
                pages = [page.text for page in result.pages]
                added = batch.store.add(record, result.path, pages,
                                        filename=printable(result.path.name), words=result.words)
            except VanthuError as error:
                batch.pending.append(Outcome(shown, error=_message(shown, error)))
                continue
            batch.pending.append(Outcome(shown, id=added.id, ref=record.ref,
                                         created=added.created, needs_review=record.needs_review))
            if result.ocr:  # hours of OCR are not left to a later commit (and a kill)
                batch.commit()
            if batch.due():
                yield from batch.flush()
        yield from batch.flush()
    finally:
        batch.store.discard()  # what an interrupted caller left uncommitted


def _message(shown: str, error: Exception) -> str:
    return str(error) if shown in str(error) else f"{shown}: {error}"


class _Batch:
    """Outcomes waiting for their documents' commit (files durable, catalog rows) and for
    the index to catch up with the catalog; yielded only then."""

    def __init__(self, archive: Archive, index: Index | None, settings: Settings, procs: int):
        self.archive, self.index, self.settings, self.procs = archive, index, settings, procs
        self.store = archive.store_batch()
        self.pending: list[Outcome] = []
        self.started = time.monotonic()

    def due(self) -> bool:
        stored = sum(o.created for o in self.pending)
        return (stored >= self.settings.index_batch_docs
                or time.monotonic() - self.started >= self.settings.index_batch_seconds)

    def commit(self) -> None:
        """Store what was added: one flush of the disk and one catalog transaction for
        all of it; each outcome then says what became of its document."""
        if not len(self.store):
            return
        results: dict[str, StoreResult | Exception]
        try:
            results = dict(self.store.commit())
        except VanthuError as error:  # the catalog transaction itself: none was stored
            results = {o.id: error for o in self.pending if o.created and o.id}
        for k, outcome in enumerate(self.pending):
            result = results.get(outcome.id or "")
            if result is None or outcome.error is not None:
                continue
            if isinstance(result, VanthuError):
                self.pending[k] = replace(outcome, created=False,
                                          error=_message(outcome.path, result))
            elif isinstance(result, Exception):
                raise result  # a bug, not a bad file: as if store() had raised it
            else:  # another process may have stored it meanwhile
                self.pending[k] = replace(outcome, created=outcome.created and result.created)

    def flush(self) -> Iterator[Outcome]:
        self.commit()
        error = None
        try:
            if self.index is not None:
                self.index.sync(self.archive, procs=self.procs)
        except VanthuError as exc:
            error = exc
        reached("index-synced")  # indexed, but not yet reported to the user
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


def parser_for(archive: Archive, doc_id: str,
               settings: Settings | None = None) -> Callable[[str], Record]:
    """``parse`` as a stored document needs it: with its scan's OCR words, if any."""
    threshold = (settings or Settings()).review_confidence
    return partial(parse, words=archive.page_words(doc_id), min_confidence=threshold)


def reparse_records(archive: Archive, index: Index | None, ids: Iterable[str],
                    settings: Settings | None = None,
                    on_error: Callable[[str, VanthuError], None] | None = None) -> int:
    """Parse stored text again with today's parser, a scan with its stored OCR words;
    corrections still win. Returns the count.

    A document that cannot be reparsed (e.g. its record.json is damaged: `vanthu check
    --repair` restores it) is given to *on_error* and skipped; without it, raised."""
    done = 0
    for doc_id in ids:
        try:
            archive.reparse(doc_id, parser_for(archive, doc_id, settings))
        except VanthuError as error:
            if on_error is None:
                raise
            on_error(doc_id, error)
            continue
        done += 1
        if index is not None and done % index.settings.index_batch_docs == 0:
            index.sync(archive)
    if index is not None:
        index.sync(archive)
    return done
