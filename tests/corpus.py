"""The dev corpus as text, read once per test session (pdfplumber takes seconds a PDF).

Text-layer gazette PDFs come out as the pdfplumber text of their pages; image PDFs, whose
only text is the running header, are left out (their text comes from OCR, in the OCR tests).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from paths import CONGBAO, CORPUS, VBPL


def _truths(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@lru_cache(maxsize=None)
def gazette_texts() -> dict[str, tuple[dict, str]]:
    """File name → (truth row, text) for every text-layer PDF of ``corpus/truth.jsonl``."""
    import pdfplumber

    out = {}
    for truth in _truths(CORPUS / "truth.jsonl"):
        path = CORPUS / truth["file"]
        if path.suffix != ".pdf":
            continue
        with pdfplumber.open(path) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
        body = [len(re.sub(r"^.*CÔNG BÁO/Số.*$", "", p, flags=re.MULTILINE).strip()) for p in pages]
        if pages and sum(body) / len(body) >= 200:
            out[path.name] = (truth, "\n".join(pages))
    assert out, f"no text-layer PDFs in {CONGBAO}"
    return out


@lru_cache(maxsize=None)
def vbpl_rows() -> tuple[tuple[dict, str], ...]:
    """(truth row, text) for every vbpl document, in file order."""
    rows = _truths(VBPL / "truth.jsonl")
    assert rows, f"no vbpl truth in {VBPL}"
    return tuple((row, (VBPL / row["file"]).read_text(encoding="utf-8")) for row in rows)
