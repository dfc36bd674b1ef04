"""Citation chains: what a directive cites, transitively, and who cites it, transitively.

Read from the catalog's citation table (resolved on every store), one query per level,
never by opening records. ``up`` follows citations to older, usually higher documents
(căn cứ, thực hiện …); ``down`` follows ``cited_by`` to the documents that implement or
replace it. Each document appears once, so cycles end; a number cited but not stored is
a placeholder node (``ref:…``) and is not followed; an ambiguous citation links to every
candidate with status ``ambiguous``, and candidates are not followed either (a guess must
not grow the graph). ``max_nodes`` bounds the graph of a much-cited directive.

>>> import tempfile
>>> from archive.record import Citation, Record
>>> from archive.store import Archive
>>> with Archive(tempfile.mkdtemp()) as archive:
...     a = archive.store(Record(ref="1/CT-UBND", date="2021-07-01"), b"a", ["a"], "a.txt").id
...     b = archive.store(Record(ref="2/UBND-VP", date="2021-08-11", citations=(
...         Citation(ref="1/CT-UBND", relation="thực hiện"), Citation(ref="9/NQ-CP"))),
...         b"b", ["b"], "b.txt").id
...     graph = chain(archive.catalog, b)
...     sorted((e.status, e.relation, e.days) for e in graph.edges)
[('linked', 'thực hiện', 41), ('unresolved', None, None)]
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from .catalog import Catalog
from .errors import NotFoundError
from .resolve import AMBIGUOUS, LINKED, UNRESOLVED, ref_parts

__all__ = ["Node", "Edge", "Chain", "Citer", "chain", "citers", "summaries", "to_graphml", "to_csv", "days_between"]


@dataclass(frozen=True)
class Node:
    key: str  # the document id, or "ref:<number>" for a number that is only cited
    id: str | None
    ref: str | None
    doc_type: str | None = None
    issuer: str | None = None
    date: str | None = None
    subject: str | None = None
    level: int = 0  # < 0 cited (above), 0 the document, > 0 citing (below)

    @property
    def stored(self) -> bool:
        return self.id is not None


@dataclass(frozen=True)
class Edge:
    source: str  # key of the citing node
    target: str  # key of the cited node
    relation: str | None
    days: int | None  # days from the cited directive to the citing one
    status: str  # linked | ambiguous | unresolved


@dataclass(frozen=True)
class Chain:
    root: str
    up: int
    down: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    truncated: bool = False  # max_nodes was reached

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "up": self.up, "down": self.down, "truncated": self.truncated,
                "nodes": [asdict(n) | {"stored": n.stored} for n in self.nodes],
                "edges": [asdict(e) for e in self.edges]}


@dataclass(frozen=True)
class Citer:
    """A document citing a number: who, when, how, and how the citation was resolved."""

    id: str
    ref: str | None
    date: str | None
    issuer: str | None
    subject: str | None
    relation: str | None
    status: str
    cited_as: str | None


def days_between(older: str | None, newer: str | None) -> int | None:
    """Days from one ISO date to another, None if either is unknown.

    >>> days_between("2021-07-01", "2021-08-11"), days_between(None, "2021-08-11")
    (41, None)
    """
    try:
        return (dt.date.fromisoformat(newer) - dt.date.fromisoformat(older)).days  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


_DOC = "SELECT id, ref, doc_type, issuer, date, subject FROM documents WHERE id IN ({})"


def _marks(n: int) -> str:
    return ",".join("?" * n)


def summaries(catalog: Catalog, ids: Iterable[str], level: int = 0) -> dict[str, Node]:
    """Number, type, issuer, date and subject of stored documents, by id (unknown ids left out)."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, Node] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in catalog.query(_DOC.format(_marks(len(chunk))), chunk):
            out[row["id"]] = Node(row["id"], row["id"], row["ref"], row["doc_type"],
                                  row["issuer"], row["date"], row["subject"], level)
    return out


class _Builder:
    def __init__(self, catalog: Catalog, max_nodes: int):
        self.catalog, self.max_nodes = catalog, max_nodes
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str], Edge] = {}
        self.truncated = False

    def add_docs(self, ids: Iterable[str], level: int) -> list[str]:
        """Add stored documents as nodes; returns the ids that are new."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self.nodes]
        room = self.max_nodes - len(self.nodes)
        if len(wanted) > room:
            self.truncated, wanted = True, wanted[:max(room, 0)]
        if not wanted:
            return []
        self.nodes.update(summaries(self.catalog, wanted, level))
        return [i for i in wanted if i in self.nodes]

    def add_placeholder(self, ref: str | None, key: str | None, date: str | None,
                        level: int) -> str | None:
        node_key = f"ref:{key or ref}"
        if node_key not in self.nodes:
            if len(self.nodes) >= self.max_nodes:
                self.truncated = True
                return None
            self.nodes[node_key] = Node(node_key, None, ref, date=date, level=level)
        return node_key

    def add_edge(self, source: str, target: str, relation: str | None, status: str,
                 cited_date: str | None = None) -> None:
        if source not in self.nodes or target not in self.nodes or source == target:
            return
        older = self.nodes[target].date or cited_date
        self.edges.setdefault((source, target), Edge(
            source, target, relation, days_between(older, self.nodes[source].date), status))


def chain(catalog: Catalog, doc_id: str, up: int = 3, down: int = 3, max_nodes: int = 150) -> Chain:
    """The citation graph around *doc_id*: *up* levels of what it cites, *down* levels of
    what cites it. Raises NotFoundError for an unknown id."""
    build = _Builder(catalog, max(1, max_nodes))
    if not build.add_docs([doc_id], 0):
        raise NotFoundError(f"no document with id {doc_id!r}")

    for step, depth in ((_cited, up), (_citing, down)):
        frontier = [doc_id]
        for level in range(1, depth + 1):
            if not frontier:
                break
            frontier = step(catalog, build, frontier, level)

    nodes = sorted(build.nodes.values(), key=lambda n: (n.level, n.date or "9999", n.key))
    return Chain(doc_id, up, down, tuple(nodes), tuple(build.edges.values()), build.truncated)


def _cited(catalog: Catalog, build: _Builder, frontier: list[str], level: int) -> list[str]:
    """One level up: what the frontier cites. Returns the stored documents to go on from."""
    rows = catalog.query(
        "SELECT citing_id, ref, ref_key, relation, status, target_id, candidates, date "
        f"FROM citations WHERE citing_id IN ({_marks(len(frontier))}) ORDER BY citing_id, seq",
        frontier)
    new = build.add_docs([r["target_id"] for r in rows if r["status"] == LINKED], -level)
    build.add_docs([c for r in rows if r["status"] == AMBIGUOUS for c in json.loads(r["candidates"])],
                   -level)
    for r in rows:
        if r["status"] == LINKED:
            build.add_edge(r["citing_id"], r["target_id"], r["relation"], LINKED)
        elif r["status"] == AMBIGUOUS:
            for cand in json.loads(r["candidates"]):
                build.add_edge(r["citing_id"], cand, r["relation"], AMBIGUOUS)
        elif r["ref"]:
            key = build.add_placeholder(r["ref"], r["ref_key"], r["date"], -level)
            if key:
                build.add_edge(r["citing_id"], key, r["relation"], UNRESOLVED, r["date"])
    return new


def _citing(catalog: Catalog, build: _Builder, frontier: list[str], level: int) -> list[str]:
    """One level down: who cites the frontier. Returns the documents to go on from."""
    rows = catalog.query(
        "SELECT citing_id, target_id, relation FROM citations WHERE status = ? AND "
        f"target_id IN ({_marks(len(frontier))}) ORDER BY citing_id, seq", [LINKED, *frontier])
    new = build.add_docs([r["citing_id"] for r in rows], level)
    for r in rows:
        build.add_edge(r["citing_id"], r["target_id"], r["relation"], LINKED)
    for citing, target, relation in _ambiguous_citers(catalog, frontier):
        build.add_docs([citing], level)
        build.add_edge(citing, target, relation, AMBIGUOUS)
    return new


def _ambiguous_citers(catalog: Catalog, ids: list[str]) -> list[tuple[str, str, str | None]]:
    """(citing id, candidate id, relation) of ambiguous citations naming one of *ids*."""
    keys = {r[0] for r in catalog.query(
        f"SELECT DISTINCT ref_key FROM identities WHERE doc_id IN ({_marks(len(ids))})", ids)}
    if not keys:
        return []
    rows = catalog.query(
        "SELECT citing_id, relation, candidates FROM citations WHERE status = ? AND "
        f"ref_key IN ({_marks(len(keys))})", [AMBIGUOUS, *sorted(keys)])
    wanted = set(ids)
    return [(r["citing_id"], cand, r["relation"]) for r in rows
            for cand in json.loads(r["candidates"]) if cand in wanted]


def citers(catalog: Catalog, ref: str) -> list[Citer]:
    """Every stored document citing the number *ref*, resolved or not, oldest first.

    A legal number with a year (``23/2020/QĐ-TTg``) only matches citations of that year.
    """
    parts = ref_parts(ref)
    if parts is None:
        return []
    sql = ("SELECT c.citing_id, d.ref, d.date, d.issuer, d.subject, c.relation, c.status, c.ref "
           "FROM citations c JOIN documents d ON d.id = c.citing_id WHERE c.ref_key = ?")
    params: list[Any] = [parts.key]
    if parts.year:
        sql += " AND (c.year IS NULL OR c.year = ?)"
        params.append(parts.year)
    rows = catalog.query(sql + " ORDER BY d.date IS NULL, d.date, c.citing_id, c.seq", params)
    seen: dict[str, Citer] = {}
    for r in rows:
        seen.setdefault(r[0], Citer(*r))
    return list(seen.values())


_NODE_KEYS = ("ref", "doc_type", "issuer", "date", "subject", "level", "stored")
_EDGE_KEYS = ("relation", "days", "status")


def to_graphml(graph: Chain) -> str:
    """The chain as GraphML (for yEd, Gephi, networkx)."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", xmlns=ns)
    for name in _NODE_KEYS:
        kind = "int" if name == "level" else "boolean" if name == "stored" else "string"
        ET.SubElement(root, "key", {"id": name, "for": "node", "attr.name": name, "attr.type": kind})
    for name in _EDGE_KEYS:
        kind = "int" if name == "days" else "string"
        ET.SubElement(root, "key", {"id": name, "for": "edge", "attr.name": name, "attr.type": kind})
    g = ET.SubElement(root, "graph", id=graph.root, edgedefault="directed")
    for node in graph.nodes:
        el = ET.SubElement(g, "node", id=node.key)
        values = asdict(node) | {"stored": node.stored}
        for name in _NODE_KEYS:
            value = values[name]
            if value is not None:
                ET.SubElement(el, "data", key=name).text = str(value).lower() \
                    if isinstance(value, bool) else str(value)
    for edge in graph.edges:
        el = ET.SubElement(g, "edge", source=edge.source, target=edge.target)
        for name in _EDGE_KEYS:
            value = getattr(edge, name)
            if value is not None:
                ET.SubElement(el, "data", key=name).text = str(value)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def to_csv(graph: Chain) -> str:
    """One row per citation edge, with both ends' number and date."""
    nodes = {n.key: n for n in graph.nodes}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["citing_id", "citing_ref", "citing_date", "cited_id", "cited_ref",
                     "cited_date", "relation", "days", "status"])
    for e in graph.edges:
        a, b = nodes[e.source], nodes[e.target]
        writer.writerow([a.id or "", a.ref or "", a.date or "", b.id or "", b.ref or "",
                         b.date or "", e.relation or "", "" if e.days is None else e.days, e.status])
    return out.getvalue()
