"""Where the tests find real data: the project's samples and ``../shared`` beside the project.

One place for these paths (CI puts ``shared/`` beside the clone; ``VANTHU_SHARED`` points
elsewhere). A missing ``shared/`` fails the tests that need it instead of skipping them:
a test that cannot run is not a passing test.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("VANTHU_SHARED") or ROOT.parent / "shared")
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
CONGBAO = CORPUS / "congbao"
VBPL = CORPUS / "vbpl"


def seed_paths() -> list[Path]:
    """The five seed texts, in name order; raises if ``shared/`` is not where it should be."""
    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        raise FileNotFoundError(f"no seeds in {SEEDS}: put ../shared beside the project "
                                "or set VANTHU_SHARED")
    return paths
