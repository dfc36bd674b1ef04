"""A scan's OCR words on disk (``docs/<id>/words.json``): one page a line, one word a list
``[text, confidence, x0, y0, x1, y1]``, compact enough for a few hundred words a page.

>>> from archive.record import Word
>>> pages = ((Word("Số:", 96.0, (10, 10, 40, 20)),), ())
>>> load_words(dump_words(pages)) == pages
True
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from .record import Word

__all__ = ["dump_words", "load_words"]


def dump_words(pages: Sequence[Sequence[Word]]) -> str:
    return "[\n" + ",\n".join(
        json.dumps([[w.text, w.confidence, *w.box] for w in page], ensure_ascii=False)
        for page in pages) + "\n]\n"


def load_words(text: str) -> tuple[tuple[Word, ...], ...]:
    """The pages back; ValueError when the file is not what :func:`dump_words` wrote."""
    try:
        return tuple(tuple(Word(str(t), float(c), (int(x0), int(y0), int(x1), int(y1)))
                           for t, c, x0, y0, x1, y1 in page) for page in json.loads(text))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a words file: {exc}") from exc
