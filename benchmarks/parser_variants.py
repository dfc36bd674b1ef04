"""How the parser holds when real texts vary the ways unseen ones do (prints figures).

    .venv/bin/python benchmarks/parser_variants.py [VARIANT ...] [-v]

Every real text with header truth — the 5 seeds, the gazette's text-layer PDFs and the 503
vbpl texts — is parsed as it is and once per variant (25): a change that web pages, word
processors, typists or OCR make without changing what the document says (line endings,
spaces, Unicode forms, tone placement, a label's punctuation, a misread accent). For each
variant: how many texts changed any header field or citation, and which fields. A change
is a fault of the parser unless the variant itself made the field unreadable; ``-v``
shows the first changes of each variant. ``tests/test_parser_variants.py`` holds the
cases found here; this prints the whole picture.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from corpus import gazette_texts, vbpl_rows  # noqa: E402
from ingest.parser import parse  # noqa: E402
from paths import seed_paths  # noqa: E402

FIELDS = ("ref", "doc_type", "issuer", "parent_issuer", "date", "place", "subject", "signer")


def _spaces(share: float, space: str) -> Callable[[str, random.Random], str]:
    return lambda text, rnd: re.sub(" ", lambda _: space if rnd.random() < share else " ", text)


def _first(pattern: str, repl: str) -> Callable[[str, random.Random], str]:
    return lambda text, rnd: re.sub(pattern, repl, text, count=1, flags=re.MULTILINE)


def _form_feed(text: str, rnd: random.Random) -> str:
    lines = text.split("\n")
    half = len(lines) // 2
    return "\n".join(lines[:half] + ["\f"] + lines[half:])


VARIANTS: dict[str, Callable[[str, random.Random], str]] = {
    "CRLF line ends": lambda t, _: t.replace("\n", "\r\n"),
    "lines indented, trailing spaces": lambda t, _: "\n".join(
        ("\t" if k % 3 == 0 else "   ") + line + "  " for k, line in enumerate(t.split("\n"))),
    "a third of spaces doubled": _spaces(0.3, "  "),
    "every space doubled": _spaces(1.0, "  "),
    "every space no-break": _spaces(1.0, "\xa0"),
    "decomposed (NFD)": lambda t, _: unicodedata.normalize("NFD", t),
    "old tone placement": lambda t, _: re.sub("hòa|Hòa|ủy|Ủy", lambda m: {
        "hòa": "hoà", "Hòa": "Hoà", "ủy": "uỷ", "Ủy": "Uỷ"}[m.group()], t),
    "Ð (eth) for Đ": lambda t, _: t.replace("Đ", "Ð"),
    "a form feed between pages": _form_feed,
    "no blank lines": lambda t, _: "\n".join(line for line in t.split("\n") if line.strip()),
    '"Số :" glued to the number': _first(r"^Số:\s*", "Số :"),
    '"SỐ:" in capitals': _first(r"^Số:\s*", "SỐ: "),
    '"Số" without a colon': _first(r"^Số:\s*", "Số "),
    'OCR "số:" in lower case': _first(r"^Số:", "số:"),
    'OCR "Sô:"': _first(r"^Số:", "Sô:"),
    'OCR "S6:"': _first(r"^Số:", "S6:"),
    'a period after the place': _first(r"^([A-ZĐÀ-Ỹ][^,\n]{1,30}), ngày", r"\1. ngày"),
    'OCR "ngảy"': _first(r", ngày (\d)", r", ngảy \1"),
    'OCR "thảng" in the date line': _first(r"(, ngày \d{1,2}) tháng", r"\1 thảng"),
    'OCR "nằm" where a law is passed': _first(r"(thông qua ngày \d{1,2} tháng \d{1,2}) năm",
                                             r"\1 nằm"),
    'OCR "Kinh gửi"': _first(r"Kính gửi", "Kinh gửi"),
    'OCR "Noi nhận"': _first(r"Nơi nhận", "Noi nhận"),
    'OCR "KT," for "KT."': lambda t, _: re.sub(r"(?m)^(KT|TM|TL|Q)\. ", r"\1, ", t),
    "motto with en dashes": lambda t, _: t.replace("Độc lập - Tự do - Hạnh phúc",
                                                   "Độc lập – Tự do – Hạnh phúc", 1),
    # What Tesseract read of a real gazette scan's stamp and page edge (corpus thong-bao-so-02).
    "OCR specks above the header": lambda t, _: '_.Ắ.ẰẲẮ.ẽŠ"\n` Na a.\n" TT T Th\nmm\n\n' + t,
}


def documents() -> list[tuple[str, str]]:
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in seed_paths()]
    docs += [(name, text) for name, (_, text) in sorted(gazette_texts().items())]
    docs += [(row["file"], text) for row, text in vbpl_rows()]
    return docs


def reading(text: str) -> dict[str, object]:
    record = parse(text)
    got: dict[str, object] = {f: getattr(record, f) for f in FIELDS}
    got["citations"] = sorted((c.ref, c.date, c.relation) for c in record.citations)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variants", nargs="*", help="names of variants (default: all)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the first changes")
    args = ap.parse_args()
    chosen = {name: VARIANTS[name] for name in args.variants} if args.variants else VARIANTS
    docs = documents()
    started = time.perf_counter()
    base = {name: reading(text) for name, text in docs}
    print(f"{len(docs)} real texts (seeds, gazette text layers, vbpl) parsed in "
          f"{time.perf_counter() - started:.1f} s\n")
    print(f"{'variant':34} {'texts changed':>13}   fields changed")
    for label, vary in chosen.items():
        fields: Counter[str] = Counter()
        changed, shown = 0, []
        for name, text in docs:
            varied = vary(text, random.Random(name))
            if varied == text:
                continue
            got = reading(varied)
            diff = [f for f in base[name] if got[f] != base[name][f]]
            fields.update(diff)
            changed += bool(diff)
            if diff and len(shown) < 3:
                shown.append(f"    {name}: " + "; ".join(
                    f"{f} {str(base[name][f])[:50]!r} → {str(got[f])[:50]!r}" for f in diff))
        print(f"{label:34} {changed:>13}   {dict(fields) or '-'}")
        if args.verbose:
            print("\n".join(shown))


if __name__ == "__main__":
    main()
