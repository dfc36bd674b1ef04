import unicodedata

import pytest

from archive.vntext import fold, normalize, normalize_ref, unify_tones


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
