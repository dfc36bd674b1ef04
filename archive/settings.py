"""Settings, declared once and passed explicitly (no module-level globals)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import VanthuError

__all__ = ["Settings", "SEARCH_ENGINES"]

SEARCH_ENGINES = ("whoosh", "tantivy")


def _default_archive() -> Path:
    return Path(os.environ.get("VANTHU_ARCHIVE") or "vanthu-data")


def _env_engine() -> str | None:
    return os.environ.get("VANTHU_SEARCH_ENGINE") or None


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise VanthuError(f"{name}={raw!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    archive_dir: Path = field(default_factory=_default_archive)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    ocr_lang: str = "vie"
    ocr_dpi: int = 300
    # The engine of a new index and of `vanthu reindex` ($VANTHU_SEARCH_ENGINE). None: an
    # archive's index keeps the engine it was built with (whoosh for a new one); when set,
    # an index built by the other engine asks for `vanthu reindex`.
    search_engine: str | None = field(default_factory=_env_engine)
    # Ingest commits the index every N stored documents or T seconds, and at the end.
    index_batch_docs: int = field(
        default_factory=lambda: int(_env_number("VANTHU_INDEX_BATCH_DOCS", 100)))
    index_batch_seconds: float = field(
        default_factory=lambda: _env_number("VANTHU_INDEX_BATCH_SECONDS", 10.0))
    index_lock_timeout: float = 30.0  # seconds a writer waits for another one
    index_memory_mb: int = 256  # per writing process (whoosh limitmb, tantivy heap)
    # Hostile or mistaken queries are refused with a QueryError beyond these.
    query_max_chars: int = 1000
    query_max_terms: int = 64
    query_max_depth: int = 16  # nested parentheses
    search_max_results: int = 10_000  # how far pages may go (page × limit)
    search_time_limit: float = 1.0  # seconds a whoosh query may walk its matches
    fuzzy_max_terms: int = 50  # indexed words a `word~` may expand to
    suggest_max_words: int = 4  # unknown words "did you mean" tries to replace
    suggest_max_terms: int = 50_000  # indexed words it compares with each of them

    def __post_init__(self) -> None:
        if self.search_engine is not None and self.search_engine not in SEARCH_ENGINES:
            raise VanthuError(f"unknown search engine {self.search_engine!r}; "
                              f"use {' or '.join(SEARCH_ENGINES)}")

    @property
    def index_dir(self) -> Path:
        """The search index is derived data and lives beside the archive it came from."""
        return self.archive_dir / "index"
