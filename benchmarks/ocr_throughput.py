"""OCR throughput: vanthu's reader pipeline against the bare tesseract CLI, same pages, same run.

    python benchmarks/ocr_throughput.py [--pages 12] [--procs 1 2] [--repeat 1]

Both sides OCR the same rendered A4 300 dpi pages (samples/scans/pages/*.png) with one
tesseract process per page and ``OMP_THREAD_LIMIT=1``:

* raw:      ``tesseract page.png stdout -l vie``, N such processes at a time;
* pipeline: ``ingest.readers.read_many`` with ``Settings(jobs=N)`` — process pool start-up,
            image decoding, word boxes (TSV) and the line rebuilding all included.

Targets: pipeline >= 0.95x raw at the same process count; >= 1.85x from 1 to 2 processes.
Wall-clock rates suffer from other programs on the machine; the CPU seconds per page
(this process + all finished children, from getrusage) do much less, so the table shows
both: "raw/ours CPU" is the per-core efficiency of the pipeline.
The runs alternate (raw, pipeline, raw, pipeline...) so that load from other programs
on the machine hits both sides alike; still, quote figures with the load average.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.settings import Settings  # noqa: E402
from ingest.readers import Document, read_many  # noqa: E402

SCANS = ROOT / "samples" / "scans" / "pages"


def _cpu() -> float:
    """CPU seconds of this process and every finished child (tesseract, pool workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def raw(pages: list[Path], procs: int, lang: str) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(["tesseract", str(page), "stdout", "-l", lang], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    start = time.perf_counter()
    with ThreadPoolExecutor(procs) as pool:
        list(pool.map(one, pages))
    return time.perf_counter() - start


def pipeline(pages: list[Path], procs: int, lang: str) -> float:
    start = time.perf_counter()
    docs = list(read_many(pages, Settings(jobs=procs, ocr_lang=lang), progress=False))
    elapsed = time.perf_counter() - start
    bad = [d for d in docs if not isinstance(d, Document)]
    if bad:
        raise SystemExit(f"pipeline failed: {bad[0]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=12, help="pages in the batch, cycling the rendered ones (default 12)")
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell; the best is kept")
    ap.add_argument("--lang", default="vie")
    args = ap.parse_args()

    available = sorted(SCANS.glob("*.png"))
    # A batch longer than the rendered set repeats it: archivists ingest hundreds of
    # pages at once, and a short batch mostly measures worker start-up.
    pages = [available[i % len(available)] for i in range(args.pages)] if available else []
    if not pages:
        print(f"no pages in {SCANS}; run samples/make_scans.py", file=sys.stderr)
        return 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(pages)} pages (A4, 300 dpi, 1-bit PNG), cpus={os.cpu_count()}, load avg {load:.2f}")
    best: dict[tuple[str, int], float] = {}
    cpu: dict[tuple[str, int], float] = {}
    for _ in range(args.repeat):
        for procs in args.procs:
            for name, run in (("raw", raw), ("pipeline", pipeline)):
                before = _cpu()
                seconds = run(pages, procs, args.lang)
                used = (_cpu() - before) / len(pages)
                key = (name, procs)
                best[key] = min(best.get(key, seconds), seconds)
                cpu[key] = min(cpu.get(key, used), used)
                print(f"  {name:8} procs={procs}: {seconds:6.1f} s wall, {used:.2f} CPU s/page", flush=True)

    def rate(key: tuple[str, int]) -> float:
        return len(pages) / best[key] * 60

    print()
    print(f"{'':10}{'procs':>6}{'seconds':>9}{'pages/min':>11}{'vs raw':>8}{'vs 1 proc':>11}"
          f"{'CPU s/page':>12}{'raw/ours CPU':>14}")
    for name in ("raw", "pipeline"):
        for procs in args.procs:
            key = (name, procs)
            vs_raw = rate(key) / rate(("raw", procs))
            scale = rate(key) / rate((name, args.procs[0]))
            print(f"{name:10}{procs:>6}{best[key]:>9.1f}{rate(key):>11.1f}{vs_raw:>7.2f}x{scale:>10.2f}x"
                  f"{cpu[key]:>12.2f}{cpu[('raw', procs)] / cpu[key]:>13.2f}x")
    print(f"load avg after: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
