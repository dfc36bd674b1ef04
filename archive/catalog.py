"""The catalog: an SQLite index of stored documents, their identities and citations.

The catalog holds *effective* values (the parse with corrections applied) so that
lookups and citation resolution are index queries, never scans of ``record.json``.
It is derived from ``docs/*/record.json`` plus the ``corrections`` table, which is the
only data that exists nowhere else.

Concurrency: WAL mode, a busy timeout, and ``BEGIN IMMEDIATE`` for every write, so two
processes (CLI ingest and a web upload) queue instead of failing or corrupting.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from .corrections import Correction
from .errors import StorageError
from .record import CitedBy, Citation, Record
from .resolve import (
    UNRESOLVED, Candidate, Resolution, citation_parts, expand_short, ref_parts, resolve, year_of,
)

__all__ = ["Catalog", "SCHEMA_VERSION"]

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, ext TEXT NOT NULL,
    filename TEXT, ingested_at TEXT NOT NULL, pages INTEGER NOT NULL DEFAULT 0,
    ref TEXT, ref_key TEXT, number TEXT, symbol TEXT, doc_type TEXT, issuer TEXT,
    parent_issuer TEXT, place TEXT, date TEXT, subject TEXT, needs_review TEXT
);
CREATE INDEX IF NOT EXISTS documents_ref_key ON documents(ref_key);
CREATE TABLE IF NOT EXISTS identities (
    doc_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    ref TEXT, ref_key TEXT NOT NULL, number TEXT NOT NULL, year TEXT, date TEXT,
    doc_type TEXT, issuer TEXT, parent_issuer TEXT, place TEXT,
    unconfirmed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX IF NOT EXISTS identities_ref_key ON identities(ref_key);
CREATE INDEX IF NOT EXISTS identities_number ON identities(number);
CREATE TABLE IF NOT EXISTS citations (
    citing_id TEXT NOT NULL, seq INTEGER NOT NULL,
    ref TEXT, ref_key TEXT, year TEXT, number TEXT, symbol TEXT, doc_type TEXT, issuer TEXT,
    date TEXT, relation TEXT, status TEXT NOT NULL, target_id TEXT, candidates TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (citing_id, seq)
);
CREATE INDEX IF NOT EXISTS citations_ref_key ON citations(ref_key);
CREATE INDEX IF NOT EXISTS citations_number ON citations(number);
CREATE INDEX IF NOT EXISTS citations_target ON citations(target_id);
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, field TEXT NOT NULL,
    value_json TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_doc ON corrections(doc_id, id);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT NOT NULL, filename TEXT NOT NULL,
    staged TEXT, sha256 TEXT NOT NULL, who TEXT, state TEXT NOT NULL,
    pages_done INTEGER NOT NULL DEFAULT 0, pages_total INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT, error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch, id);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id);
"""

_DOC_FIELDS = ("ref", "number", "symbol", "doc_type", "issuer", "parent_issuer", "place",
               "date", "subject")
# Columns added since schema 1, added in place to an older catalog when it is opened.
_ADDED_COLUMNS = (("documents", "needs_review", "TEXT"),
                  ("identities", "unconfirmed", "INTEGER NOT NULL DEFAULT 0"))


class Catalog:
    """One connection to ``catalog.sqlite3``; safe to share between threads."""

    def __init__(self, path: Path, timeout: float = 30.0):
        self.path = path
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit that returned survives a power cut (NORMAL may lose the last
            # ones), so what is acknowledged is kept; ingest commits documents in batches,
            # so this costs one flush a batch (archive/writing.py).
            self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open catalog {path}: {exc}") from exc
        try:  # idempotent DDL, in one transaction of its own (executescript commits first)
            with self._lock:
                self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
        except sqlite3.Error as exc:
            self._db.close()
            raise StorageError(f"cannot create catalog {path}: {exc}") from exc
        with self.write():
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StorageError(f"{path}: catalog schema {row[0]} is newer than this "
                                   f"vanthu ({SCHEMA_VERSION}); upgrade vanthu")
            for table, column, kind in _ADDED_COLUMNS:
                have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions ------------------------------------------------------------

    def write(self) -> AbstractContextManager[None]:
        """A write transaction: BEGIN IMMEDIATE (waits for other writers), commit on success."""
        return self._scope("BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",),
                           "catalog busy or unreadable")

    def savepoint(self) -> AbstractContextManager[None]:
        """Inside :meth:`write`: a part of the transaction that an exception rolls back
        alone (the exception goes on; the transaction stays open)."""
        return self._scope("SAVEPOINT part", ("RELEASE part",),
                           ("ROLLBACK TO part", "RELEASE part"), "catalog write failed")

    @contextmanager
    def _scope(self, begin: str, end: tuple[str, ...], undo: tuple[str, ...],
               busy: str) -> Iterator[None]:
        with self._lock:
            try:
                self._db.execute(begin)
            except sqlite3.Error as exc:
                raise StorageError(f"{busy}: {exc}") from exc
            try:
                yield
                for statement in end:
                    self._db.execute(statement)
            except BaseException as exc:
                try:
                    for statement in undo:
                        self._db.execute(statement)
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(f"catalog write failed: {exc}") from exc
                raise

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read snapshot, so one record is assembled from one consistent state."""
        with self._lock:
            if self._db.in_transaction:  # already inside write(): same snapshot
                yield
                return
            try:
                self._db.execute("BEGIN")
                yield
            except sqlite3.Error as exc:
                raise StorageError(f"catalog read failed: {exc}") from exc
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read query; for archive modules that keep tables of their own here
        (users, jobs, the citation chain)."""
        return self._q(sql, params)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run one statement; call inside :meth:`write`."""
        try:
            return self._db.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise StorageError(f"catalog write failed: {exc}") from exc

    def _q(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock:
                return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"catalog query failed: {exc}") from exc

    # -- documents ---------------------------------------------------------------

    def document(self, doc_id: str) -> sqlite3.Row | None:
        rows = self._q("SELECT * FROM documents WHERE id = ?", (doc_id,))
        return rows[0] if rows else None

    def count(self) -> int:
        return int(self._q("SELECT count(*) FROM documents")[0][0])

    def ids_page(self, after: int, limit: int) -> list[tuple[int, str]]:
        """Ids in ingest order after rowid *after* (keyset paging: no long-held cursor)."""
        rows = self._q("SELECT rowid, id FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?",
                       (after, limit))
        return [(r[0], r[1]) for r in rows]

    def file_rows(self, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """``(rowid, id, sha256, ext)`` in ingest order after rowid *after*."""
        rows = self._q("SELECT rowid, id, sha256, ext FROM documents WHERE rowid > ? "
                       "ORDER BY rowid LIMIT ?", (after, limit))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def has_sha256(self, sha256: str) -> bool:
        return bool(self._q("SELECT 1 FROM documents WHERE sha256 = ?", (sha256,)))

    def insert_document(self, doc_id: str, sha256: str, ext: str, filename: str | None,
                        ingested_at: str, pages: int, record: Record) -> None:
        self._db.execute(
            "INSERT INTO documents (id, sha256, ext, filename, ingested_at, pages) "
            "VALUES (?, ?, ?, ?, ?, ?)", (doc_id, sha256, ext, filename, ingested_at, pages))
        self.update_document(doc_id, record)

    def update_document(self, doc_id: str, record: Record) -> None:
        """Store a document's effective values; every call is a change the index must
        follow (see :meth:`changes`). Call inside :meth:`write`."""
        self._db.execute("INSERT INTO changes (doc_id) VALUES (?)", (doc_id,))
        parts = ref_parts(record.ref) or citation_parts(Citation(number=record.number,
                                                                 symbol=record.symbol))
        values = [getattr(record, f) for f in _DOC_FIELDS]
        review = json.dumps(list(record.needs_review)) if record.needs_review else None
        self._db.execute(
            "UPDATE documents SET ref_key = ?, needs_review = ?, "
            + ", ".join(f"{f} = ?" for f in _DOC_FIELDS) + " WHERE id = ?",
            (parts.key if parts else None, review, *values, doc_id))

    def sequence(self) -> int:
        """The number of the latest change to any document (0: none yet)."""
        return int(self._q("SELECT coalesce(max(seq), 0) FROM changes")[0][0])

    def changes(self, since: int) -> list[tuple[int, str]]:
        """(change number, id) of every document changed after change ``since``, each
        once with its latest change, in the order of their latest changes. The search
        index records the last change it holds and asks for what came after."""
        rows = self._q("SELECT max(seq), doc_id FROM changes WHERE seq > ? GROUP BY doc_id "
                       "ORDER BY 1", (since,))
        return [(r[0], r[1]) for r in rows]

    def find(self, ref: str) -> list[str]:
        """Ids of documents with an identity (own or copy) of this number and symbol."""
        parts = ref_parts(ref)
        if parts is None:
            return []
        rows = self._q("SELECT DISTINCT doc_id, year FROM identities WHERE ref_key = ?",
                       (parts.key,))
        return sorted({r[0] for r in rows if parts.year in (None, r[1])})

    # -- identities and citations ------------------------------------------------

    def index_document(self, doc_id: str, record: Record) -> None:
        """(Re)build *record*'s identities and citations and re-resolve every citation
        whose number/symbol it has or had. Call inside :meth:`write`."""
        record = record.replace(id=doc_id)
        old_keys = {(r[0], r[1]) for r in self._db.execute(
            "SELECT ref_key, year FROM identities WHERE doc_id = ?", (doc_id,))}
        self._db.execute("DELETE FROM identities WHERE doc_id = ?", (doc_id,))
        # A number marked for review is not used to link until an archivist confirms it.
        unconfirmed = int("number" in record.needs_review)
        identities = [("self", record.ref, record.number, record.symbol, record.date,
                       record.doc_type, record.issuer, record.parent_issuer, record.place,
                       unconfirmed)]
        identities += [("copy", c.ref, c.number, c.symbol, c.date, c.doc_type, c.issuer, None,
                        c.place, 0) for c in record.copies]
        new_keys: set[tuple[str, str | None]] = set()
        for seq, (kind, ref, number, symbol, date, *rest) in enumerate(identities):
            parts = citation_parts(Citation(ref=ref, number=number, symbol=symbol))
            if parts is None:
                continue
            year = parts.year or year_of(date)
            new_keys.add((parts.key, year))
            self._db.execute(
                "INSERT INTO identities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, seq, kind, ref, parts.key, parts.number, year, date, *rest))

        self._db.execute("DELETE FROM citations WHERE citing_id = ?", (doc_id,))
        for seq, cit in enumerate(expand_short(record.citations)):
            parts = citation_parts(cit)
            res = resolve(cit, record, self.candidates(parts.key)) if parts else \
                Resolution(UNRESOLVED)
            self._db.execute(
                "INSERT INTO citations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, seq, cit.ref, parts.key if parts else None,
                 (parts.year or year_of(cit.date)) if parts else None,
                 parts.number if parts else cit.number, cit.symbol, cit.doc_type, cit.issuer,
                 cit.date, cit.relation, res.status, res.target_id, json.dumps(res.candidates)))
        self._reresolve(old_keys | new_keys, exclude=doc_id)

    def candidates(self, ref_key: str) -> list[Candidate]:
        """The identities a citation of this number may link to: confirmed ones only."""
        rows = self._db.execute(
            "SELECT doc_id, ref_key, year, date, doc_type, issuer, parent_issuer, place, kind "
            "FROM identities WHERE ref_key = ? AND unconfirmed = 0", (ref_key,)).fetchall()
        return [Candidate(*row) for row in rows]

    def to_review(self, after: int, limit: int) -> list[tuple[int, str, str | None, list[str]]]:
        """(rowid, id, ref, fields) of documents with fields to review, in ingest order."""
        rows = self._q("SELECT rowid, id, ref, needs_review FROM documents "
                       "WHERE needs_review IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?",
                       (after, limit))
        return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def _reresolve(self, identities: set[tuple[str, str | None]], exclude: str) -> None:
        """Resolve again other documents' citations of these (number/symbol, year)
        identities: a new or changed document can link an unresolved citation or make a
        linked one ambiguous. A citation of another year cannot be affected (the year
        is a hard filter of :func:`resolve`), so it is not even read."""
        years: dict[str, set[str | None]] = {}
        for key, year in identities:
            years.setdefault(key, set()).add(year)
        for key, key_years in sorted(years.items()):
            sql = ("SELECT c.*, d.issuer AS d_issuer, d.parent_issuer AS d_parent, "
                   "d.place AS d_place, d.date AS d_date, d.doc_type AS d_type "
                   "FROM citations c JOIN documents d ON d.id = c.citing_id "
                   "WHERE c.ref_key = ? AND c.citing_id != ?")
            params: list[Any] = [key, exclude]
            if None not in key_years:
                sql += f" AND (c.year IS NULL OR c.year IN ({','.join('?' * len(key_years))}))"
                params += sorted(y for y in key_years if y is not None)
            rows = self._db.execute(sql, params).fetchall()
            candidates = self.candidates(key) if rows else []
            for row in rows:
                cit = Citation(ref=row["ref"], number=row["number"], symbol=row["symbol"],
                               doc_type=row["doc_type"], issuer=row["issuer"], date=row["date"])
                citing = Record(id=row["citing_id"], issuer=row["d_issuer"],
                                parent_issuer=row["d_parent"], place=row["d_place"],
                                date=row["d_date"], doc_type=row["d_type"])
                res = resolve(cit, citing, candidates)
                found = json.dumps(res.candidates)
                if (res.status, res.target_id, found) == \
                        (row["status"], row["target_id"], row["candidates"]):
                    continue
                self._db.execute(
                    "UPDATE citations SET status = ?, target_id = ?, candidates = ? "
                    "WHERE citing_id = ? AND seq = ?",
                    (res.status, res.target_id, found, row["citing_id"], row["seq"]))

    def resolutions(self, doc_id: str) -> dict[int, Resolution]:
        rows = self._q("SELECT seq, status, target_id, candidates FROM citations "
                       "WHERE citing_id = ?", (doc_id,))
        return {r[0]: Resolution(r[1], r[2], tuple(json.loads(r[3]))) for r in rows}

    def cited_by(self, doc_id: str) -> list[CitedBy]:
        rows = self._q(
            "SELECT c.citing_id, c.relation, d.ref, d.date, d.issuer FROM citations c "
            "JOIN documents d ON d.id = c.citing_id WHERE c.target_id = ? AND c.status = 'linked'"
            " ORDER BY d.date IS NULL, d.date, c.citing_id, c.seq", (doc_id,))
        seen: dict[str, CitedBy] = {}
        for r in rows:  # one entry per citing document, with its first relation
            seen.setdefault(r[0], CitedBy(id=r[0], ref=r[2], relation=r[1], date=r[3],
                                          issuer=r[4]))
        return list(seen.values())

    # -- corrections -------------------------------------------------------------

    def add_corrections(self, doc_id: str, values: dict[str, Any], who: str, at: str) -> None:
        self._db.executemany(
            "INSERT INTO corrections (doc_id, field, value_json, who, at) VALUES (?, ?, ?, ?, ?)",
            [(doc_id, f, json.dumps(v, ensure_ascii=False), who, at) for f, v in values.items()])

    def latest_corrections(self, doc_id: str) -> dict[str, Any]:
        rows = self._q("SELECT field, value_json FROM corrections WHERE doc_id = ? ORDER BY id",
                       (doc_id,))
        return {r[0]: json.loads(r[1]) for r in rows}  # later rows overwrite earlier ones

    def correction_history(self, doc_id: str) -> list[Correction]:
        rows = self._q("SELECT field, value_json, who, at FROM corrections WHERE doc_id = ? "
                       "ORDER BY id", (doc_id,))
        return [Correction(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]
