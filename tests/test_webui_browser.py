"""The web UI in a real browser: Debian's chromium driven by Playwright against a real
``vanthu serve`` (waitress) on a free port. One archivist's session, as in an office:
log in, upload a rendered scan, watch it reach "stored", find it typed without accents,
open it, follow a citation, open the chain, narrow by a facet and go back.

Screenshots of each main page at 1280 and 800 px go to ``test-output/screenshots/``.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from archive.record import FieldSource, Record, Source
from archive.settings import Settings
from paths import ROOT, SAMPLES, seed_paths
from vanthu.stores import open_stores
from webui_support import PASSWORDS, build_archive

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCAN = SAMPLES / "scans" / "pages" / "004_0881eebd51305214-p1.png"
DOUBTFUL = SAMPLES / "scans" / "pages" / "000_e7dc2de3e10d718d-p1.png"
SHOTS = ROOT / "test-output" / "screenshots"
VANTHU = Path(sys.executable).with_name("vanthu")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(archive: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "VANTHU_ARCHIVE": str(archive)}
    with log.open("a") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([str(VANTHU), "serve", "--port", str(port), "--threads", "4"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"vanthu serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"vanthu serve did not answer: {log.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops it: the server must close and exit 0."""
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("vanthu serve did not stop on SIGTERM") from None
    assert code == 0, f"vanthu serve exited with {code}"


def store_doubtful(root: Path) -> None:
    """The scan of seed 000, with the parser's doubts about its number and issuer (boxes
    where they are printed on the page)."""
    settings = Settings(archive_dir=root, jobs=1)
    text = next(p for p in seed_paths() if p.name.startswith("000_")).read_text(encoding="utf-8")
    record = Record(ref="1919-CV/QU", number="1919", symbol="CV/QU", doc_type="CV",
                    issuer="Quận ủy Hoàn Kiếm", date="2023-08-25", needs_review=("number", "issuer"),
                    fields={"number": FieldSource(52.0, 1, (606, 519, 903, 574)),
                            "issuer": FieldSource(76.0, 1, (415, 318, 1012, 392))},
                    source=Source(filename=DOUBTFUL.name, pages=1, ocr=True))
    with open_stores(settings) as (archive, index):
        stored = archive.store(record, DOUBTFUL, [text], DOUBTFUL.name)
        index.add(archive.get(stored.id))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "archive"
    # The scan of seed 004 is uploaded by the test; seed 004's text stays out of the archive.
    ids = build_archive(root, root.parent / "in", skip=("004_",))
    store_doubtful(root)
    proc, url = start_server(root, root.parent / "serve.log")
    yield url, ids
    stop_server(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile every run
            executable_path=CHROMIUM, headless=True, args=ARGS, locale="vi-VN",
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@pytest.fixture(scope="module")
def page(browser, server):
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    page.close()


def shoot(page, name: str) -> None:
    """Screenshots at 1280 and 800 px wide, back at 1280 after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        # no part of the page may be wider than the window (a broken layout)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_archivists_day(page, server):
    url, ids = server
    page.goto(url + "/")
    assert "/login" in page.url
    shoot(page, "login")
    page.fill("#name", "lan")
    page.fill("#password", PASSWORDS["lan"])
    page.click("button.primary")
    page.wait_for_url(url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"

    # Upload a rendered scan; the page follows it to "stored" without a reload.
    page.goto(url + "/upload")
    page.set_input_files("#files", str(SCAN))
    page.click("#upload-form button.primary")
    page.wait_for_url(re.compile(r".*/upload\?batch=\w+"))
    row = page.locator("tr.job", has_text=SCAN.name)
    row.wait_for()
    page.locator("tr.job.stored", has_text=SCAN.name).wait_for(timeout=180_000)
    shoot(page, "upload")
    page.reload()  # the state survives a reload
    stored = page.locator("tr.job.stored", has_text=SCAN.name)
    assert stored.count() == 1
    doc_href = stored.locator("a").get_attribute("href")

    # Search for it typed without diacritics; the accented words are highlighted.
    page.goto(url + "/")
    page.fill("#q", "chan chinh dieu hanh phong chong dich")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*q=chan"))
    hit = page.locator(f"li.hit a.ref[href='{doc_href}']")
    assert hit.count() == 1
    marks = {m.lower() for m in hit.locator("xpath=ancestor::li").locator("mark").all_inner_texts()}
    assert marks & {"chấn chỉnh", "chấn", "điều hành", "phòng, chống dịch", "phòng"}, marks
    shoot(page, "search")

    # Open it: the scan is shown beside the text; another page is a click away.
    hit.click()
    page.wait_for_url(url + doc_href)
    assert page.locator("h1").inner_text() == "1196/UBND-VP"
    image = page.locator("img.page-image")
    image.wait_for()
    assert page.evaluate("el => el.complete && el.naturalWidth", image.element_handle()) == 900
    shoot(page, "document")

    # It is cited by 1197/UBND-VP: go there, then follow its citation back.
    page.click(f"a[href='/d/{ids['evil']}']")
    page.wait_for_url(url + f"/d/{ids['evil']}")
    assert "<script>" in page.locator("h1 + .doc-subject").inner_text()  # shown as text
    page.click(f".doctext a.cite.linked[href='{doc_href}']")
    page.wait_for_url(url + doc_href)

    # The chain: the uploaded document, who cites it, and what it cites (not stored: dashed).
    page.click("text=Chuỗi trích dẫn")
    page.wait_for_url(re.compile(r".*/chain$"))
    labels = page.locator("#graph svg g.node text").all_text_contents()
    assert "1196/UBND-VP" in " ".join(labels) and "1197/UBND-VP" in " ".join(labels)
    assert "17/CT-UBND" in " ".join(labels)
    assert page.locator("#graph svg g.node.placeholder").count() >= 2
    page.hover("#graph svg g.node.root")
    assert page.locator("#graph.focus").count() == 1  # hovering shows a node's own links
    shoot(page, "chain")

    # A facet narrows the search, and Back brings the wider one back.
    page.goto(url + "/?q=phong+chong+dich")
    before = page.locator("li.hit").count()
    page.click(".facet li a:has-text('2021')")
    page.wait_for_url(re.compile(r".*date(%3A|:)2021.*"))
    assert page.locator("li.hit").count() < before
    assert "date:2021" in page.input_value("#q")
    page.go_back()
    page.wait_for_url(re.compile(r".*q=phong\+chong\+dich$"))
    assert page.locator("li.hit").count() == before

    # The filters write the syntax into the box as they are filled.
    page.click("#filters summary")
    page.fill("#f_issuer", "Quận ủy Hà Đông")
    page.press("#f_issuer", "Tab")
    assert page.input_value("#q") == 'phong chong dich issuer:"Quận ủy Hà Đông"'
    shoot(page, "filters")

    # Correcting and reviewing pages render at both widths.
    page.goto(url + doc_href + "/edit")
    shoot(page, "edit")
    page.goto(url + "/review")
    assert page.locator(".review-item img").count() == 2
    assert page.evaluate("document.activeElement.name") == "number"  # ready to type
    shoot(page, "review")
    page.keyboard.press("Tab")
    page.keyboard.type(" (đã kiểm tra)")
    # The form posts back to /review: wait for that navigation, not for a URL it already has.
    with page.expect_navigation(url=url + "/review"):
        page.keyboard.press("Enter")  # confirms the document
    assert "Không còn trường nào cần duyệt" in page.inner_text("main")
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_first_start_makes_an_archivist_with_a_printed_password(tmp_path, browser):
    log = tmp_path / "serve.log"
    proc, url = start_server(tmp_path / "empty", log)
    try:
        match = re.search(r"tên đăng nhập: (\S+)\s+mật khẩu:\s+(\S+)", log.read_text())
        assert match, log.read_text()
        page = browser.new_page()
        page.goto(url + "/login")
        page.fill("#name", match.group(1))
        page.fill("#password", match.group(2))
        page.click("button.primary")
        page.wait_for_url(url + "/")
        assert "lưu trữ viên" in page.locator(".account").inner_text()
        page.close()
    finally:
        stop_server(proc)
    again = tmp_path / "serve-again.log"
    proc, _ = start_server(tmp_path / "empty", again)  # not on the next start
    stop_server(proc)
    assert "mật khẩu" not in again.read_text() and "http://127.0.0.1:" in again.read_text()
