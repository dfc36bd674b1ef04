"""The parsed query: a small tree of frozen nodes that each engine compiles.

Parsed once by :func:`search.query.parse`; :mod:`search.whoosh_engine` and
:mod:`search.tantivy_engine` turn it into their own queries, so both engines answer
exactly the same question.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Node", "Term", "Phrase", "Fuzzy", "DateRange", "And", "Or", "Prefer", "Every",
           "Nothing", "ParsedQuery"]


@dataclass(frozen=True)
class Term:
    """One indexed term: ``field`` is text, exact, issuer, signer, ref, cites or type."""

    field: str
    text: str
    boost: float = 1.0

    def __str__(self) -> str:
        return f"{self.field}:{self.text}" + (f"^{self.boost:g}" if self.boost != 1.0 else "")


@dataclass(frozen=True)
class Phrase:
    """Folded syllables, adjacent and in order (text, issuer or signer)."""

    field: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f'{self.field}:"{" ".join(self.words)}"'


@dataclass(frozen=True)
class Fuzzy:
    """A folded word and the terms within ``distance`` edits of it (expanded before compiling)."""

    field: str
    word: str
    distance: int

    def __str__(self) -> str:
        return f"{self.field}:{self.word}~{self.distance}"


@dataclass(frozen=True)
class DateRange:
    """Documents dated ``start`` ≤ date < ``end`` (``YYYYMMDD`` numbers, None: open)."""

    start: int | None
    end: int | None

    def __str__(self) -> str:
        return f"date:[{self.start or ''} TO {self.end or ''})"


@dataclass(frozen=True)
class And:
    """Every one of ``items`` and none of ``exclude`` (no items: every document)."""

    items: tuple["Node", ...]
    exclude: tuple["Node", ...] = ()

    def __str__(self) -> str:
        base = " AND ".join(map(str, self.items)) or "*"
        base = f"({base})" if len(self.items) > 1 else base
        if not self.exclude:
            return base
        return f"({base} ANDNOT {' OR '.join(map(str, self.exclude))})"


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(map(str, self.items)) + ")"


@dataclass(frozen=True)
class Prefer:
    """``required`` decides what matches; ``optional`` ones (exact spellings, free words
    side by side) only add to the score of what it matched."""

    required: "Node"
    optional: tuple["Term | Phrase", ...]

    def __str__(self) -> str:
        return f"({self.required} ANDMAYBE {' OR '.join(map(str, self.optional))})"


@dataclass(frozen=True)
class Every:
    def __str__(self) -> str:
        return "*"


@dataclass(frozen=True)
class Nothing:
    def __str__(self) -> str:
        return "<nothing>"


Node = Term | Phrase | Fuzzy | DateRange | And | Or | Prefer | Every | Nothing


@dataclass
class ParsedQuery:
    """A parsed query, plus what highlighting and "did you mean" need."""

    node: Node
    words: list[str] = field(default_factory=list)              # free words as typed
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # folded runs to highlight
    fuzzy: list[Fuzzy] = field(default_factory=list)
