"""The tantivy engine: the official Python bindings of Tantivy (Rust), for large archives.

The same fields as the whoosh engine (:mod:`search.fields`). Two analyzers are
registered on every open: ``vi_fold`` (runs of letters and digits, lower case,
``ascii_fold``, terms of at
most :data:`~search.analysis.MAX_TERM_BYTES`) for ``text``/``issuer``/``signer`` with
positions, so phrases are exact, and ``vi_exact`` (the same without folding) for the
exact spelling. Multi-part texts are added value by value, and tantivy leaves a gap in
positions between values, so no phrase spans two parts. Facets are terms aggregations
over fast fields, date order a sort on a fast field; tantivy releases the GIL, so threads
search in parallel.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import tantivy

from archive.errors import StorageError
from archive.settings import Settings

from .analysis import MAX_TERM_BYTES
from .fields import Fields
from .results import Found, Stored
from .tree import And, DateRange, Every, Node, Nothing, Or, Phrase, Prefer, Term

__all__ = ["TantivyEngine"]

_UNDATED_LAST = 99_999_999  # date_asc of an undated document: after every date
_FACET_FIELDS = {"issuer": "f_issuer", "type": "f_type", "year": "year"}


def _analyzer(folding: bool) -> tantivy.TextAnalyzer:
    # The simple tokenizer (runs of alphanumeric characters) is twice as fast as a regex one.
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
        tantivy.Filter.lowercase())
    if folding:
        builder = builder.filter(tantivy.Filter.ascii_fold())
    # remove_long keeps tokens shorter than its limit, in bytes
    return builder.filter(tantivy.Filter.remove_long(MAX_TERM_BYTES + 1)).build()


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("text", tokenizer_name="vi_fold", index_option="position")
    b.add_text_field("exact", tokenizer_name="vi_exact", index_option="freq")
    b.add_text_field("issuer", tokenizer_name="vi_fold", index_option="position")
    b.add_text_field("signer", tokenizer_name="vi_fold", index_option="position")
    for name in ("ref", "cites", "type"):
        b.add_text_field(name, tokenizer_name="raw", index_option="freq")
    b.add_integer_field("date", indexed=True, fast=True)
    b.add_integer_field("date_asc", fast=True)
    b.add_integer_field("year", fast=True)
    b.add_text_field("f_issuer", fast=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("f_type", fast=True, tokenizer_name="raw", index_option="basic")
    b.add_bytes_field("meta", stored=True)
    b.add_bytes_field("body", stored=True)
    return b.build()


def _document(f: Fields) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", f.id)
    for part in f.parts:
        doc.add_text("text", part)
        doc.add_text("exact", part)
    for name in f.issuers:
        doc.add_text("issuer", name)
    if f.signer:
        doc.add_text("signer", f.signer)
    for field_name, values in (("ref", f.refs), ("cites", f.cites), ("type", f.types)):
        for value in values:
            doc.add_text(field_name, value)
    doc.add_integer("date", f.date)
    doc.add_integer("date_asc", f.date or _UNDATED_LAST)
    if f.date:
        doc.add_integer("year", f.year)
    if f.facet_issuer:
        doc.add_text("f_issuer", f.facet_issuer)
    if f.facet_type:
        doc.add_text("f_type", f.facet_type)
    doc.add_bytes("meta", json.dumps(f.meta, ensure_ascii=False).encode("utf-8"))
    doc.add_bytes("body", f.body.encode("utf-8"))
    return doc


def _count(result: tantivy.SearchResult) -> int:
    return result.count  # type: ignore[attr-defined]  # missing from tantivy's stubs


class TantivyEngine:
    """A tantivy index in ``folder`` (created by :meth:`create`)."""

    name = "tantivy"

    def __init__(self, folder: Path, settings: Settings, schema: tantivy.Schema | None = None):
        self.folder, self.settings = folder, settings
        try:
            self._ix = tantivy.Index(schema, str(folder)) if schema else \
                tantivy.Index.open(str(folder))
            self._ix.register_tokenizer("vi_fold", _analyzer(folding=True))
            self._ix.register_tokenizer("vi_exact", _analyzer(folding=False))
        except Exception as exc:  # tantivy raises ValueError and others; callers get ours
            raise StorageError(f"cannot open the search index in {folder} "
                               f"({' '.join(str(exc).split())})") from exc
        self.schema = self._ix.schema

    @classmethod
    def create(cls, folder: Path, settings: Settings) -> "TantivyEngine":
        return cls(folder, settings, _schema())

    # -- writing ------------------------------------------------------------------

    def _commit(self, writer, changes: Iterable[Fields | str], replace: bool) -> int:
        count = 0
        try:
            for change in changes:
                if isinstance(change, str):
                    writer.delete_documents_by_term("id", change)
                    continue
                if replace:
                    writer.delete_documents_by_term("id", change.id)
                writer.add_document(_document(change))
                count += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            # Consumes the writer: its lock is released now, not when the GC gets to it.
            writer.wait_merging_threads()
        self._ix.reload()
        return count

    def write(self, changes: Iterable[Fields | str], procs: int = 1) -> int:
        """Replace or add documents (an id alone: delete it), in one commit or none, with
        ``procs`` indexing threads."""
        heap = max(15 * procs, self.settings.index_memory_mb // 4) * 1_000_000
        return self._commit(self._ix.writer(heap_size=heap, num_threads=procs), changes,
                            replace=True)

    def load(self, documents: Iterable[Fields], procs: int) -> int:
        """Fill this new, empty index with ``procs`` indexing threads."""
        writer = self._ix.writer(heap_size=self.settings.index_memory_mb * 1_000_000,
                                 num_threads=procs)
        return self._commit(writer, documents, replace=False)

    # -- reading ------------------------------------------------------------------

    def compile(self, node: Node, scored: bool = True) -> tantivy.Query:
        """The tantivy query of a parsed tree (fuzzy words already expanded). Unless
        ``scored``, the terms that only add to the score are left out: the same documents
        match, and counting them need not read those terms' postings."""
        s, q = self.schema, tantivy.Query

        def sub(n: Node) -> tantivy.Query:
            return self.compile(n, scored)

        if isinstance(node, Term):
            term = q.term_query(s, node.field, node.text)
            return term if node.boost == 1.0 else q.boost_query(term, node.boost)
        if isinstance(node, Phrase):
            return q.phrase_query(s, node.field, list(node.words))
        if isinstance(node, DateRange):
            return q.range_query(s, "date", tantivy.FieldType.Integer, node.start or 1,
                                 node.end or _UNDATED_LAST, include_lower=True,
                                 include_upper=False)
        if isinstance(node, And):
            must = [(tantivy.Occur.Must, sub(n)) for n in node.items] or \
                [(tantivy.Occur.Must, q.all_query())]
            return q.boolean_query(must + [(tantivy.Occur.MustNot, sub(n)) for n in node.exclude])
        if isinstance(node, Or):
            return q.boolean_query([(tantivy.Occur.Should, sub(n)) for n in node.items])
        if isinstance(node, Prefer):
            if not scored:
                return sub(node.required)
            return q.boolean_query([(tantivy.Occur.Must, sub(node.required))]
                                   + [(tantivy.Occur.Should, sub(n)) for n in node.optional])
        if isinstance(node, Every):
            return q.all_query()
        if isinstance(node, Nothing):
            return q.empty_query()
        raise TypeError(f"cannot compile {node!r}")

    def search(self, node: Node, *, offset: int, limit: int, sort: str,
               facet_limit: int | None) -> Found:
        query = self.compile(node, scored=sort == "relevance")
        searcher = self._ix.searcher()
        if sort == "relevance":
            result = searcher.search(query, limit, count=True, offset=offset)
        else:
            field_name, order = ("date_asc", tantivy.Order.Asc) if sort == "date" else \
                ("date", tantivy.Order.Desc)
            result = searcher.search(query, limit, count=True, order_by_field=field_name,
                                     offset=offset, order=order)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            meta = tuple(json.loads(cast(bytes, doc.get_first("meta"))))
            hits.append(Stored(cast(str, doc.get_first("id")), meta,
                               cast(bytes, doc.get_first("body")).decode("utf-8"),
                               float(score) if sort == "relevance" else 0.0))
        facets = self._facets(searcher, self.compile(node, scored=False), facet_limit) \
            if facet_limit else {}
        return Found(_count(result), hits, facets)

    def _facets(self, searcher, query, limit: int) -> dict[str, list[tuple[str, int]]]:
        # Ask for more buckets than shown, so ties at the cut are settled by value as
        # the whoosh engine settles them.
        size = limit * 4 + 50
        aggs = {name: {"terms": {"field": fast, "size": size}}
                for name, fast in _FACET_FIELDS.items()}
        answer = searcher.aggregate(query, aggs)
        out = {}
        for name in _FACET_FIELDS:
            buckets = [(str(int(b["key"])) if name == "year" else str(b["key"]), int(b["doc_count"]))
                       for b in answer.get(name, {}).get("buckets", [])]
            out[name] = sorted(buckets, key=lambda vc: (-vc[1], vc[0]))[:limit]
        return out

    def count(self, node: Node) -> int:
        return _count(self._ix.searcher().search(self.compile(node, scored=False), 1, count=True))

    def doc_freq(self, field: str, term: str) -> int:
        return self._ix.searcher().doc_freq(field, term)

    def terms(self, field: str, prefix: str, limit: int) -> list[str]:
        return [term for term, _ in self._ix.searcher().terms_with_prefix(field, prefix,
                                                                         limit=limit)]

    def doc_count(self) -> int:
        return self._ix.searcher().num_docs

    def ids(self) -> set[str]:
        searcher = self._ix.searcher()
        if not searcher.num_docs:
            return set()
        # a terms aggregation over the id fast field: live documents only, no stored reads
        answer = searcher.aggregate(tantivy.Query.all_query(),
                                    {"ids": {"terms": {"field": "id", "size": searcher.num_docs}}})
        return {bucket["key"] for bucket in answer["ids"]["buckets"]}

    def contains(self, doc_id: str) -> bool:
        return self.count(Term("id", doc_id)) > 0

    def close(self) -> None:
        """Nothing to release: tantivy's files are closed with the index object."""
