"""Web UI benchmark: a running ``vanthu serve`` driven over HTTP (prints figures).

    python benchmarks/webui_bench.py --docs 50000 [--archive DIR] [--requests 40]

Fills an archive with directives of real text as benchmarks/reindex_bench.py does (vbpl and
gazette paragraphs shuffled into new documents, varied issuers, numbers, dates and citations,
stored through ``Archive.store``) unless DIR already holds them, builds its index with ``vanthu reindex``
when the index is missing or smaller, then starts ``vanthu serve`` (waitress) on a free
port, logs in, and times whole HTTP requests, one at a time, for

* the search page (server-rendered: 20 hits with highlights, facets), per query class of
  benchmarks/search_bench.py, plus the landing page (no query: the newest 20), and
* the document page of random documents (metadata, citations both ways, the text with
  its citation links),

printing p50 / p95 / max in milliseconds. The first request of each kind warms the
caches and is not counted. Not a test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive.store import Archive  # noqa: E402
from archive.users import Users  # noqa: E402
from realtext import paragraphs  # noqa: E402
from reindex_bench import fill  # noqa: E402
from search import Index  # noqa: E402
from search_bench import queries  # noqa: E402

USER, PASSWORD = "bench", "bench-password"


def ensure_index(archive_dir: Path, n: int) -> None:
    index = Index(archive_dir / "index")
    try:
        have = 0 if index.needs_rebuild() else index.doc_count()
    finally:
        index.close()
    if have >= n:
        print(f"index of {archive_dir} already holds {have} documents")
        return
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("vanthu")), "--archive", str(archive_dir),
                    "reindex"], check=True)
    print(f"reindexed in {time.perf_counter() - started:.0f} s")


def ensure_user(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        users = Users(archive.catalog)
        if users.get(USER) is None:
            users.add(USER, PASSWORD, "archivist")


def serve(archive_dir: Path, quiet: bool = False) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("vanthu")), "--archive",
                             str(archive_dir), "serve", "--port", str(port)],
                            stderr=subprocess.DEVNULL if quiet else None)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("vanthu serve did not start")


def session(url: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"name": USER, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(url + "/login", data=body).read()
    return opener


def timed(opener: urllib.request.OpenerDirector, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        if response.status != 200 or "/login" in response.url:
            raise SystemExit(f"{url}: HTTP {response.status} ({response.url})")
    return (time.perf_counter() - started) * 1000


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"  {name:<22} n={len(ms):4d}  p50 {statistics.median(ms):7.1f}  p95 {p95:7.1f}  "
          f"max {ms[-1]:7.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=40, help="requests per query class")
    args = parser.parse_args()
    archive_dir = args.archive or Path(tempfile.mkdtemp(prefix="vanthu-webui-"))
    fill(archive_dir, args.docs)
    ensure_index(archive_dir, args.docs)
    ensure_user(archive_dir)
    with Archive(archive_dir) as archive:
        ids = archive.ids()
    # the documents fill() generated, so every number and issuer asked for exists
    classes = queries(args.docs, paragraphs(archive_dir.parent / "realtext-cache"))
    classes["browse (no query)"] = [""]  # the landing page: newest first, facets of everything
    proc, url = serve(archive_dir)
    try:
        opener = session(url)
        print(f"\n{len(ids)} documents; load average before: {os.getloadavg()[0]:.2f}")
        print("search page (GET /?q=…, 20 hits, highlights, facets):")
        everything: list[float] = []
        for name, texts in classes.items():
            timed(opener, url + "/?" + urllib.parse.urlencode({"q": texts[0]}))
            ms = [timed(opener, url + "/?" + urllib.parse.urlencode({"q": q}))
                  for q in (texts * 10)[:args.requests]]
            everything += ms
            report(name, ms)
        report("all search classes", everything)
        rnd = random.Random(7)
        timed(opener, f"{url}/d/{ids[0]}")
        docs = [timed(opener, f"{url}/d/{rnd.choice(ids)}") for _ in range(args.requests * 5)]
        print("document page (GET /d/<id>):")
        report("random documents", docs)
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


if __name__ == "__main__":
    main()
