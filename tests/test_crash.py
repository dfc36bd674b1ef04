"""Crash tests that really kill (issue 10, item 6).

`vanthu` is SIGKILLed at named points of an ingest of 20 real documents, of a reindex and of
a correction — during OCR, between the files and the catalog, between the catalog and the
index, during the index write, before a rebuilt index is swapped in (archive/killpoints.py
names them). After each: no process of the killed command is left, and a plain re-run (or
`vanthu check --repair`) leaves catalog = index = files — every document exactly once, no
temporary file anywhere.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from archive.killpoints import ENV as KILL_AT
from paths import ROOT, SAMPLES, VBPL

VANTHU = [sys.executable, "-m", "vanthu"]
# Short real texts keep the 20-document runs quick; one rendered scan brings OCR in.
TEXTS = sorted((VBPL / "text").glob("*.txt"), key=lambda p: p.stat().st_size)[:20]
SCAN = SAMPLES / "scans" / "pages" / "004_0881eebd51305214-p1.png"


def vanthu(archive: Path, *args: object, kill_at: str | None = None, timeout: float = 600,
           stdout: Path | None = None, batch: int = 4) -> tuple[int, str, list[int]]:
    """Run a vanthu command in a session of its own; returns (exit status, stderr, the pids
    still alive in that session once it has ended). Its output goes to *stdout*, if given.
    The index is written every ``batch`` documents, a batch of 10 or more by 2 processes."""
    env = {**os.environ, "VANTHU_INDEX_BATCH_DOCS": str(batch),
           "VANTHU_INDEX_PARALLEL_MIN_DOCS": "10"}
    env.pop(KILL_AT, None)
    if kill_at:
        env[KILL_AT] = kill_at
    # Output to a file, not a pipe: a worker that outlived its parent would hold a pipe open.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        with open(stdout or os.devnull, "w", encoding="utf-8") as out:
            proc = subprocess.Popen(VANTHU + ["--archive", str(archive), *map(str, args)],
                                    cwd=ROOT, env=env, stdout=out, stderr=err,
                                    start_new_session=True)
            code = proc.wait(timeout=timeout)
        err.seek(0)
        return code, err.read(), _survivors(proc.pid)


def _session_of(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[3])


def _survivors(session: int, patience: float = 15.0) -> list[int]:
    """Live processes of the session the command led; workers get a few seconds to notice
    that their parent is gone."""
    deadline = time.monotonic() + patience
    while True:
        alive = [int(p.name) for p in Path("/proc").iterdir()
                 if p.name.isdigit() and _session_of(int(p.name)) == session]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def whole(archive: Path, documents: int) -> dict:
    """Assert catalog = index = files, each document once, no temp file; return the report."""
    code, out, _ = _check(archive)
    assert code == 0, out
    assert out["consistent"] and out["findings"] == [], out
    assert out["documents"] == out["indexed"] == documents, out
    assert len([p for p in (archive / "docs").iterdir() if not p.name.startswith(".")]) == documents
    assert len(list((archive / "originals").glob("*/*"))) == documents
    leftovers = [p for p in archive.rglob(".tmp-*")]
    assert leftovers == [], leftovers
    return out


def _check(archive: Path, *args: str) -> tuple[int, dict, str]:
    proc = subprocess.run(VANTHU + ["--archive", str(archive), "check", "--json", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


# -- ingest --------------------------------------------------------------------------------

INGEST_POINTS = [
    "ocr-page@1",        # OCR in flight: the scan's page done, texts still to store
    "store-temp@7",      # the 7th document's files written in a private temp folder
    "store-placed@7",    # its folder and original in place, the catalog not yet committed
    "store-committed@7",  # in the catalog, not yet in the index
    "index-write@3",     # the index writer has taken 3 documents of a batch, no commit yet
    "index-committed@2",  # the engine committed a batch; vanthu.json does not say so yet
    "index-synced@2",    # indexed, the outcomes not yet reported
]


@pytest.mark.parametrize("point", INGEST_POINTS + ["index-write@15 (2 writers)",
                                                   "index-committed@1 (2 writers)"])
def test_an_ingest_killed_at_a_point_is_made_whole_by_a_rerun(tmp_path, point):
    archive = tmp_path / "archive"
    files = [SCAN, *TEXTS[:19]] if point.startswith("ocr") else TEXTS
    point, _, writers = point.partition(" ")
    batch = 20 if writers else 4  # 20 documents in one batch: written by 2 processes
    code, err, alive = vanthu(archive, "ingest", "--no-progress", "--jobs", "2", *files,
                              kill_at=point, batch=batch)
    assert code == -signal.SIGKILL, f"{point} was never reached:\n{err}"
    assert alive == [], f"processes left by the killed ingest: {alive}"
    code, err, alive = vanthu(archive, "ingest", "--no-progress", "--jobs", "2", *files,
                              batch=batch)
    assert code == 0, err
    assert alive == []
    whole(archive, 20)


def _said(out: Path) -> dict[str, list[str]]:
    """The ids an ingest printed, by what it said of them ("stored", "already stored")."""
    said: dict[str, list[str]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        state, _, rest = line.partition(": ")
        said.setdefault(state, []).append(rest.split(" → ")[1].split()[0])
    return said


def test_a_batch_killed_between_its_fsyncs_and_its_commit_loses_nothing_acknowledged(tmp_path):
    """Batches of 4: the second batch's 4 documents are in place, their files and folder
    entries fsynced, the catalog transaction open — then SIGKILL."""
    archive, out = tmp_path / "archive", tmp_path / "out.txt"
    code, err, alive = vanthu(archive, "ingest", "--no-progress", "--jobs", "2", *TEXTS,
                              kill_at="store-placed@6", stdout=out)
    assert code == -signal.SIGKILL and alive == [], err
    acknowledged = _said(out).get("stored", [])
    assert len(acknowledged) == 4  # the first batch: committed and indexed
    code, report, _ = _check(archive)
    assert report["documents"] == report["indexed"] == 4  # nothing of the open transaction
    placed = {p.name for p in (archive / "docs").iterdir() if not p.name.startswith(".")}
    assert set(acknowledged) < placed and len(placed) == 8  # the uncommitted four: invisible
    assert {f["kind"] for f in report["findings"]} <= {"orphan-folder", "orphan-original"}
    code, err, alive = vanthu(archive, "ingest", "--no-progress", "--jobs", "2", *TEXTS,
                              stdout=out)
    assert code == 0 and alive == [], err
    said = _said(out)
    assert sorted(said["already stored"]) == sorted(acknowledged)
    assert len(said["stored"]) == 16 and not set(said["stored"]) & set(acknowledged)
    whole(archive, 20)  # each document once, in catalog, files and index; no temp file


# -- reindex and corrections ---------------------------------------------------------------

@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("stored") / "archive"
    code, err, _ = vanthu(archive, "ingest", "--no-progress", *TEXTS)
    assert code == 0, err
    return archive


@pytest.fixture
def archive(stored, tmp_path) -> Path:
    return Path(shutil.copytree(stored, tmp_path / "archive"))


@pytest.mark.parametrize("point", ["reindex-load@10", "reindex-swap"])
def test_a_killed_reindex_leaves_the_old_index_serving_and_a_rerun_finishes(archive, point):
    code, err, alive = vanthu(archive, "reindex", "--jobs", "2", kill_at=point)
    assert code == -signal.SIGKILL, f"{point} was never reached:\n{err}"
    assert alive == [], f"processes left by the killed reindex: {alive}"
    # Readers never see a half-built index: the old one answers meanwhile.
    code, out, _ = vanthu(archive, "search", "ref:" + _ref_of(archive), "--json")
    assert code == 0
    whole(archive, 20)
    code, err, alive = vanthu(archive, "reindex", "--jobs", "2")  # the lock died with it
    assert code == 0, err
    whole(archive, 20)


def test_a_correction_killed_before_the_index_heard_of_it_is_found_and_repaired(archive):
    doc = json.loads(subprocess.run(VANTHU + ["--archive", str(archive), "show", "--json",
                                              _ref_of(archive)], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout)["id"]
    code, err, alive = vanthu(archive, "correct", doc, "signer=Nguyễn Văn Kiểm", "--by", "lan",
                              kill_at="correct-committed")
    assert code == -signal.SIGKILL and alive == [], err
    code, report, _ = _check(archive)
    assert code == 1
    assert [f["kind"] for f in report["findings"]] == ["index-behind"]
    code, report, _ = _check(archive, "--repair")
    assert code == 0 and [f["repaired"] for f in report["findings"]] == [True]
    whole(archive, 20)
    proc = subprocess.run(VANTHU + ["--archive", str(archive), "search", "--json",
                                    'signer:"nguyen van kiem"'], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert [hit["id"] for hit in json.loads(proc.stdout)["hits"]] == [doc]


def _ref_of(archive: Path) -> str:
    """The number of a stored document that names exactly one."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(archive / "catalog.sqlite3")) as db:
        return db.execute("SELECT ref FROM documents WHERE ref IS NOT NULL GROUP BY ref "
                          "HAVING count(*) = 1 ORDER BY ref LIMIT 1").fetchone()[0]
