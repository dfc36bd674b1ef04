"""Load check: concurrent searchers while `vanthu ingest` OCRs a batch of scans (prints figures).

    python benchmarks/search_under_ingest.py [--scans 50] [--searchers 8] [--http]
                                             [--queue redis://...]

1. A real archive: the first ``--base`` of the 503 vbpl texts of ../shared/corpus/vbpl,
   ingested by `vanthu ingest` (an archive left in ``--workdir`` by an earlier run is kept).
2. Quiet phase: ``--searchers`` threads run a mix of queries for ``--quiet`` seconds,
   through the Python API (``vanthu.stores.open_index`` → ``search.Index.search``, one
   Index per thread) or, with ``--http``, as logged-in clients of a real `vanthu serve`
   on 127.0.0.1 (``GET /api/search``, one session and one connection at a time each).
3. Loaded phase: the same threads search while a `vanthu ingest` subprocess stores
   ``--scans`` scanned PDFs (the rendered seed scans, each made a distinct file), with OCR
   on this machine's cores (or on the workers of ``--queue``).

Reported: queries, errors (any exception: there must be none), p50/p95/max latency per
phase, the ingest's wall time and pages/min, and the load average. The searchers and
the OCR share the cores: quote the figures with the load average (the lead re-measures).
Not a test: timings belong here, not in tests/.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("VANTHU_SHARED") or ROOT.parent / "shared")

from archive.settings import Settings  # noqa: E402
from archive.store import Archive  # noqa: E402
from archive.users import Users  # noqa: E402
from ingest.pdf import page_count  # noqa: E402
from vanthu.stores import open_index  # noqa: E402
from webui_bench import serve  # noqa: E402

USER, PASSWORD = "load-bench", "load-bench-password"
QUERIES = [
    "phòng chống dịch", "chan chinh dieu hanh", '"ủy ban nhân dân"', 'issuer:"chính phủ"',
    "type:QĐ date:2021", "cites:68/NQ-CP", "ref:1196/UBND-VP", "bảo hiểm xã hội",
    "nghi dinh huong dan", "thue thu nhap ca nhan", "date:2022-01..2022-06 lao động",
    "hop dong lao dong NOT thử việc", "quyết~ định", "ref:1919-CV/QU",
]


class Searchers:
    """``count`` threads searching in a loop until stopped; latencies and errors per phase."""

    def __init__(self, settings: Settings, count: int, url: str | None = None) -> None:
        self.settings, self.count, self.url = settings, count, url
        self.phase = "quiet"
        self.latencies: dict[str, list[float]] = {"quiet": [], "ingest": []}
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.warm = threading.Barrier(count + 1)
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(count)]

    def start(self) -> None:
        """Start the threads; return once each has run every query once (not measured:
        the first search of an Index opens its files and fills its caches)."""
        for thread in self.threads:
            thread.start()
        self.warm.wait()

    def _run(self, n: int) -> None:
        with (open_index(self.settings) if self.url is None else HttpSearch(self.url)) as index:
            for query in QUERIES:
                index.search(query, limit=20)
            self.warm.wait()
            i = n
            while not self.stop.is_set():
                query = QUERIES[i % len(QUERIES)]
                i += 1
                phase = self.phase
                started = time.perf_counter()
                try:
                    index.search(query, limit=20)
                except Exception as exc:  # noqa: BLE001 - every error counts, whatever its type
                    with self.lock:
                        self.errors.append(f"{query!r}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies[phase].append(elapsed)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


class HttpSearch:
    """A logged-in client of `vanthu serve` with the face of ``Index.search``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(url + "/login").read().decode()
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found is None:
            raise SystemExit(f"{url}/login has no CSRF token")
        form = {"name": USER, "password": PASSWORD, "csrf_token": found.group(1)}
        self.opener.open(url + "/login", data=urllib.parse.urlencode(form).encode()).read()

    def search(self, query: str, limit: int) -> dict:
        address = f"{self.url}/api/search?" + urllib.parse.urlencode({"q": query, "limit": limit})
        with self.opener.open(address, timeout=60) as response:
            return json.loads(response.read())

    def __enter__(self) -> "HttpSearch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.opener.close()


def _serve(archive: Path) -> tuple[subprocess.Popen, str]:
    """`vanthu serve` on a free port of 127.0.0.1, with an account for the searchers."""
    with Archive(archive) as store:
        users = Users(store.catalog)
        if users.get(USER) is None:
            users.add(USER, PASSWORD, "reader")
    return serve(archive, quiet=True)  # waitress logs every queued request


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def _scans(folder: Path, count: int) -> list[Path]:
    """``count`` distinct scanned PDFs: the rendered seeds, each with its own trailing comment
    (PDF readers ignore bytes after %%EOF, so the pages and their OCR are the same)."""
    sources = sorted((ROOT / "samples" / "scans").glob("*.pdf"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(count):
        path = folder / f"scan-{n:03d}.pdf"
        path.write_bytes(sources[n % len(sources)].read_bytes() + f"\n% copy {n}\n".encode())
        out.append(path)
    return out


def _vanthu(archive: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vanthu", "--archive", str(archive), *args]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=int, default=50)
    ap.add_argument("--base", type=int, default=503, help="vbpl texts in the archive before the scans")
    ap.add_argument("--searchers", type=int, default=8)
    ap.add_argument("--quiet", type=float, default=15.0, help="seconds of searching before the ingest")
    ap.add_argument("--queue", default=None, help="OCR on the workers of this queue")
    ap.add_argument("--http", action="store_true", help="search through a running vanthu serve")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vanthu-load-"))
    archive = workdir / "archive"
    settings = Settings(archive_dir=archive)
    started = time.perf_counter()
    texts = sorted((SHARED / "corpus" / "vbpl" / "text").glob("*.txt"))[:args.base]
    subprocess.run(_vanthu(archive, "ingest", "--no-progress", *map(str, texts)), check=True,
                   stdout=subprocess.DEVNULL)
    print(f"base archive: {len(texts)} vbpl texts in {time.perf_counter() - started:.1f} s ({workdir})")
    scans = _scans(workdir / "scans", args.scans)
    pages = sum(page_count(path) for path in scans)

    server, url = _serve(archive) if args.http else (None, None)
    searchers = Searchers(settings, args.searchers, url)
    print(f"load avg before: {os.getloadavg()[0]:.2f}; {args.searchers} searchers, {len(QUERIES)} queries")
    searchers.start()
    time.sleep(args.quiet)
    searchers.phase = "ingest"
    command = _vanthu(archive, "ingest", "--no-progress", *(["--queue", args.queue] if args.queue else []),
                      *map(str, scans))
    started = time.perf_counter()
    ingest = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    load = os.getloadavg()[0]
    searchers.finish()
    if server is not None:
        server.terminate()
        server.wait()

    print(f"ingest of {args.scans} scans ({pages} pages): exit {ingest.returncode}, {seconds:.1f} s, "
          f"{pages / seconds * 60:.1f} pages/min; load avg at its end {load:.2f}")
    if ingest.returncode:
        print(ingest.stderr[-2000:])
    print(f"{'phase':8}{'queries':>9}{'q/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for phase, spent in (("quiet", args.quiet), ("ingest", seconds)):
        values = searchers.latencies[phase]
        if values:
            print(f"{phase:8}{len(values):>9}{len(values) / spent:>8.1f}{_percentile(values, 50):>9.1f}"
                  f"{_percentile(values, 95):>9.1f}{max(values) * 1000:>9.1f}")
    print(f"errors: {len(searchers.errors)}")
    for line in searchers.errors[:10]:
        print(f"  {line}")
    with open_index(settings) as index:
        found = index.search("ref:1919-CV/QU").total
    print(f"after the ingest, ref:1919-CV/QU finds {found} documents (the copies of seed 000)")
    return 1 if searchers.errors or ingest.returncode else 0


if __name__ == "__main__":
    raise SystemExit(main())
