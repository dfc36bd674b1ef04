"""The search page ``/``: one query box, filters that write its syntax, facets, hits."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for

from archive.doctypes import TYPE_NAMES
from archive.errors import QueryError

from . import querytext
from .services import services

__all__ = ["bp", "search_args"]

bp = Blueprint("search", __name__)

_FILTERS = {"f_issuer": "issuer", "f_type": "doc_type", "f_signer": "signer", "f_cites": "cites",
            "f_from": "start", "f_to": "end"}
SORT_LABELS = {"relevance": "Phù hợp nhất", "-date": "Mới nhất", "date": "Cũ nhất"}
COMMON_TYPES = ("CV", "TB", "CT", "NQ", "QĐ", "KH", "CĐ", "HD", "KL", "BC", "TT", "NĐ", "BS")


def search_args() -> tuple[str, str, int]:
    """The query, sort and page of the request (bad values fall back to defaults)."""
    q = " ".join(request.args.get("q", "").split())
    sort = request.args.get("sort", "")
    if sort not in SORT_LABELS:
        sort = "relevance" if q else "-date"
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    return q, sort, page


@bp.route("/")
def search() -> Any:
    q, sort, page = search_args()
    filters = {name: request.args.get(arg, "") for arg, name in _FILTERS.items()}
    if any(v.strip() for v in filters.values()):
        # The filters become query text, and the URL then holds the whole search.
        composed = querytext.compose(q, **filters)
        return redirect(url_for("search.search", q=composed, sort=request.args.get("sort") or None))
    svc = services()
    result, error = None, None
    try:
        result = svc.index.search(q, limit=svc.settings.search_page_size, page=page, sort=sort)
    except QueryError as exc:
        error = str(exc)
    active = querytext.field_terms(q)

    base = url_for("search.search")

    def link(query: str, **extra: Any) -> str:
        """This search with another query (or page, or sort); a default sort is left out.
        (``urlencode`` rather than ``url_for`` per link: a page has ~50 of them.)"""
        args: dict[str, Any] = {"q": query or None}
        if sort != ("relevance" if query else "-date"):
            args["sort"] = sort
        args.update(extra)
        query_string = urlencode({k: v for k, v in args.items() if v is not None})
        return f"{base}?{query_string}" if query_string else base

    facets = []
    if result is not None:
        for name, label in (("type", "Loại văn bản"), ("issuer", "Cơ quan ban hành"), ("year", "Năm")):
            values = []
            for value, count in result.facets.get(name, []):
                t = querytext.facet_term(name, value)
                on = t in active
                values.append({"value": value, "count": count, "on": on,
                               "href": link(querytext.without(q, t) if on else f"{q} {t}".strip())})
            facets.append({"name": name, "label": label, "values": values})
    status = 400 if error else 200
    return render_template(
        "search.html", q=q, sort=sort, result=result, error=error, facets=facets,
        active=[{"term": t, "href": link(querytext.without(q, t))} for t in active],
        link=link, sorts=SORT_LABELS, chosen_sort=request.args.get("sort", "relevance"),
        page_size=svc.settings.search_page_size, types=[(c, TYPE_NAMES[c]) for c in COMMON_TYPES],
        total_docs=None if q else svc.archive.count()), status
