"""Fixtures every test module may use. Paths to real data live in tests/paths.py."""
from __future__ import annotations

import pytest

from paths import CORPUS, SHARED


@pytest.fixture(scope="session", autouse=True)
def shared_present() -> None:
    """Fail the run at once when ../shared is missing, rather than skip half the suite."""
    if not (CORPUS / "truth.jsonl").is_file():
        pytest.exit(f"{SHARED} has no corpus/truth.jsonl: put ../shared beside the project "
                    "or set VANTHU_SHARED", returncode=4)
