"""One page of results, assembled the same way from either engine's answer."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from archive.record import SearchHit

from .snippets import Highlighter

__all__ = ["SearchResult", "Found", "Stored", "SORTS", "FACETS", "page_of"]

SORTS = ("relevance", "date", "-date")
FACETS = ("issuer", "type", "year")


class Stored(NamedTuple):
    """What an engine keeps of a hit: its id, ``(ref, doc_type, issuer, date, subject)``,
    the body and the score (0.0 when sorted by date)."""

    id: str
    meta: tuple
    body: str
    score: float


class Found(NamedTuple):
    """An engine's answer: the total, the requested slice of hits, the facet counts
    (name → [(value, count)], most frequent first, ties by value)."""

    total: int
    hits: list[Stored]
    facets: dict[str, list[tuple[str, int]]]


@dataclass(frozen=True)
class SearchResult:
    """One page of results. ``to_dict()`` is the JSON of INTERFACE.md plus extra keys."""

    query: str
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    sort: str = "relevance"
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "total": self.total,
            "hits": [hit.to_dict() for hit in self.hits],
            "page": self.page, "pages": self.pages, "sort": self.sort,
            "facets": {name: [{"value": v, "count": c} for v, c in values]
                       for name, values in self.facets.items()},
            "suggestion": self.suggestion,
        }


def page_of(text: str, found: Found, highlighter: Highlighter, *, limit: int, page: int,
            sort: str) -> SearchResult:
    """The :class:`SearchResult` of an engine's answer, with highlights cut from the text."""
    hits = []
    for stored in found.hits:
        ref, doc_type, issuer, date, subject = stored.meta
        fragments = highlighter.fragments(stored.body) or highlighter.fragments(subject or "")
        hits.append(SearchHit(id=stored.id, ref=ref, doc_type=doc_type, issuer=issuer,
                              date=date, subject=subject, score=round(stored.score, 4),
                              highlights=tuple(fragments)))
    return SearchResult(query=text, total=found.total, hits=tuple(hits), facets=found.facets,
                        page=page, pages=math.ceil(found.total / limit), sort=sort)
