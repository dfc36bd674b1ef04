"""The web UI write side: uploads and their background jobs, corrections, the review
queue, and the account commands — each on its own copy of a real archive."""
from __future__ import annotations

import io
import re
import time

import pytest
from click.testing import CliRunner
from PIL import Image

from archive.jobs import FAILED, QUEUED, READING, STORED
from archive.record import FieldSource, Record, Source
from archive.settings import Settings
from archive.store import Archive
from search import Index
from vanthu.cli import cli
from vanthu.pipeline import reparse_records

from paths import CONGBAO, SAMPLES, seed_paths
from webui_support import build_archive, copy_archive, csrf_token, login, make_app

SCAN = SAMPLES / "scans" / "pages" / "004_0881eebd51305214-p1.png"
NUMBER_BOX = (583, 445, 954, 501)  # where "1196/UBND-VP" is printed on that scan
DATE_BOX = (1380, 430, 2240, 495)  # "ngày 11 tháng 8 năm 2021"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("webui-base") / "archive"
    return root, build_archive(root, root.parent / "in")


@pytest.fixture
def site(base, tmp_path):
    """A fresh copy of the archive, an app on it, and an archivist's client."""
    root = copy_archive(base[0], tmp_path / "archive")
    app = make_app(root)
    client = app.test_client()
    assert login(client, "lan").status_code == 302
    yield app, client, base[1]
    app.extensions["vanthu"].close()


def text(response) -> str:
    return response.get_data(as_text=True)


def upload(client, files, url="/upload", **kwargs):
    token = csrf_token(client, "/upload")
    data = {"files": [(io.BytesIO(data), name) for name, data in files], "csrf_token": token}
    return client.post(url, data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": token}, **kwargs)


def inbox_files(app) -> list:
    inbox = app.extensions["vanthu"].settings.inbox_dir
    return [p for p in inbox.rglob("*") if p.is_file()] if inbox.exists() else []


# -- uploads --------------------------------------------------------------------------------

NEW_TEXT = next(p for p in seed_paths() if p.name.startswith("002_")).read_text(encoding="utf-8") \
    .replace("100-CV/ĐU", "101-CV/ĐU").replace("Khẩn trương", "Tiếp tục khẩn trương")


def test_an_upload_is_stored_at_once_and_read_in_the_background(site):
    app, client, _ = site
    svc = app.extensions["vanthu"]
    response = upload(client, [("hồ sơ/cv-101.txt", NEW_TEXT.encode())])
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    assert batch_url.startswith("/upload?batch=")
    page = text(client.get(batch_url))
    assert "cv-101.txt" in page and "đang chờ" in page
    assert len(inbox_files(app)) == 1  # kept on disk before the answer

    job = svc.workers.run_once()
    assert job.state == STORED and job.doc_id and job.filename == "cv-101.txt"
    page = text(client.get(batch_url))  # a reload still shows it
    assert "đã lưu" in page and f'href="/d/{job.doc_id}"' in page
    assert inbox_files(app) == []
    found = text(client.get("/?q=tiep+tuc+khan+truong"))  # searchable at once, no accents
    assert f'href="/d/{job.doc_id}"' in found
    assert svc.archive.get(job.doc_id).source.filename == "cv-101.txt"


def test_page_progress_is_recorded_for_each_file(site):
    app, client, _ = site
    pdf = (CONGBAO / "thong-tu-so-01-2023-tt-bldtbxh-38752.pdf").read_bytes()  # < 500 kB: not spooled
    upload(client, [("tt-01-2023.pdf", pdf)])
    job = app.extensions["vanthu"].workers.run_once()
    assert (job.state, job.pages_done, job.pages_total) == (STORED, 3, 3)


def test_a_file_already_stored_is_a_duplicate_with_a_link(site):
    app, client, ids = site
    seed = next(p for p in seed_paths() if p.name.startswith("004_"))
    response = upload(client, [(seed.name, seed.read_bytes())])
    page = text(client.get(response.headers["Location"]))
    assert "đã có trong kho" in page and f'href="/d/{ids["1196/UBND-VP"]}"' in page
    assert app.extensions["vanthu"].jobs.unfinished() == 0 and inbox_files(app) == []


CORRUPT_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (20, 20), 255).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("name,data,reason", [
    ("empty.pdf", b"", "tệp rỗng"),
    ("program.pdf", EXE, "không phải PDF, ảnh quét"),
    ("scan.pdf", _png(), "nội dung là ảnh PNG nhưng tên tệp có đuôi .pdf"),
    ("broken.pdf", CORRUPT_PDF, "PDF hỏng"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "ảnh hỏng"),
])
def test_a_bad_upload_says_why_and_stores_nothing(site, name, data, reason):
    app, client, _ = site
    svc = app.extensions["vanthu"]
    before = svc.archive.count()
    response = upload(client, [(name, data)])
    assert response.status_code == 400
    page = text(response)
    assert name in page and reason in page and "không được lưu" in page
    assert svc.archive.count() == before and svc.jobs.recent() == [] and inbox_files(app) == []


def test_a_bad_file_does_not_stop_the_good_ones(site):
    app, client, _ = site
    response = upload(client, [("broken.pdf", CORRUPT_PDF), ("cv-101.txt", NEW_TEXT.encode())])
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "broken.pdf" in page and "PDF hỏng" in page and "cv-101.txt" in page
    assert [j.filename for j in app.extensions["vanthu"].jobs.recent()] == ["cv-101.txt"]


def test_a_too_big_upload_is_refused(base, tmp_path):
    root = copy_archive(base[0], tmp_path / "archive")
    app = make_app(root, upload_max_bytes=50_000)
    try:
        client = app.test_client()
        login(client, "lan")
        response = upload(client, [("big.txt", ("Số: 1/CV\n" + "x" * 60_000).encode())])
        assert response.status_code == 413
        assert "quá lớn" in text(response) and "Không tệp nào được lưu" in text(response)
        assert app.extensions["vanthu"].jobs.recent() == [] and inbox_files(app) == []
        api = upload(client, [("big.txt", b"x" * 60_000)], url="/api/uploads")
        assert api.status_code == 413 and "quá lớn" in api.get_json()["error"]
    finally:
        app.extensions["vanthu"].close()


def test_upload_and_job_status_through_the_api(site):
    app, client, _ = site
    response = upload(client, [("cv-101.txt", NEW_TEXT.encode()), ("empty.txt", b"")], url="/api/uploads")
    assert response.status_code == 202
    body = response.get_json()
    assert [j["state"] for j in body["jobs"]] == [QUEUED] and "empty.txt: tệp rỗng" in body["refused"][0]
    assert "staged" not in body["jobs"][0]
    app.extensions["vanthu"].workers.run_once()
    jobs = client.get(f"/api/jobs?batch={body['batch']}").get_json()["jobs"]
    assert jobs[0]["state"] == STORED and jobs[0]["doc_id"]
    one = client.get(f"/api/jobs/{jobs[0]['id']}").get_json()
    assert one["doc_id"] == jobs[0]["doc_id"]
    assert client.get("/api/jobs/99999").status_code == 404


def test_a_restart_resumes_unfinished_jobs(base, tmp_path):
    root = copy_archive(base[0], tmp_path / "archive")
    first = make_app(root)
    client = first.test_client()
    login(client, "lan")
    upload(client, [("cv-101.txt", NEW_TEXT.encode()), ("cv-102.txt", (NEW_TEXT + "\nBản thứ hai.").encode())])
    svc = first.extensions["vanthu"]
    claimed = svc.jobs.claim()  # a worker took it, then the server stopped
    assert claimed.state == READING
    svc.close()

    second = make_app(root)
    svc = second.extensions["vanthu"]
    try:
        svc.workers.start()  # what create_app does for `vanthu serve`
        deadline = time.monotonic() + 60
        while svc.jobs.unfinished() and time.monotonic() < deadline:
            time.sleep(0.1)
        jobs = svc.jobs.recent()
        assert [j.state for j in jobs] == [STORED, STORED], jobs
        assert inbox_files(second) == []
    finally:
        svc.close()


def test_a_job_whose_file_vanished_fails_with_a_reason(site):
    app, client, _ = site
    upload(client, [("cv-101.txt", NEW_TEXT.encode())])
    for path in inbox_files(app):
        path.unlink()
    job = app.extensions["vanthu"].workers.run_once()
    assert job.state == FAILED and "cv-101.txt" in job.error


# -- corrections -----------------------------------------------------------------------------

def test_a_correction_is_recorded_shown_searchable_and_kept_across_reparse(site):
    app, client, ids = site
    doc = ids["1196/UBND-VP"]
    token = csrf_token(client, f"/d/{doc}/edit")
    form = text(client.get(f"/d/{doc}/edit"))
    assert 'value="11/08/2021"' in form and 'value="Phạm Tuấn Long"' in form
    response = client.post(f"/d/{doc}/edit", data={
        "csrf_token": token, "date": "12/08/2021", "signer": "Phạm Tuấn Long",
        "parent_issuer": "Ủy ban nhân dân thành phố Hà Nội"})
    assert response.headers["Location"] == f"/d/{doc}"
    page = text(client.get(f"/d/{doc}"))
    assert "12/08/2021" in page and "đính chính bởi <strong>lan</strong>" in page
    assert "trước: 11/08/2021" in page and "Ủy ban nhân dân thành phố Hà Nội" in page
    found = text(client.get("/?q=date:2021-08-12"))
    assert f'href="/d/{doc}"' in found
    svc = app.extensions["vanthu"]
    history = svc.archive.corrections(doc)
    assert {c.field for c in history} == {"date", "parent_issuer"}  # the signer was unchanged
    reparse_records(svc.archive, svc.index, [doc])
    assert svc.archive.get(doc).date == "2021-08-12"


def test_a_bad_correction_says_why_and_changes_nothing(site):
    app, client, ids = site
    doc = ids["1196/UBND-VP"]
    token = csrf_token(client, f"/d/{doc}/edit")
    response = client.post(f"/d/{doc}/edit", data={"csrf_token": token, "date": "31/02/2021"})
    assert response.status_code == 400 and "không đọc được" in text(response)
    response = client.post(f"/d/{doc}/edit", data={"csrf_token": token, "citations": "[{oops"})
    assert response.status_code == 400 and "JSON không hợp lệ" in text(response)
    assert app.extensions["vanthu"].archive.corrections(doc) == []


def test_recipients_are_corrected_one_per_line(site):
    app, client, ids = site
    doc = ids["1196/UBND-VP"]
    token = csrf_token(client, f"/d/{doc}/edit")
    client.post(f"/d/{doc}/edit", data={"csrf_token": token, "recipients": "Văn phòng\r\n\r\nCông an quận"})
    assert app.extensions["vanthu"].archive.get(doc).recipients == ("Văn phòng", "Công an quận")


# -- review ------------------------------------------------------------------------------------

@pytest.fixture
def doubtful(site):
    """The real scan of seed 004 stored with the parser's doubts about its number and date."""
    app, client, _ = site
    svc = app.extensions["vanthu"]
    text_004 = next(p for p in seed_paths() if p.name.startswith("004_")).read_text(encoding="utf-8")
    record = Record(ref="1196/UBND-VP", number="1196", symbol="UBND-VP", doc_type="CV",
                    issuer="Ủy ban nhân dân quận Hoàn Kiếm", date="2021-08-11",
                    needs_review=("number", "date"),
                    fields={"number": FieldSource(41.0, 1, NUMBER_BOX), "date": FieldSource(55.0, 1, DATE_BOX)},
                    source=Source(filename=SCAN.name, pages=1, ocr=True))
    stored = svc.archive.store(record, SCAN, [text_004], SCAN.name)
    svc.index.add(svc.archive.get(stored.id))
    return stored.id


def test_the_review_page_shows_each_field_beside_its_crop(site, doubtful):
    app, client, _ = site
    page = text(client.get("/review"))
    assert f'action="/review/{doubtful}"' in page
    assert f'src="/d/{doubtful}/crop/number.png"' in page and f'src="/d/{doubtful}/crop/date.png"' in page
    assert 'value="1196"' in page and 'value="11/08/2021"' in page and "autofocus" in page
    assert "độ tin cậy OCR 41%" in page
    crop = client.get(f"/d/{doubtful}/crop/number.png")
    image = Image.open(io.BytesIO(crop.data))
    crop.close()
    x0, y0, x1, y1 = NUMBER_BOX
    assert image.size == (x1 - x0 + 48, y1 - y0 + 48)
    assert image.convert("L").getextrema()[0] == 0  # ink: the printed number is in it
    assert client.get(f"/d/{doubtful}/crop/signer.png").status_code == 404
    assert "Duyệt <span class=\"badge\">1</span>" in page


def test_confirming_is_a_correction_and_clears_the_queue(site, doubtful):
    app, client, _ = site
    svc = app.extensions["vanthu"]
    token = csrf_token(client, "/review")
    response = client.post(f"/review/{doubtful}", data={"csrf_token": token, "number": "1196",
                                                         "date": "12/08/2021"})
    assert response.headers["Location"] == "/review"
    assert "Không còn trường nào cần duyệt" in text(client.get("/review"))
    history = {c.field: (c.value, c.who) for c in svc.archive.corrections(doubtful)}
    assert history == {"number": ("1196", "lan"), "date": ("2021-08-12", "lan")}
    page = text(client.get(f"/d/{doubtful}"))
    assert "Trường cần duyệt" not in page and "12/08/2021" in page


# -- accounts from the command line ------------------------------------------------------------

def test_user_commands(tmp_path):
    runner = CliRunner()
    archive = str(tmp_path / "archive")
    result = runner.invoke(cli, ["--archive", archive, "user", "add", "mai", "--role", "archivist"],
                           input="mat-khau-cua-mai\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--archive", archive, "user", "add", "mai"], input="khac-mat-khau\n")
    assert result.exit_code != 0 and "exists" in result.output
    result = runner.invoke(cli, ["--archive", archive, "user", "add", "an"], input="short\n")
    assert result.exit_code != 0 and "at least 8" in result.output
    result = runner.invoke(cli, ["--archive", archive, "user", "list", "--json"])
    assert '"name": "mai"' in result.output and '"role": "archivist"' in result.output
    with Archive(Settings(archive_dir=tmp_path / "archive")) as store:
        from archive.users import Users
        assert Users(store.catalog).authenticate("mai", "mat-khau-cua-mai").role == "archivist"
        assert "mat-khau-cua-mai" not in re.sub(r"\s", "", str(
            store.catalog.query("SELECT * FROM users")[0]["password_hash"]))
    result = runner.invoke(cli, ["--archive", archive, "user", "remove", "mai"])
    assert result.exit_code == 0
    result = runner.invoke(cli, ["--archive", archive, "user", "remove", "mai"])
    assert result.exit_code != 0 and "no user" in result.output


def test_a_removed_account_loses_its_session(site):
    app, client, _ = site
    app.extensions["vanthu"].users.remove("lan")
    assert client.get("/").status_code == 302


def test_an_index_that_needs_rebuilding_is_said_not_hidden(base, tmp_path):
    root = copy_archive(base[0], tmp_path / "archive")
    index = Index(Settings(archive_dir=root).index_dir)
    current = (root / "index" / "CURRENT").read_text().strip()
    index.close()
    meta = root / "index" / current / "vanthu.json"
    meta.write_text(meta.read_text().replace('"schema": ', '"schema": 1000'))
    from archive.errors import VanthuError
    with pytest.raises(VanthuError, match="vanthu reindex"):
        make_app(root)
