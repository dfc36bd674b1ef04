"""The citation chain ``/d/<id>/chain``: a layered graph drawn by Graphviz, and the same
graph as JSON, GraphML and CSV."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from archive.chain import Chain, Node, chain, to_csv, to_graphml

from .graph import render_svg, to_dot
from .services import services

__all__ = ["bp", "chain_of"]

bp = Blueprint("chain", __name__)


def _depth(name: str, default: int, most: int) -> int:
    try:
        return min(max(0, int(request.args.get(name, default))), most)
    except ValueError:
        return default


def chain_of(doc_id: str) -> Chain:
    """The chain of the request's ``up``/``down`` depths (``depth`` sets both)."""
    svc = services()
    s = svc.settings
    depth = _depth("depth", s.chain_depth, s.chain_max_depth)
    return chain(svc.archive.catalog, doc_id, up=_depth("up", depth, s.chain_max_depth),
                 down=_depth("down", depth, s.chain_max_depth), max_nodes=s.chain_max_nodes)


def _node_url(node: Node) -> str:
    if node.id:
        return url_for("documents.document", doc_id=node.id)
    return url_for("documents.number", ref=node.ref or "")


@bp.route("/d/<doc_id>/chain")
def chain_page(doc_id: str) -> Any:
    svc = services()
    graph = chain_of(doc_id)
    svg = render_svg(to_dot(graph, _node_url), svc.settings.dot_timeout)
    root = next(n for n in graph.nodes if n.key == graph.root)
    return render_template("chain.html", graph=graph, root=root, svg=svg,
                           depths=range(0, svc.settings.chain_max_depth + 1),
                           nodes={n.key: n for n in graph.nodes})


@bp.route("/d/<doc_id>/chain.<fmt>")
def chain_download(doc_id: str, fmt: str) -> Any:
    graph = chain_of(doc_id)
    if fmt == "json":
        body, mimetype = json.dumps(graph.to_dict(), ensure_ascii=False, indent=2), "application/json"
    elif fmt == "graphml":
        body, mimetype = to_graphml(graph), "application/graphml+xml"
    elif fmt == "csv":
        body, mimetype = "\ufeff" + to_csv(graph), "text/csv"  # BOM: Excel reads it as UTF-8
    else:
        abort(404)
    return Response(body, mimetype=f"{mimetype}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="chain-{doc_id}-{graph.up}-{graph.down}.{fmt}"'})
