"""`vanthu reindex` of a large archive: time and peak memory (prints figures).

    python benchmarks/reindex_bench.py --docs 50000 [--archive DIR] [--engine tantivy]

Fills an archive with directives made of real text (``realtext.py``: vbpl and gazette
paragraphs shuffled into ≈ 10 KB documents, varied issuers, numbers, dates, citations), through
``Archive.store`` as ingest does (fsync, citation resolution and all), unless DIR already
holds that many documents. Then runs ``vanthu reindex`` as a separate process and samples
the resident memory of it and all its worker processes every 50 ms: "peak RSS" is the
largest *sum* over the process tree seen. Not a test: figures depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive.store import Archive  # noqa: E402
from realtext import generate, paragraphs  # noqa: E402


def fill(archive_dir: Path, n: int) -> None:
    with Archive(archive_dir) as archive:
        have = archive.count()
        if have >= n:
            print(f"archive {archive_dir} already holds {have} documents")
            return
        started, done = time.perf_counter(), 0
        for i, record in enumerate(generate(n, paragraphs(archive_dir.parent / "realtext-cache"))):
            if i < have:
                continue
            original = f"{i}\n{record.text}".encode()
            archive.store(record.replace(id=None), original, [record.text], f"gen-{i:06d}.txt")
            done += 1
            if done % 5000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  stored {have + done}/{n} ({rate:.0f} docs/s)", flush=True)
        elapsed = time.perf_counter() - started
        print(f"stored {done} documents in {elapsed:.0f} s ({done / elapsed:.1f} docs/s)")


def tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        pid, ppid = int(entry), int(fields["PPid"])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def reindex(archive_dir: Path, engine: str) -> tuple[float, float]:
    vanthu = Path(sys.executable).with_name("vanthu")
    started = time.perf_counter()
    proc = subprocess.Popen([str(vanthu), "--archive", str(archive_dir), "reindex",
                             "--engine", engine])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.05)
    if proc.returncode:
        raise SystemExit(f"vanthu reindex failed with status {proc.returncode}")
    return time.perf_counter() - started, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--engine", choices=("whoosh", "tantivy"), default="whoosh")
    args = parser.parse_args()
    archive_dir = args.archive or Path(tempfile.mkdtemp(prefix="vanthu-reindex-")) / "archive"
    fill(archive_dir, args.docs)
    seconds, peak_mib = reindex(archive_dir, args.engine)
    print(f"vanthu reindex --engine {args.engine} of {args.docs} documents: {seconds:.0f} s "
          f"({args.docs / seconds:.0f} docs/s), peak RSS of the process tree {peak_mib:.0f} MiB; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
