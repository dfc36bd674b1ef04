"""A killed `vanthu ingest` leaves no worker or tesseract behind (issue 10, item 3)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from archive.settings import Settings
from archive.store import Archive
from paths import SAMPLES
from procs import descendants, in_groups, stat, wait_until

pytestmark = pytest.mark.ocr

SCANS = sorted((SAMPLES / "scans").glob("*.pdf"))[:2]  # 4 pages


def _vanthu(*args: str) -> list[str]:
    return [sys.executable, "-m", "vanthu", *args]


def test_kill_9_during_ocr_leaves_no_worker_or_tesseract(tmp_path):
    archive = tmp_path / "archive"
    ingest = subprocess.Popen(_vanthu("--archive", str(archive), "ingest", "--no-progress", "--jobs", "2",
                                      *map(str, SCANS)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        def tesseract_running() -> dict[int, str]:
            below = descendants(ingest.pid)
            return below if any("tesseract" in cmd for cmd in below.values()) else {}

        below = wait_until(tesseract_running, timeout=60)
        assert below, f"no tesseract under vanthu ingest: {ingest.poll()} {ingest.stderr}"
        workers = {pid for pid, cmd in below.items() if "tesseract" not in cmd}
        groups = {info[2] for pid in below if (info := stat(pid))}
        assert any(group != os.getpgid(ingest.pid) for group in groups)  # each worker leads one
    finally:
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait()
        ingest.stderr.close()

    def left() -> dict[int, str]:
        alive = {pid: cmd for pid, cmd in below.items() if stat(pid)}
        return alive | in_groups(groups - {os.getpgid(0)})

    assert wait_until(lambda: not left(), timeout=10) is True, left()
    assert workers  # the pool had workers, and they are gone

    # A re-run stores every scan: nothing the killed run left is in the way.
    done = subprocess.run(_vanthu("--archive", str(archive), "ingest", "--no-progress", "--jobs", "2",
                                  *map(str, SCANS)), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Archive(Settings(archive_dir=archive)) as store:
        assert store.count() == len(SCANS)


def test_a_reader_killed_as_by_the_oom_killer_costs_no_file():
    """A pool process that dies breaks the pool for every page in flight: those pages are
    tried again in a new pool, and every file still comes back whole."""
    from ingest.readers import Document, read_many

    scans = sorted((SAMPLES / "scans").glob("*.pdf"))
    scans = [scans[0], scans[2]]  # 2 + 2 pages
    killed: list[int] = []

    def kill_a_worker_once(done: int, total: int) -> None:
        if killed or done < 1:
            return
        workers = [pid for pid, cmd in descendants(os.getpid()).items() if "spawn_main" in cmd]
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    docs = list(read_many(scans, Settings(jobs=2), progress=kill_a_worker_once))
    assert killed
    assert [type(d) for d in docs] == [Document, Document], docs
    assert [len(d.pages) for d in docs] == [2, 2]
    assert all(p.ocr and p.text.strip() for d in docs for p in d.pages)
