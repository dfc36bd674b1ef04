"""``vanthu check``: the archive against itself and the search index against the archive.

The archive is the truth; the index is derived from it. What the index lacks is indexed
again, what it holds that the archive does not is dropped, an unreadable index is rebuilt —
the repairs :mod:`archive.integrity` cannot make because they need both stores.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from archive.errors import VanthuError
from archive.integrity import Finding, verify
from archive.record import Record
from archive.settings import Settings
from archive.store import Archive

from .pipeline import parser_for
from .stores import open_archive, open_index, rebuild_index

__all__ = ["CheckReport", "check"]


@dataclass(frozen=True)
class CheckReport:
    documents: int
    indexed: int | None  # None: the index could not be read
    findings: tuple[Finding, ...]

    @property
    def consistent(self) -> bool:
        """Nothing is left wrong (everything found was repaired)."""
        return all(f.repaired for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {"consistent": self.consistent, "documents": self.documents,
                "indexed": self.indexed, "findings": [f.to_dict() for f in self.findings]}


def check(settings: Settings, *, repair: bool = False, quick: bool = False) -> CheckReport:
    """Check (and with *repair*, mend) the archive at ``settings.archive_dir`` and its index.

    ``quick`` is the cheap part run after every ingest and reindex: no original is hashed and
    no record.json read, and the index is compared by its count before its ids.
    """
    with open_archive(settings, create=False) as store:
        findings = list(verify(store, quick=quick, repair=repair,
                               parser_for=lambda doc_id: parser_for(store, doc_id, settings)))
        indexed, index_findings = _check_index(settings, store, repair, quick)
        return CheckReport(store.count(), indexed, tuple(findings + index_findings))


def _check_index(settings: Settings, store: Archive, repair: bool,
                 quick: bool) -> tuple[int | None, list[Finding]]:
    behind: list[Finding] = []
    try:
        with open_index(settings) as index:
            # Changes the catalog committed that the index has not caught up with (a process
            # killed between the two commits; a correction whose index update never came).
            lag = len(store.changes(index.synced()))
            if lag:
                detail = f"{lag} change(s) of the catalog are not in the search index yet"
                if repair:
                    index.sync(store)
                    detail += "; indexed"
                behind.append(Finding("index-behind", str(settings.index_dir), detail,
                                      repaired=repair))
            if quick and index.doc_count() == store.count():
                return store.count(), behind
            indexed = index.ids()
    except VanthuError as exc:  # missing, damaged, or built by another version
        where = str(settings.index_dir)
        if not repair:
            return None, [Finding("index-unreadable", where,
                                  f"{exc}; run `vanthu check --repair` or `vanthu reindex`")]
        count = rebuild_index(settings, store)
        return count, [Finding("index-unreadable", where, f"{exc}; rebuilt with {count} documents",
                               repaired=True)]
    stored = set(store.ids())
    missing, extra = sorted(stored - indexed), sorted(indexed - stored)
    findings = [Finding("index-missing", doc_id, "stored but not in the search index")
                for doc_id in missing]
    findings += [Finding("index-extra", doc_id, "in the search index, not in the archive")
                 for doc_id in extra]
    if not repair or not findings:
        return len(indexed), behind + findings
    unreadable: list[str] = []
    with open_index(settings) as index:
        index.add_many(_records(store, missing, unreadable))
        for doc_id in extra:
            index.delete(doc_id)
        count = index.doc_count()
    mended = {"index-missing": "; indexed", "index-extra": "; dropped"}
    return count, behind + [f if f.where in unreadable else
                            Finding(f.kind, f.where, f.detail + mended[f.kind], repaired=True)
                            for f in findings]


def _records(store: Archive, ids: list[str], unreadable: list[str]) -> Iterator[Record]:
    for doc_id in ids:
        try:
            yield store.get(doc_id)
        except VanthuError:
            unreadable.append(doc_id)  # reported by the archive's own check
