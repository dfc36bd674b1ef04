"""Records for the search tests: the five seed texts and a few dev-corpus PDFs.

Metadata is written out by hand (the parser is not used here) so that the search
tests test search only. Texts are the real documents: seeds as given, gazette PDFs
read with pdfplumber.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from archive.record import Citation, Copy, Record
from archive.vntext import normalize

from paths import CORPUS, SEEDS

ENGINES = ("whoosh", "tantivy")  # every search test runs against each


def _cites(*refs: str) -> tuple[Citation, ...]:
    out = []
    for ref in refs:
        printed = None
        if "|" in ref:
            ref, printed = ref.split("|")
        number = ref.split("/")[0].split("-")[0]
        out.append(Citation(ref=ref, number=number, printed=printed))
    return tuple(out)


# seed → metadata, as in the table of the search issue
_SEED_META = {
    "000": dict(ref="1919-CV/QU", doc_type="CV", issuer="Quận ủy Hoàn Kiếm", date="2023-08-25",
                signer="Nguyễn Quốc Khánh",
                subject="V/v chủ động triển khai công tác phòng chống dịch bệnh trên địa bàn quận Hoàn Kiếm",
                citations=_cites("835-CV/TU", "38/NQ-CP", "5103/BYT-DP")),
    "001": dict(ref=None, doc_type="TB", issuer="Quận ủy Hà Đông", date=None,
                signer="Nguyễn Văn Trường",
                subject="Kết luận của Ban Thường vụ Quận uỷ về công tác phòng, chống dịch Covid-19",
                citations=_cites("28/CĐ-TTg", "632-TB/TU")),
    "002": dict(ref="100-CV/ĐU", doc_type="CV", issuer="Đảng ủy phường Hòa Minh", date="2021-07-19",
                signer="Đặng Công Chúng", subject="Khẩn trương thực hiện công tác phòng, chống dịch COVID-19",
                citations=_cites("180-CV/QU")),
    "003": dict(ref=None, doc_type=None, doc_type_name="Điện", issuer="Thường trực Thành ủy Hà Nội",
                date="2022-01-17", signer="Đình Tiên Dũng",
                subject="Về tiếp tục tăng cường công tác phòng, chống dịch bệnh Covid-19 trên địa bàn thành phố Hà Nội",
                copies=(Copy(ref="49-BS/QU", number="49", symbol="BS/QU", doc_type="BS",
                             issuer="Quận ủy Hà Đông", date="2022-01-20"),),
                citations=_cites("35/CT-TTg", "58/BVHTTDL-VHCS")),
    "004": dict(ref="1196/UBND-VP", doc_type="CV", issuer="Ủy ban nhân dân quận Hoàn Kiếm",
                date="2021-08-11", signer="Phạm Tuấn Long",
                subject="V/v chấn chỉnh trong điều hành công tác phòng, chống dịch COVID-19.",
                citations=_cites("17/CT-UBND", "18/CĐ-UBND|18/CD-UBND", "68/NQ-CP",
                                 "1139/UBND-CA", "23/2020/QĐ-TTg")),
}

# gazette PDF slug → citations (from the corpus MANIFEST's notes)
_CORPUS_DOCS = {
    "thong-tu-so-01-2025-tt-bldtbxh-43956": ("20/2023/TT-BLĐTBXH",),
    "thong-tu-so-20-2023-tt-bldtbxh-41198": ("01/2023/TT-BLĐTBXH",),
    "thong-tu-so-40-2026-tt-btc-469311": ("11/2026/TT-BTC", "39/2026/TT-BTC"),
    "chi-thi-so-21-ct-ttg-469580": (),
    "nghi-quyet-so-113-nq-cp-469448": (),
    "quyet-dinh-so-372-qd-btc-469041": ("138/2025/TT-BTC", "139/2025/TT-BTC"),
}
_TYPE_ABBR = {"Thông tư": "TT", "Chỉ thị": "CT", "Nghị quyết": "NQ", "Quyết định": "QĐ"}


def seed_records() -> list[Record]:
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        key = path.name[:3]
        meta = dict(_SEED_META[key])
        ref = meta.get("ref")
        number = ref.split("/")[0].split("-")[0] if ref else None
        records.append(Record(id=f"seed-{key}", number=number,
                              text=normalize(path.read_text(encoding="utf-8")), **meta))
    return records


@functools.lru_cache(maxsize=None)
def _pdf_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def corpus_records() -> list[Record]:
    truth = {}
    for line in (CORPUS / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        truth[Path(row["file"]).stem] = row
    records = []
    for slug, cited in _CORPUS_DOCS.items():
        row = truth[slug]
        records.append(Record(
            id=slug, ref=row["ref"], number=row["ref"].split("/")[0],
            doc_type=_TYPE_ABBR[row["doc_type_name"]], doc_type_name=row["doc_type_name"],
            issuer=row["issuer"], date=row["date"], signer=row["signer"], subject=row["subject"],
            citations=_cites(*cited), text=normalize(_pdf_text(CORPUS / "congbao" / f"{slug}.pdf")),
        ))
    return records


def all_records() -> list[Record]:
    return seed_records() + corpus_records()
