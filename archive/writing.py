"""Writing documents into the archive: many at a time, durable before they are visible.

:class:`StoreBatch` stores a batch of documents with a few disk flushes in all (group
commit) instead of seven per document. The order, and why it is safe:

1. :meth:`StoreBatch.add` writes the document's pages, ``words.json`` and ``record.json``
   into a private temp folder ``docs/.tmp-<pid>-<id>-…/``, and its original (if the archive
   lacks it) to a temp file beside its place ``originals/xx/``; nothing is synced yet and
   nobody looks at temp names.
2. :meth:`StoreBatch.commit` fsyncs every one of those files, the temp folders
   (``pages/`` and the document folder: their entries) and ``originals/`` when it gained an
   ``xx/`` folder — from threads, so that the journal commits them together
   (:func:`~archive.files.fsync_all`). A document any of whose fsyncs failed is left out
   (its error is its result). *Kill point* ``store-temp``, once per document: all files
   durable under temp names, nothing placed. A crash here leaves only temp names, removed
   when the archive is next opened (their owner's pid is gone).
3. ``BEGIN IMMEDIATE`` on the catalog (the write lock: no other process places or catalogs
   a document until we commit). For each document, in a savepoint: if the catalog names
   it meanwhile, it is not new; else rename the original and the folder into place
   (``originals/xx/<sha>.<ext>``, ``docs/<id>/``) and insert its rows. A document that
   fails takes back its own renames and savepoint only.
4. fsync the folders the renames went into (``docs/``, each ``originals/xx/``): the new
   names are on disk, pointing at contents that were on disk since step 2. If this fails,
   the whole transaction is rolled back and the renames taken back (raised: none stored).
   *Kill point* ``store-placed``, once per document: files and folder entries durable, the
   catalog transaction not committed. A crash here leaves folders and originals that no
   catalog row names: invisible to every reader (who start from the catalog), replaced by
   the next store of the same file (an existing ``docs/<id>/`` is discarded, an existing
   original is complete since it was fsynced before its rename) and removed by
   ``vanthu check --repair``.
5. ``COMMIT``. The catalog is ``synchronous=FULL`` (WAL): a COMMIT that returned survives
   a power cut. *Kill point* ``store-committed``, once per new document.
6. Only now does :meth:`commit` return each document's :class:`StoreResult`; callers
   acknowledge (print "stored", count it, mark an upload job done) only from that result
   (``vanthu.pipeline`` does so once the index has also caught up).

So the catalog never names a document whose files or folder entry could be lost, and no
document is acknowledged before its catalog rows are durable; a crash at any point costs at
most the unacknowledged documents of the batch, which a re-run stores (exactly once: the
content's sha256 is its id). The search index is derived and caught up after the commit
(``vanthu check`` says and repairs an index that lags the catalog).

>>> import tempfile
>>> from archive.store import Archive
>>> with Archive(tempfile.mkdtemp()) as archive, archive.store_batch() as batch:
...     first = batch.add(Record(ref="1/CV"), b"one", ["Số: 1/CV"], "a.txt")
...     again = batch.add(Record(ref="1/CV"), b"one", ["Số: 1/CV"], "copy of a.txt")
...     results = batch.commit()
...     (first.created, again.created, results[first.id].created, archive.count())
(True, False, True, 1)
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Sequence

from .catalog import Catalog
from .errors import StorageError
from .killpoints import reached
from .files import (
    discard_folder, fsync_all, make_temp_dir, remove_tree, sha256_of, temp_copy, write_new_file,
    write_pages,
)
from .record import Record, Source, Word
from .words import dump_words

__all__ = ["StoreBatch", "StoreResult", "as_parsed", "record_json", "utc_now", "original_file"]

_EXT = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class StoreResult:
    """What storing one document did: its id, and whether it is new."""

    id: str
    created: bool


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def as_parsed(record: Record, doc_id: str, source: Source | None) -> Record:
    """The record as the parser made it: no resolver output, nothing computed."""
    citations = tuple(replace(c, target_id=None, status=None, candidates=())
                      for c in record.citations)
    return record.replace(id=doc_id, source=source, citations=citations, cited_by=(),
                          corrected=())


def record_json(record: Record) -> str:
    """``record.json``'s text: one line per field, for a person reading it.

    Each value is encoded compactly, by the json module's C encoder (``indent`` would take
    its pure-Python one: 4 ms of a 45 KB document's store, half of it).

    >>> print(record_json(Record(ref="1/CV", subject="Về việc A")).splitlines()[1])
    "id": null,
    """
    try:
        fields = [f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                  for key, value in record.to_dict().items()]
    except (TypeError, ValueError) as exc:
        raise StorageError(f"record {record.id} cannot be serialised: {exc}") from exc
    return "{\n" + ",\n".join(fields) + "\n}"


def original_file(originals: Path, sha: str, ext: str) -> Path:
    """Where the original with this sha256 and extension is kept."""
    return originals / sha[:2] / f"{sha}.{ext}"


def _ext(filename: str, original: Path | bytes) -> str:
    for name in (filename, "" if isinstance(original, bytes) else str(original)):
        ext = Path(name or "").suffix.lower().lstrip(".")
        if _EXT.match(ext):
            return ext
    return "bin"


@dataclass
class _Staged:
    """A document written to temp files, waiting for the commit."""

    doc_id: str
    sha: str
    ext: str
    filename: str
    pages: int
    record: Record  # as parsed, with its id and source
    folder: Path  # the private temp folder: pages/, record.json, words.json
    original: Path | None  # temp copy of the original; None when it is in place already
    written: list[Path] = field(default_factory=list)  # to fsync before the commit


class StoreBatch:
    """Documents added now, made durable and visible together by :meth:`commit`.

    Use it as a context manager: what was added but not committed is removed on exit.
    Idempotent by content like :meth:`archive.store.Archive.store`: a document already in
    the catalog, or added to this batch before, is not written again (``created`` False).
    Not for sharing between threads.
    """

    def __init__(self, catalog: Catalog, docs: Path, originals: Path):
        self._catalog, self._docs, self._originals = catalog, docs, originals
        self._staged: dict[str, _Staged] = {}

    def __enter__(self) -> StoreBatch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def __len__(self) -> int:
        return len(self._staged)

    def add(self, record: Record, original: Path | bytes, pages: Sequence[str],
            filename: str, words: Sequence[Sequence[Word]] = ()) -> StoreResult:
        """Write a parsed document's files (see :meth:`archive.store.Archive.store` for the
        arguments); ``created`` True means it will be new if the commit succeeds. Raises
        for this document only (StorageError, or what its pages raise)."""
        try:
            sha = sha256_of(original if isinstance(original, bytes) else Path(original))
        except OSError as exc:
            raise StorageError(f"{filename}: cannot read the original: {exc}") from exc
        given = record.source.sha256 if record.source else None
        if given and given.lower() != sha:
            raise StorageError(f"{filename}: record says sha256 {given}, the file is {sha}")
        doc_id = sha[:16]
        if doc_id in self._staged or self._known(doc_id, sha):
            return StoreResult(doc_id, False)
        ext = _ext(filename, original)
        try:
            folder = make_temp_dir(self._docs, doc_id)
        except OSError as exc:
            raise StorageError(f"cannot write {filename} to the archive: {exc}") from exc
        staged = None
        try:
            written = write_pages(folder / "pages", pages)
            source = record.source or Source()
            source = replace(source, sha256=sha, filename=source.filename or filename,
                             pages=source.pages or len(written))
            if not record.text:
                record = record.replace(text="\n\n".join(pages))
            parsed = as_parsed(record, doc_id, source)
            staged = _Staged(doc_id, sha, ext, filename, len(written), parsed, folder, None,
                             [*written, folder / "pages", folder])
            if any(words):
                write_new_file(folder / "words.json", dump_words(words))
                staged.written.append(folder / "words.json")
            write_new_file(folder / "record.json", record_json(parsed))
            staged.written.append(folder / "record.json")
            dest = original_file(self._originals, sha, ext)
            if not dest.exists():
                made = not dest.parent.exists()
                staged.original = temp_copy(dest, original)
                staged.written.append(staged.original)
                if made:  # the new sha256[:2] folder's own entry
                    staged.written.append(self._originals)
        except BaseException as exc:
            remove_tree(folder)
            self._remove(staged)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write {filename} to the archive: {exc}") from exc
            raise
        self._staged[doc_id] = staged
        return StoreResult(doc_id, True)

    def commit(self) -> dict[str, StoreResult | Exception]:
        """Make every added document durable, then visible; by id, what became of each:
        a :class:`StoreResult` (``created`` False if another process stored it meanwhile)
        or the exception that kept it out (the others are stored all the same).

        Raises (storing none of them) only if the catalog transaction cannot be had or
        committed."""
        staged, self._staged = list(self._staged.values()), {}
        results: dict[str, StoreResult | Exception] = {}
        try:
            unsynced = {path for path, _ in fsync_all(p for s in staged for p in s.written)}
            ready = []
            for item in staged:
                bad = next((p for p in item.written if p in unsynced), None)
                if bad is not None:
                    results[item.doc_id] = StorageError(
                        f"cannot write {item.filename} to the archive: {bad} could not be synced")
                else:
                    ready.append(item)
                    reached("store-temp")
            placed: dict[str, list[Path]] = {}
            try:
                with self._catalog.write():
                    for item in ready:
                        results[item.doc_id] = self._place(item, placed)
                    # The renames into docs/ and originals/xx/ themselves, before COMMIT.
                    folders = {self._docs} | {p.parent for paths in placed.values()
                                              for p in paths if p.parent != self._docs}
                    for folder, exc in fsync_all(folders):
                        raise StorageError(f"cannot write to the archive: {folder} could "
                                           f"not be synced ({exc})")
                    for _ in placed:
                        reached("store-placed")
            except BaseException:
                self._take_back(placed)
                raise
            for _ in placed:
                reached("store-committed")
        finally:
            for item in staged:
                self._remove(item)
        return results

    def discard(self) -> None:
        """Remove the temp files of what was added and not committed."""
        staged, self._staged = list(self._staged.values()), {}
        for item in staged:
            self._remove(item)

    # -- internals ---------------------------------------------------------------

    def _known(self, doc_id: str, sha: str) -> bool:
        row = self._catalog.document(doc_id)
        if row is not None and row["sha256"] != sha:  # 64-bit prefix collision: refuse
            raise StorageError(f"id {doc_id} is taken by another file ({row['sha256']})")
        return row is not None

    def _place(self, item: _Staged, placed: dict[str, list[Path]]) -> StoreResult | Exception:
        """Move one document into place and insert its rows; inside the write transaction."""
        try:
            if self._known(item.doc_id, item.sha):  # another process stored it meanwhile
                return StoreResult(item.doc_id, False)
        except StorageError as exc:
            return exc
        mine: list[Path] = []
        try:
            with self._catalog.savepoint():
                dest = original_file(self._originals, item.sha, item.ext)
                if item.original is not None and not dest.exists():
                    os.rename(item.original, dest)
                    mine.append(dest)
                elif not dest.exists():  # taken back by a failed store meanwhile
                    return StorageError(f"{item.filename}: its original left the archive "
                                        "while it was stored; store it again")
                final = self._docs / item.doc_id
                if final.exists():  # left by a store that crashed before its commit
                    discard_folder(final)
                os.rename(item.folder, final)
                mine.append(final)
                self._catalog.insert_document(item.doc_id, item.sha, item.ext, item.filename,
                                              utc_now(), item.pages, item.record)
                self._catalog.index_document(item.doc_id, item.record)
        except Exception as exc:  # noqa: BLE001 - this document's failure, for commit() to hand back
            self._undo(mine)
            if isinstance(exc, OSError):
                return StorageError(f"cannot write {item.filename} to the archive: {exc}")
            return exc
        placed[item.doc_id] = mine
        return StoreResult(item.doc_id, True)

    def _take_back(self, placed: dict[str, list[Path]]) -> None:
        """The transaction failed: take back what it moved into view, unless (its COMMIT
        failed after all?) the catalog names the document."""
        for doc_id, paths in placed.items():
            try:
                if self._catalog.document(doc_id) is not None:
                    continue
            except StorageError:
                continue  # cannot tell: leave them; uncatalogued files are invisible
            self._undo(paths)

    @staticmethod
    def _undo(paths: list[Path]) -> None:
        for path in paths:
            if path.is_dir():
                discard_folder(path)
            else:
                path.unlink(missing_ok=True)

    @staticmethod
    def _remove(item: _Staged | None) -> None:
        if item is None:
            return
        remove_tree(item.folder)  # gone already once it was moved into place
        if item.original is not None:
            item.original.unlink(missing_ok=True)
