"""A document's corrections as changes: field, old value → new value, who, when."""
from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, Sequence

from .corrections import Correction
from .record import Record

__all__ = ["Change", "changes", "latest_changes"]


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    who: str
    at: str


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [asdict(v) if is_dataclass(v) and not isinstance(v, type) else v for v in value]
    return value


def changes(parsed: Record, history: Sequence[Correction]) -> list[Change]:
    """Each correction with the value it replaced (the parser's, or an earlier correction's).

    >>> h = [Correction("date", "2021-08-11", "lan", "t1"), Correction("date", "2021-08-12", "an", "t2")]
    >>> [(c.old, c.new, c.who) for c in changes(Record(date=None), h)]
    [(None, '2021-08-11', 'lan'), ('2021-08-11', '2021-08-12', 'an')]
    """
    current: dict[str, Any] = {}
    out = []
    for c in history:
        old = current[c.field] if c.field in current else _json(getattr(parsed, c.field, None))
        out.append(Change(c.field, old, c.value, c.who, c.at))
        current[c.field] = c.value
    return out


def latest_changes(parsed: Record, history: Sequence[Correction]) -> dict[str, Change]:
    """The change now in force for each corrected field."""
    return {c.field: c for c in changes(parsed, history)}
