"""Drawing a citation chain: Graphviz ``dot`` lays it out as layered SVG.

Cited (older, usually higher) directives are ranked above the ones citing them; each
edge is labelled with the relation and the days between the two directives; numbers
that are only cited are dashed placeholders, ambiguous links dotted. Nodes are links to
their pages. Every label is a quoted DOT string and Graphviz escapes it for SVG, so text
from OCR never becomes markup.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

from archive.chain import Chain, Node
from archive.errors import VanthuError

__all__ = ["to_dot", "render_svg"]

_MAX_LABEL = 48


def _quote(*lines: str) -> str:
    """A DOT double-quoted string, one line per argument (backslash and quote escaped).

    >>> print(_quote('a "b"', "c \\\\ d"))
    "a \\"b\\"\\nc \\\\ d"
    """
    return '"' + "\\n".join(" ".join(line.replace("\\", "\\\\").replace('"', '\\"').split())
                            for line in lines) + '"'


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _MAX_LABEL else text[:_MAX_LABEL - 1] + "…"


def _vn_date(iso: str | None) -> str:
    if iso and re.match(r"^\d{4}-\d{2}-\d{2}$", iso):
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
    return "ngày không rõ"


def _node_label(node: Node) -> list[str]:
    if not node.stored:
        return [node.ref or "?", "chưa có trong kho"]
    lines = [f"{node.doc_type + ' ' if node.doc_type else ''}{node.ref or 'không số'}",
             _vn_date(node.date), _short(node.issuer)]
    return [line for line in lines if line]


def to_dot(graph: Chain, url_for_node: Callable[[Node], str]) -> str:
    """The chain as a DOT digraph; *url_for_node(node)* gives each node's link.

    Nodes are named ``n0``, ``n1`` … (never by text from a document).
    """
    out = ["digraph chain {",
           '  graph [rankdir=TB, nodesep=0.35, ranksep=0.55, bgcolor="transparent", '
           'fontname="DejaVu Sans"];',
           '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7a", '
           'fontname="DejaVu Sans", fontsize=10, margin="0.15,0.06"];',
           '  edge [color="#5b6b7a", fontcolor="#37424d", fontname="DejaVu Sans", fontsize=9, '
           'dir=back, arrowtail=normal];']
    names = {node.key: f"n{i}" for i, node in enumerate(graph.nodes)}
    for node in graph.nodes:
        attrs = [f"label={_quote(*_node_label(node))}", f"URL={_quote(url_for_node(node))}",
                 f"tooltip={_quote(_short(node.subject) or node.ref or '')}",
                 f"id={_quote(names[node.key])}", f"class={_quote('root' if node.key == graph.root else 'stored' if node.stored else 'placeholder')}"]
        if node.key == graph.root:
            attrs.append('fillcolor="#fff3c4", color="#8a6d00", penwidth=2')
        elif not node.stored:
            attrs.append('style="rounded,dashed,filled", fillcolor="#f4f4f4", fontcolor="#555555"')
        out.append(f"  {names[node.key]} [{', '.join(attrs)}];")
    for edge in graph.edges:
        lines = [edge.relation or ""]
        if edge.status == "ambiguous":
            lines[0] = f"{lines[0]} (chưa rõ)".strip()
        if edge.days is not None:
            lines.append(f"{edge.days} ngày")
        style = {"unresolved": "dashed", "ambiguous": "dotted"}.get(edge.status, "solid")
        # cited → citing with dir=back: the cited directive ranks above, the arrow points at it.
        out.append(f"  {names[edge.target]} -> {names[edge.source]} "
                   f"[label={_quote(*[line for line in lines if line])}, style={style}];")
    out.append("}")
    return "\n".join(out)


def render_svg(dot_source: str, timeout: float) -> str:
    """Run ``dot -Tsvg``; the SVG element only (no XML prolog or DOCTYPE)."""
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise VanthuError("Graphviz is not installed (Debian package graphviz)") from None
    except subprocess.TimeoutExpired:
        raise VanthuError(f"Graphviz took longer than {timeout:.0f} s to draw the chain") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VanthuError(f"Graphviz failed: {message[-1] if message else done.returncode}")
    svg = done.stdout.decode("utf-8")
    return svg[svg.find("<svg"):]
