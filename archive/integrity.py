"""Is the archive whole? Originals against their hashes, records against the catalog,
files nobody owns, and leftovers of crashed writers — found, and repaired where that is safe.

The archive's own half of ``vanthu check``; the search index's half lives beside the CLI
(``vanthu/check.py``), which also decides what to repair. Nothing here deletes a file
that a catalogued document owns, and nothing is removed without a second look under the
catalog's write lock (see :meth:`Archive.discard_orphan`).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import StorageError, VanthuError
from .files import remove_stale_temps, sha256_of, stale_temps
from .record import Record
from .store import Archive

__all__ = ["Finding", "ParserFor", "verify"]

ParserFor = Callable[[str], Callable[[str], Record]]

_DOC_FOLDER = re.compile(r"^[0-9a-f]{16}$")
_ORIGINAL = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class Finding:
    """One thing wrong: what kind, where (an id or a path), why, and whether it was mended.

    Kinds: ``original-missing``, ``original-damaged``, ``record-unreadable``,
    ``orphan-folder``, ``orphan-original``, ``temp-file`` here; ``index-*`` in vanthu.check.
    """

    kind: str
    where: str
    detail: str
    repaired: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "where": self.where, "detail": self.detail,
                "repaired": self.repaired}


def verify(archive: Archive, *, quick: bool = False, repair: bool = False,
           parser_for: ParserFor | None = None) -> Iterator[Finding]:
    """Yield what is wrong with *archive*, mending what can be mended when *repair* is set.

    ``quick`` reads no document's files (no hashing of originals, no record.json, no
    per-document folders): the cheap check run after every ingest and reindex, which
    still finds missing originals, orphans and leftovers of crashed writers.
    Repairs: a lost or unreadable ``record.json`` is parsed again from the stored pages
    (needs *parser_for*: a document's id → the parse to run on its text); orphans and dead writers' temp files are removed. A missing or damaged
    original cannot be mended here: ingest the file again.
    """
    stored = list(archive.stored_files())
    # Listed after the catalog was read: whatever it names was in place before its commit.
    on_disk = _Listing.of(archive)
    owned_folders: set[str] = set()
    owned_originals: set[str] = set()
    for doc_id, sha, ext in stored:
        owned_folders.add(doc_id)
        owned_originals.add(f"{sha[:2]}/{sha}.{ext}")
        yield from _check_original(archive, on_disk, doc_id, sha, ext, hashes=not quick)
        if not quick:
            yield from _check_record(archive, doc_id, sha, repair, parser_for)
    yield from _orphans(archive, on_disk, owned_folders, owned_originals, repair)
    yield from _temps(archive, on_disk, repair, per_document=not quick)


@dataclass(frozen=True)
class _Listing:
    """The names in docs/ and originals/*/, listed once: at 50,000 documents a stat or a
    Path per document is most of what the quick check after every ingest would cost."""

    folders: frozenset[str]
    shards: tuple[str, ...]
    originals: frozenset[str]  # "shard/name"

    @classmethod
    def of(cls, archive: Archive) -> _Listing:
        shards = tuple(sorted(n for n in _names(archive.originals_dir)
                              if (archive.originals_dir / n).is_dir()))
        return cls(frozenset(_names(archive.docs_dir)), shards,
                   frozenset(f"{shard}/{n}" for shard in shards
                             for n in _names(archive.originals_dir / shard)))


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _check_original(archive: Archive, on_disk: _Listing, doc_id: str, sha: str, ext: str,
                    hashes: bool) -> Iterator[Finding]:
    name = f"{sha[:2]}/{sha}.{ext}"
    if name in on_disk.originals and not hashes:
        return
    path = archive.originals_dir / name
    if name not in on_disk.originals or not path.is_file():
        yield Finding("original-missing", doc_id, f"{path} is missing; ingest the file again")
        return
    if hashes:
        try:
            got = sha256_of(path)
        except OSError as exc:
            yield Finding("original-damaged", doc_id, f"{path} cannot be read: {exc}")
            return
        if got != sha:
            yield Finding("original-damaged", doc_id,
                          f"{path} has sha256 {got}; ingest the file again")


def _check_record(archive: Archive, doc_id: str, sha: str, repair: bool,
                  parser_for: ParserFor | None) -> Iterator[Finding]:
    try:
        parsed = archive.parsed(doc_id)
        problem = None
        if parsed.id != doc_id:
            problem = f"record.json names id {parsed.id!r}"
        elif parsed.source is None or parsed.source.sha256 != sha:
            problem = "record.json names another original"
    except StorageError as exc:
        problem = str(exc)
    if problem is None:
        return
    if repair and parser_for is not None:
        try:
            archive.restore_record(doc_id, parser_for(doc_id))
        except VanthuError as exc:
            yield Finding("record-unreadable", doc_id, f"{problem}; not restored: {exc}")
            return
        yield Finding("record-unreadable", doc_id, f"{problem}; parsed again from its pages",
                      repaired=True)
        return
    yield Finding("record-unreadable", doc_id, problem)


def _orphans(archive: Archive, on_disk: _Listing, folders: set[str], originals: set[str],
             repair: bool) -> Iterator[Finding]:
    candidates = [("orphan-folder", archive.docs_dir / name)
                  for name in sorted(on_disk.folders - folders) if _DOC_FOLDER.match(name)]
    candidates += [("orphan-original", archive.originals_dir / name)
                   for name in sorted(on_disk.originals - originals)
                   if _ORIGINAL.match(name.partition("/")[2])]
    for kind, path in candidates:
        detail = "no catalogued document owns it (left by an interrupted store)"
        if repair and archive.discard_orphan(path):
            yield Finding(kind, str(path), detail + "; removed", repaired=True)
        elif not repair:
            yield Finding(kind, str(path), detail)
        # else: a store committed it meanwhile, so it is no orphan


def _temps(archive: Archive, on_disk: _Listing, repair: bool,
           per_document: bool) -> Iterator[Finding]:
    folders = [archive.root, archive.docs_dir, archive.originals_dir]
    folders += [archive.originals_dir / shard for shard in on_disk.shards]
    if per_document:
        folders += [archive.docs_dir / name for name in sorted(on_disk.folders)
                    if _DOC_FOLDER.match(name) and (archive.docs_dir / name).is_dir()]
    detail = "left by a writer that is no longer running"
    for folder in folders:
        if repair:
            for path in remove_stale_temps(folder):
                yield Finding("temp-file", str(path), detail + "; removed", repaired=True)
        else:
            for path in stale_temps(folder):
                yield Finding("temp-file", str(path), detail)
