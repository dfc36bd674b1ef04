"""Documents for the search benchmarks, made of real text (no generated words).

The paragraphs are those of ``../shared/corpus/vbpl/`` (503 legal texts, 23 MB) and of the
gazette PDFs' text layers (read once with pdfplumber and cached in ``cache_dir``). Each
generated document is a header (issuer, number, place and date, type, subject — as
directives print them) and real paragraphs drawn from all sources, shuffled, to a size
drawn from a log-normal distribution (mean ≈ 9 KB of UTF-8, at most 64,000 characters),
with the citations it carries written into its text. Issuers, types, numbers, dates and
signers vary; everything is deterministic in the document number.

    from realtext import paragraphs, generate
    for record in generate(50_000, paragraphs(cache)): ...
"""
from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path

from archive.doctypes import TYPE_NAMES
from archive.record import Citation, Record
from archive.vntext import normalize

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

PROVINCES = ["Hà Nội", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ", "Quảng Ninh",
             "Nghệ An", "Thanh Hóa", "Thừa Thiên Huế", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk",
             "Bình Dương", "Đồng Nai", "An Giang", "Kiên Giang", "Lào Cai", "Điện Biên"]
DISTRICTS = ["Hoàn Kiếm", "Ba Đình", "Đống Đa", "Hai Bà Trưng", "Hà Đông", "Cầu Giấy",
             "Thanh Xuân", "Long Biên", "Tây Hồ", "Hoàng Mai", "Liên Chiểu", "Hải Châu",
             "Sơn Trà", "Thủ Đức", "Ninh Kiều", "Hạ Long"]
MINISTRIES = ["Chính phủ", "Thủ tướng Chính phủ", "Bộ Tài chính", "Bộ Y tế", "Bộ Nội vụ",
              "Bộ Lao động - Thương binh và Xã hội", "Bộ Kế hoạch và Đầu tư", "Bộ Công Thương",
              "Bộ Nông nghiệp và Môi trường", "Bộ Xây dựng", "Bộ Giáo dục và Đào tạo",
              "Bộ Tư pháp", "Bộ Khoa học và Công nghệ", "Ngân hàng Nhà nước Việt Nam",
              "Bộ Quốc phòng", "Bộ Công an", "Bộ Ngoại giao", "Ủy ban Thường vụ Quốc hội"]
LOCAL_FORMS = ["Ủy ban nhân dân tỉnh {p}", "Hội đồng nhân dân tỉnh {p}", "Tỉnh ủy {p}",
               "Sở Tài chính tỉnh {p}", "Sở Y tế tỉnh {p}", "Ủy ban nhân dân quận {d}",
               "Quận ủy {d}", "Ban Chỉ đạo phòng, chống dịch quận {d}"]
SYMBOLS = {"CV": ["UBND-VP", "CV/QU", "CV/TU", "BTC-TCT", "BYT-KCB", "UBND-KT"],
           "TB": ["TB-VPCP", "TB/TU", "TB-UBND"], "KH": ["KH-UBND", "KH/TU"],
           "QĐ": ["QĐ-TTg", "QĐ-BTC", "QĐ-UBND"], "CT": ["CT-TTg", "CT-UBND", "CT/TU"],
           "CĐ": ["CĐ-TTg", "CĐ-UBND"], "NQ": ["NQ-CP", "NQ-HĐND", "NQ/TU"],
           "TT": ["TT-BTC", "TT-BYT", "TT-BLĐTBXH", "TT-BNNMT"], "NĐ": ["NĐ-CP"],
           "HD": ["HD-BTC", "HD/BTGTU"], "BC": ["BC-UBND", "BC/TU"]}
TYPE_WEIGHTS = {"CV": 30, "TB": 10, "KH": 8, "QĐ": 14, "CT": 4, "CĐ": 3, "NQ": 6, "TT": 12,
                "NĐ": 5, "HD": 4, "BC": 4}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Quốc", "Công", "Tuấn", "Thanh", "Minh", "Hữu", "Đức", "Ngọc"]
GIVEN = ["Long", "Khánh", "Trường", "Dũng", "Hòa", "Mai", "Chúng", "Nga", "Tuấn", "Hoan",
         "Thủy", "Hùng", "Lan", "Phúc", "Sơn", "Thắng", "Hương", "Bình"]
RELATIONS = ["Căn cứ", "Thực hiện", "Theo", "Triển khai"]


def _gazette_texts(cache_dir: Path) -> list[str]:
    """The text layers of the gazette PDFs, read once and kept as JSON in ``cache_dir``."""
    cache = cache_dir / "gazette-text.json"
    if cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    import pdfplumber

    texts = []
    for pdf_path in sorted((SHARED / "corpus" / "congbao").glob("*.pdf")):
        with pdfplumber.open(pdf_path) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        if len(text) > 2000:  # the image-only PDFs have a running header and nothing else
            texts.append(text)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


def source_texts(cache_dir: Path) -> list[str]:
    """Every real text: the 503 of vbpl, the gazette PDFs', the five seeds."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "corpus" / "vbpl" / "text")
                                                           .glob("*.txt"))]
    texts += _gazette_texts(cache_dir)
    texts += [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    return [normalize(t) for t in texts]


def paragraphs(cache_dir: Path) -> list[str]:
    """Runs of 3 lines of the real texts (site words such as "Tải về" left out), kept in
    ``cache_dir`` once made (normalizing 30 MB of text takes half a minute)."""
    cache = cache_dir / "paragraphs.json"
    if cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    out: list[str] = []
    for text in source_texts(cache_dir):
        lines = [ln.strip() for ln in text.splitlines()
                 if len(ln.strip()) > 3 and not ln.startswith(("Văn bản gốc", "Tải về", "---"))]
        out += ["\n".join(lines[i:i + 3]) for i in range(0, len(lines), 3)]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def issuers() -> list[str]:
    out = list(MINISTRIES)
    for form in LOCAL_FORMS:
        out += [form.format(p=p, d=d) for p, d in zip(PROVINCES, DISTRICTS * 2)]
    return out


def document_size(rnd: random.Random) -> int:
    """Characters of body: log-normal, median 5,000, mean ≈ 6,900 (≈ 9 KB of UTF-8), at most 64,000."""
    return min(64_000, int(rnd.lognormvariate(math.log(5_000), 0.8)))


def generate(n: int, pool: list[str], start: int = 0) -> Iterator[Record]:
    """``n`` deterministic records (ids ``doc-000000`` …) built from ``pool`` paragraphs."""
    names = issuers()
    codes = list(TYPE_WEIGHTS)
    weights = list(TYPE_WEIGHTS.values())
    for i in range(start, start + n):
        rnd = random.Random(i)
        code = rnd.choices(codes, weights)[0]
        number = rnd.randint(1, 4000)
        year = rnd.choice(range(2010, 2027))
        symbol = rnd.choice(SYMBOLS[code])
        ref = f"{number}/{year}/{symbol}" if code in ("TT", "NĐ") else f"{number}/{symbol}"
        date = f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        issuer = rnd.choice(names)
        signer = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        subject = re.sub(r"\s+", " ", rnd.choice(pool))[:160]
        cited = []
        for _ in range(rnd.randint(0, 6)):
            other = random.Random(rnd.randrange(max(n, 1000)))
            c_code = other.choice(codes)
            cited.append(f"{other.randint(1, 4000)}/{other.choice(SYMBOLS[c_code])}")
        body: list[str] = []
        size, want = 0, document_size(rnd)
        while size < want:
            body.append(rnd.choice(pool))
            size += len(body[-1])
        for ref_cited in cited:
            body.insert(rnd.randrange(len(body) + 1),
                        f"{rnd.choice(RELATIONS)} văn bản số {ref_cited} ngày "
                        f"{rnd.randint(1, 28)}/{rnd.randint(1, 12)}/{year - rnd.randint(0, 3)};")
        place = rnd.choice(PROVINCES)
        text = (f"{issuer.upper()}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                f"Số: {ref}\n{place}, ngày {date[8:]} tháng {date[5:7]} năm {year}\n"
                f"{TYPE_NAMES[code].upper()}\n{subject}\n\n" + "\n\n".join(body)
                + f"\n\n{signer}")
        yield Record(id=f"doc-{i:06d}", ref=ref, number=str(number), symbol=symbol, doc_type=code,
                     doc_type_name=TYPE_NAMES[code], issuer=issuer, date=date, signer=signer,
                     subject=subject, place=place, text=text,
                     citations=tuple(Citation(ref=r, number=r.split("/")[0]) for r in cited))
