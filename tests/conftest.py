"""Fixtures every test module may use. Paths to real data live in tests/paths.py."""
from __future__ import annotations

import faulthandler

import pytest

from paths import CORPUS, SHARED
from procs import children_left


@pytest.fixture(scope="session", autouse=True)
def shared_present() -> None:
    """Fail the run at once when ../shared is missing, rather than skip half the suite."""
    if not (CORPUS / "truth.jsonl").is_file():
        pytest.exit(f"{SHARED} has no corpus/truth.jsonl: put ../shared beside the project "
                    "or set VANTHU_SHARED", returncode=4)


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """A test leaves no worker process of this one running: the interpreter waits for
    such children at exit, and a leak here once hung CI for an hour after the last test."""
    yield
    left = children_left()
    for child in left:
        child.kill()
    assert not left, f"worker processes left running: {[(c.pid, c.name) for c in left]}"


def pytest_unconfigure(config: pytest.Config) -> None:
    """If the interpreter has not exited two minutes after the last test, print where
    every thread waits and exit 1, rather than run CI out of time."""
    faulthandler.dump_traceback_later(120, exit=True)
