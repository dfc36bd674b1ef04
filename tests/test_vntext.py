import re
import unicodedata

import pytest

from archive.vntext import fold, normalize, normalize_ref, strip_marks, unify_tones
from corpus import gazette_texts, vbpl_rows
from paths import seed_paths


@pytest.mark.parametrize(
    "written, expected",
    [
        ("hoà", "hòa"), ("Hoà Minh", "Hòa Minh"), ("HOÀ", "HÒA"), ("Quận uỷ", "Quận ủy"),
        ("UỶ BAN", "ỦY BAN"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("tuỳ", "tùy"),
        ("toà án", "tòa án"),
        # Not final oa/oe/uy, or a "qu" syllable: the tone stays where it is.
        ("hoàng", "hoàng"), ("quý", "quý"), ("quỳnh", "quỳnh"), ("khuyến", "khuyến"),
        ("thuyết", "thuyết"), ("hòa", "hòa"),
    ],
)
def test_tone_placement_is_unified(written, expected):
    assert unify_tones(written) == expected


def test_normalize_makes_nfc_and_maps_eth():
    decomposed = unicodedata.normalize("NFD", "Ðảng ủy phường Hoà Minh")
    assert normalize(decomposed) == "Đảng ủy phường Hòa Minh"
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


@pytest.mark.parametrize(
    "text, folded",
    [("Quận ủy Hoàn Kiếm", "quan uy hoan kiem"), ("ĐẢNG ỦY", "dang uy"), ("Ðà Nẵng", "da nang"),
     ("Hoà", "hoa"), ("Hòa", "hoa")],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "typed, ref",
    [("1196 / UBND–VP", "1196/UBND-VP"), ("100- CV/ÐU", "100-CV/ĐU"), ("49 - BS/QU", "49-BS/QU"),
     ("TT-BТС", "TT-BTC")],  # the last has Cyrillic Т and С, as in a corpus text layer
)
def test_normalize_ref(typed, ref):
    assert normalize_ref(typed) == ref


# -- normalize on real text: what it must give, checked without its own code ------------------

# An old tone placement, found in the decomposed text: o + a/e or u + y, then a tone mark,
# at the end of a syllable (no letter and no other mark after it), not in a "qu" syllable.
_MARKS = "\u0300-\u036f"
_OLD_PLACEMENT = re.compile(
    rf"(?<![qQ])(?:[oO][aAeE]|[uU][yY])[\u0300\u0301\u0303\u0309\u0323](?![\w{_MARKS}])")
_ODD = "\u00d0\u00f0\u0189\u00ad\u200b\ufeff"


def _real_texts() -> list[tuple[str, str]]:
    texts = [(row["file"], text) for row, text in vbpl_rows()]
    texts += [(name, text) for name, (_truth, text) in gazette_texts().items()]
    texts += [(p.name, p.read_text(encoding="utf-8")) for p in seed_paths()]
    # Layouts the readers also meet: decomposed (NFD, as some PDF text layers give),
    # old tone placement throughout, Ð for Đ, a soft hyphen inside words.
    sample = vbpl_rows()[0][1]
    texts += [("nfd", unicodedata.normalize("NFD", sample)),
              ("old tones", sample.replace("hòa", "hoà").replace("ủy", "uỷ").replace("Hòa", "Hoà")),
              ("eth", sample.replace("Đ", "Ð")), ("soft hyphen", sample.replace("ng ", "n\u00adg "))]
    return texts


def test_normalize_of_every_real_text_is_nfc_unified_and_stable():
    for name, text in _real_texts():
        normal = normalize(text)
        assert unicodedata.is_normalized("NFC", normal), name
        assert not any(ch in normal for ch in _ODD), name
        assert not _OLD_PLACEMENT.search(unicodedata.normalize("NFD", normal)), name
        assert normalize(normal) == normal, name  # idempotent
        # Only tones moved: the letters, and every other mark, are those of the text.
        kept = unicodedata.normalize("NFC", text).translate({ord(c): None for c in _ODD[3:]})
        assert strip_marks(normal) == strip_marks(kept), name
        assert len(normal) == len(unicodedata.normalize("NFC", kept.translate(
            {0xD0: 0x110, 0xF0: 0x111, 0x189: 0x110}))), name
