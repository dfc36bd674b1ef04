"""Ingest throughput on real text (issue 8): prints figures, asserts nothing.

    python benchmarks/ingest_bench.py [--engines whoosh tantivy] [--late-docs 50000]
                                      [--workdir DIR] [--skip-bulk] [--skip-stages]

* **bulk**: ``vanthu ingest`` of the 503 vbpl texts into a new archive, as a user runs it (a
  separate process, progress off): documents/s end to end, per engine.
* **stages**: where one document's time goes, the stages run one after another in this
  process (read = check + hash + decode; normalize; parse; store = a batch of 100's group
  commit, per document; index = its sync, per document), per engine.
* **late**: one real text document ingested (``vanthu ingest FILE``, a process: interpreter
  start included, and :func:`vanthu.pipeline.ingest_files` in this process) into an archive
  of ``--late-docs`` directives of real text (``realtext.py``), per engine. The archive is
  filled once with ``Archive.store_batch`` and indexed with ``vanthu reindex``; it is kept
  in ``--workdir`` for the next run.

The machine's load average (``uptime``) is printed with the figures: other work on the
cores moves them.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from archive.settings import Settings  # noqa: E402
from archive.store import Archive  # noqa: E402
from archive.vntext import normalize  # noqa: E402
from ingest.documents import record_of  # noqa: E402
from ingest.readers import read  # noqa: E402
from paths import VBPL  # noqa: E402
from realtext import generate, paragraphs  # noqa: E402
from vanthu.pipeline import ingest_files  # noqa: E402
from vanthu.stores import open_index  # noqa: E402

VANTHU = [sys.executable, "-m", "vanthu"]
TEXTS = VBPL / "text"


def load() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def vanthu(archive: Path, engine: str, *args: object) -> float:
    """Run a vanthu command; its wall time in seconds."""
    env = {**os.environ, "VANTHU_SEARCH_ENGINE": engine}
    started = time.perf_counter()
    subprocess.run(VANTHU + ["--archive", str(archive), *map(str, args)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def bulk(workdir: Path, engine: str) -> None:
    archive = workdir / f"bulk-{engine}"
    shutil.rmtree(archive, ignore_errors=True)
    files = sorted(TEXTS.glob("*.txt"))
    elapsed = vanthu(archive, engine, "ingest", "--no-progress", TEXTS)
    with Archive(archive) as store:
        count = store.count()
    print(f"bulk  {engine:8} {count} of {len(files)} vbpl texts stored in {elapsed:.1f} s: "
          f"{count / elapsed:.1f} documents/s end to end   (load {load()})", flush=True)
    shutil.rmtree(archive, ignore_errors=True)


def stages(workdir: Path, engine: str) -> None:
    archive_dir = workdir / f"stages-{engine}"
    shutil.rmtree(archive_dir, ignore_errors=True)
    settings = Settings(archive_dir=archive_dir, search_engine=engine)
    spent = dict.fromkeys(["read", "normalize", "parse", "store", "index"], 0.0)
    files = sorted(TEXTS.glob("*.txt"))

    def clock(stage: str, started: float) -> float:
        now = time.perf_counter()
        spent[stage] += now - started
        return now

    with Archive(archive_dir) as archive, open_index(settings, create=True) as index:
        batch = archive.store_batch()
        for n, path in enumerate(files, 1):
            t = time.perf_counter()
            document = read(path, settings)  # read + normalize
            t = clock("read", t)
            for page in document.pages:
                normalize(page.text)  # again, alone: its share of "read"
            t = clock("normalize", t)
            record = record_of(document, settings)
            t = clock("parse", t)
            batch.add(record, path, [p.text for p in document.pages], path.name)
            if n % 100 == 0 or n == len(files):
                t = clock("store", t)
                batch.commit()
                t = clock("store", t)
                index.sync(archive)
                clock("index", t)
            else:
                clock("store", t)
        batch.discard()
    spent["read"] -= spent["normalize"]
    total = sum(spent.values())
    shares = "  ".join(f"{k} {1000 * v / len(files):.1f}" for k, v in spent.items())
    print(f"stages {engine:8} ms/document, one core: {shares}  = {1000 * total / len(files):.1f}"
          f" ({len(files) / total:.1f} documents/s)   (load {load()})", flush=True)
    shutil.rmtree(archive_dir, ignore_errors=True)


def fill(archive_dir: Path, n: int, engine: str) -> None:
    with Archive(archive_dir) as archive:
        have = archive.count()
        if have < n:
            started = time.perf_counter()
            pool = paragraphs(archive_dir.parent / "realtext-cache")
            batch = archive.store_batch()
            for i, record in enumerate(generate(n, pool)):
                if i < have:
                    continue
                original = f"{i}\n{record.text}".encode()
                batch.add(record.replace(id=None), original, [record.text], f"gen-{i:06d}.txt")
                if len(batch) >= 500:
                    batch.commit()
                if (i + 1) % 5000 == 0:
                    print(f"  {i + 1}/{n} ({(i + 1 - have) / (time.perf_counter() - started):.0f}"
                          " documents/s)", flush=True)
            batch.commit()
            print(f"filled {archive_dir} with {n - have} documents in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    marker = archive_dir / f".bench-indexed-{engine}-{n}"
    if not marker.exists():
        elapsed = vanthu(archive_dir, engine, "reindex", "--engine", engine)
        print(f"reindexed {n} documents with {engine} in {elapsed:.0f} s", flush=True)
        for old in archive_dir.glob(".bench-indexed-*"):
            old.unlink()
        marker.touch()


def late(workdir: Path, engine: str, n: int) -> None:
    archive_dir = workdir / f"late-{n}"
    fill(archive_dir, n, engine)
    late_files = sorted(TEXTS.glob("*.txt"))[-2:]  # real vbpl texts, not in the archive
    copies = []
    for k, path in enumerate(late_files):  # fresh bytes each run: really new documents
        copy = workdir / f"late-{time.time_ns()}-{k}.txt"
        copy.write_text(path.read_text(encoding="utf-8") + f"\n{copy.name}\n", encoding="utf-8")
        copies.append(copy)
    elapsed = vanthu(archive_dir, engine, "ingest", "--no-progress", copies[0])
    settings = Settings(archive_dir=archive_dir, search_engine=engine)
    with Archive(archive_dir) as archive, open_index(settings) as index:
        started = time.perf_counter()
        outcomes = list(ingest_files([copies[1]], archive, index, settings, progress=False))
        in_process = time.perf_counter() - started
        count = archive.count()
    assert outcomes[0].created, outcomes
    print(f"late  {engine:8} one text document into {count - 2} documents: "
          f"`vanthu ingest FILE` {elapsed:.2f} s, ingest_files {in_process:.2f} s   "
          f"(load {load()})", flush=True)
    for copy in copies:
        copy.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engines", nargs="+", default=["whoosh", "tantivy"])
    ap.add_argument("--late-docs", type=int, default=50000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--skip-bulk", action="store_true")
    ap.add_argument("--skip-stages", action="store_true")
    ap.add_argument("--skip-late", action="store_true")
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"workdir {workdir}, {os.cpu_count()} cores", flush=True)
    for engine in args.engines:
        if not args.skip_bulk:
            bulk(workdir, engine)
        if not args.skip_stages:
            stages(workdir, engine)
        if not args.skip_late:
            late(workdir, engine, args.late_docs)


if __name__ == "__main__":
    main()
