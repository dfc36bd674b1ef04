"""The web UI read side, through Flask's test client on a real archive and index:
who may see what, search, document pages, citation links, the chain, the API, escaping."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from webui_support import SCRIPT, build_archive, csrf_token, login, make_app


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("webui") / "archive"
    ids = build_archive(root, root.parent / "in")
    return root, ids


@pytest.fixture(scope="module")
def app(archive):
    app = make_app(archive[0])
    yield app
    app.extensions["vanthu"].close()


@pytest.fixture(scope="module")
def ids(archive):
    return archive[1]


@pytest.fixture
def reader(app):
    client = app.test_client()
    assert login(client, "binh").status_code == 302
    return client


@pytest.fixture
def archivist(app):
    client = app.test_client()
    assert login(client, "lan").status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


# -- accounts, roles, CSRF, headers ---------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/?q=phong", "/d/{004}", "/d/{004}/chain", "/upload",
                                 "/review", "/d/{004}/edit", "/n/68/NQ-CP", "/d/{004}.json"])
def test_anonymous_is_sent_to_login(app, ids, url):
    url = url.replace("{004}", ids["1196/UBND-VP"])
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", ["/api/search?q=phong", "/api/documents/{004}", "/api/jobs"])
def test_anonymous_api_gets_401_json(app, ids, url):
    response = app.test_client().get(url.replace("{004}", ids["1196/UBND-VP"]))
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["error"]


def test_login_goes_back_to_the_page_asked_for_and_never_off_site(app):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"name": "binh", "password": "binh-doc-2021",
                                           "csrf_token": token, "next": "/?q=phong"})
    assert response.headers["Location"] == "/?q=phong"
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"name": "binh", "password": "binh-doc-2021",
                                           "csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_a_message(app):
    client = app.test_client()
    response = login(client, "binh", "wrong-password")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in text(response)
    assert client.get("/").status_code == 302


def test_login_attempts_are_rate_limited(app):
    client = app.test_client()
    for _ in range(app.extensions["vanthu"].settings.login_max_failures):
        assert login(client, "lan", "guess-guess").status_code == 401
    response = login(client, "lan")  # even the right password, for a while
    assert response.status_code == 429
    assert "quá nhiều lần" in text(response)
    assert client.get("/").status_code == 302
    app.extensions["vanthu"].throttle.succeeded("127.0.0.1", "lan")  # other tests log in as lan


@pytest.mark.parametrize("url,data", [
    ("/login", {"name": "binh", "password": "binh-doc-2021"}),
    ("/logout", {}),
    ("/d/{004}/edit", {"date": "12/08/2021"}),
    ("/review/{004}", {"date": "12/08/2021"}),
    ("/upload", {}),
    ("/api/uploads", {}),
])
def test_a_post_without_csrf_token_is_refused(archivist, ids, url, data):
    doc = ids["1196/UBND-VP"]
    response = archivist.post(url.replace("{004}", doc), data=data)
    assert response.status_code == 400
    assert "CSRF" in text(response)
    assert archivist.get(f"/api/documents/{doc}").get_json()["date"] == "2021-08-11"


def test_the_api_takes_the_token_in_a_header(archivist):
    token = csrf_token(archivist, "/upload")
    response = archivist.post("/api/uploads", headers={"X-CSRFToken": token}, data={})
    assert response.status_code == 400  # no files, but past the CSRF check
    assert "files" in response.get_json()["error"]


@pytest.mark.parametrize("method,url", [
    ("get", "/upload"), ("post", "/upload"), ("get", "/review"), ("post", "/review/{004}"),
    ("get", "/d/{004}/edit"), ("post", "/d/{004}/edit"), ("post", "/api/uploads"),
    ("get", "/api/jobs"), ("get", "/api/jobs/1"),
])
def test_a_reader_may_not_upload_correct_or_review(reader, ids, method, url):
    token = csrf_token(reader, "/")
    response = getattr(reader, method)(url.replace("{004}", ids["1196/UBND-VP"]),
                                       data={"csrf_token": token} if method == "post" else None,
                                       headers={"X-CSRFToken": token})
    assert response.status_code == 403


def test_readers_do_not_see_archivist_links(reader, archivist, ids):
    page = text(reader.get(f"/d/{ids['1196/UBND-VP']}"))
    assert "Đính chính" not in page and 'href="/upload"' not in page
    page = text(archivist.get(f"/d/{ids['1196/UBND-VP']}"))
    assert "Đính chính" in page and 'href="/upload"' in page


def test_logout_ends_the_session(reader):
    token = csrf_token(reader, "/")
    assert reader.post("/logout", data={"csrf_token": token}).status_code == 302
    assert reader.get("/").status_code == 302


def test_security_headers(reader):
    response = reader.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in text(response).replace('<script src="/static/vanthu.js" defer></script>', "")


def test_the_interface_is_vietnamese(reader):
    page = text(reader.get("/"))
    assert '<html lang="vi">' in page
    for label in ("Tìm kiếm", "Cơ quan ban hành", "Loại văn bản", "Người ký", "Từ ngày",
                  "Đến ngày", "Trích dẫn văn bản số", "Đăng xuất"):
        assert label in page


def test_static_files_ship_with_the_package(app):
    client = app.test_client()  # static files need no account
    for name in ("vanthu.css", "vanthu.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and len(response.data) > 1000
        response.close()


# -- search -------------------------------------------------------------------------------

def test_search_without_diacritics_highlights_the_accented_words(reader, ids):
    page = text(reader.get("/?q=chan+chinh+dieu+hanh"))
    assert f'href="/d/{ids["1196/UBND-VP"]}"' in page
    assert "<mark>chấn chỉnh</mark>" in page or "<mark>chấn</mark>" in page
    assert "11/08/2021" in page and "Công văn" in page


def test_empty_search_lists_the_archive_newest_first_with_facets(reader):
    page = text(reader.get("/"))
    assert "Kho có <strong>8</strong> văn bản" in page
    dates = re.findall(r'<span class="date">([^<]+)</span>', page)
    known = [d for d in dates if d != "không rõ"]
    as_iso = [f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in known]
    assert as_iso == sorted(as_iso, reverse=True)
    assert "Năm" in page and "Bộ Lao động - Thương binh và Xã hội" in page


def test_a_facet_narrows_the_search_and_can_be_removed(reader):
    page = text(reader.get("/?q=phong+chong+dich"))
    total = int(re.search(r"Tìm thấy <strong>(\d+)</strong>", page).group(1))
    link = re.search(r'<a href="([^"]+)" >\s*<span class="fv">Quận ủy Hoàn Kiếm</span>', page)
    assert link, "facet link for Quận ủy Hoàn Kiếm"
    href = link.group(1).replace("&amp;", "&").replace("&#34;", '"')
    narrowed = text(reader.get(href))
    assert int(re.search(r"Tìm thấy <strong>(\d+)</strong>", narrowed).group(1)) < total
    assert 'value="phong chong dich issuer:&#34;Quận ủy Hoàn Kiếm&#34;"' in narrowed
    chip = re.search(r'<a class="chip" href="([^"]+)"', narrowed).group(1).replace("&amp;", "&")
    back = text(reader.get(chip))
    assert f"Tìm thấy <strong>{total}</strong>" in back


def test_filters_write_the_query_syntax_into_the_url(reader):
    response = reader.get("/?q=phong&f_issuer=Quận+ủy+Hoàn+Kiếm&f_from=01/07/2021&f_to=31/12/2023"
                          "&f_type=CV&f_cites=835-CV/TU&f_signer=")
    assert response.status_code == 302
    page = reader.get(response.headers["Location"])
    assert 'issuer:&#34;Quận ủy Hoàn Kiếm&#34; type:CV cites:835-CV/TU date:2021-07-01..2023-12-31' \
        in text(page)
    assert "Tìm thấy <strong>1</strong>" in text(page)


def test_sort_by_date(reader):
    page = text(reader.get("/?q=phong&sort=date"))
    assert '<option value="date" selected>' in page
    dates = [d for d in re.findall(r'<span class="date">([^<]+)</span>', page) if d != "không rõ"]
    as_iso = [f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in dates]
    assert as_iso == sorted(as_iso)


def test_pagination(archive):
    app = make_app(archive[0], search_page_size=3)
    try:
        client = app.test_client()
        login(client, "binh")
        first = text(client.get("/?q=phong"))
        assert "Trang 1 / " in first and 'rel="next"' in first
        href = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
        second = text(client.get(href))
        assert "Trang 2 / " in second and 'start="4"' in second
        assert set(re.findall(r'href="/d/(\w+)"', first)).isdisjoint(re.findall(r'href="/d/(\w+)"', second))
    finally:
        app.extensions["vanthu"].close()


def test_zero_hits_suggest_a_spelling(reader):
    page = text(reader.get("/?q=phong+chong+dihc"))
    assert "Không tìm thấy văn bản nào" in page
    assert "Có phải bạn muốn tìm" in page and "phong chong dich" in page


def test_a_malformed_query_is_one_line_next_to_the_box(reader):
    response = reader.get("/?q=issuer:(hoan+kiem")
    page = text(response)
    assert response.status_code == 400
    error = re.search(r'<p class="query-error"[^>]*>([^<]+)</p>', page).group(1)
    assert "\n" not in error.strip() and "parenthesis" in error
    assert "Traceback" not in page and 'value="issuer:(hoan kiem"' in page


# -- the document page -----------------------------------------------------------------

def test_document_page_shows_every_field_and_unknowns(reader, ids):
    page = text(reader.get(f"/d/{ids['1196/UBND-VP']}"))
    for label in ("Số, ký hiệu", "Loại văn bản", "Cơ quan ban hành", "Cơ quan cấp trên",
                  "Địa danh", "Ngày ban hành", "Trích yếu", "Người ký", "Chức vụ người ký", "Nơi nhận"):
        assert f'<th scope="row">{label}</th>' in page
    assert "Phạm Tuấn Long" in page and "11/08/2021" in page
    assert '<span class="unknown">không rõ</span>' in page  # parent issuer is not printed


def test_citations_in_the_text_link_to_the_cited_document_or_a_cites_search(reader, ids):
    page = text(reader.get(f"/d/{ids['01/2025/TT-BLĐTBXH']}"))
    target = ids["20/2023/TT-BLĐTBXH"]
    assert re.search(rf'<a class="cite linked" href="/d/{target}"[^>]*>20/2023/TT-BLĐTBXH</a>', page)
    assert re.search(r'<a class="cite unresolved" href="/\?q=cites:[^"]+"', page)
    assert "Văn bản được trích dẫn" in page and "bãi bỏ" in page


def test_cited_by_lists_the_citing_documents_with_dates(reader, ids):
    page = text(reader.get(f"/d/{ids['20/2023/TT-BLĐTBXH']}"))
    section = page[page.index("Văn bản trích dẫn văn bản này"):]
    assert f'href="/d/{ids["01/2025/TT-BLĐTBXH"]}"' in section and "10/01/2025" in section


def test_copies_are_listed_with_their_own_numbers(reader, ids):
    doc = next(v for k, v in ids.items() if k.startswith("003_"))
    page = text(reader.get(f"/d/{doc}"))
    assert "Bản sao" in page and "49-BS/QU" in page and "Quận ủy Hà Đông" in page


def test_page_images_of_a_pdf_are_rendered_and_cached(reader, ids, archive):
    doc = ids["01/2025/TT-BLĐTBXH"]
    page = text(reader.get(f"/d/{doc}?p=2"))
    assert f'src="/d/{doc}/page/2.png?w=900"' in page and "Trang <span class=\"pageno\">2</span>/4" in page
    response = reader.get(f"/d/{doc}/page/2.png?w=900")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    response.close()
    assert (archive[0] / "cache" / doc / "p2-w900.png").is_file()
    assert reader.get(f"/d/{doc}/page/9.png").status_code == 404
    assert reader.get(f"/d/{doc}/page/1.png?w=5000").status_code == 400
    zoomed = text(reader.get(f"/d/{doc}?p=1&z=1"))
    assert f'src="/d/{doc}/page/1.png?w=1800"' in zoomed and "Thu nhỏ" in zoomed


def test_a_text_document_has_no_page_images(reader, ids):
    page = text(reader.get(f"/d/{ids['1196/UBND-VP']}"))
    assert "page-image" not in page and "Toàn văn" in page


def test_downloads_of_the_original_and_the_record(reader, ids):
    doc = ids["01/2025/TT-BLĐTBXH"]
    response = reader.get(f"/d/{doc}/original")
    assert response.data[:5] == b"%PDF-"
    assert "thong-tu-so-01-2025" in response.headers["Content-Disposition"]
    response.close()
    record = json.loads(reader.get(f"/d/{doc}.json").data)
    assert record["id"] == doc and record["ref"] == "01/2025/TT-BLĐTBXH" and record["corrections"] == []


def test_an_unknown_document_is_404(reader):
    response = reader.get("/d/0123456789abcdef")
    assert response.status_code == 404 and "Không tìm thấy" in text(response)


def test_a_number_only_cited_has_its_own_page(reader, ids):
    page = text(reader.get("/n/01/2023/TT-BLĐTBXH"))
    assert "chưa có trong kho lưu trữ" in page
    assert f'href="/d/{ids["20/2023/TT-BLĐTBXH"]}"' in page
    assert reader.get("/n/9999/XYZ-ABC").status_code == 404
    stored = reader.get("/n/20/2023/TT-BLĐTBXH")  # a stored number goes to its document
    assert stored.headers["Location"] == f"/d/{ids['20/2023/TT-BLĐTBXH']}"


# -- the chain ------------------------------------------------------------------------------

def test_the_chain_draws_both_directions_as_svg(reader, ids):
    page = text(reader.get(f"/d/{ids['20/2023/TT-BLĐTBXH']}/chain"))
    svg = page[page.index("<svg"):page.index("</svg>")]
    for ref in ("20/2023/TT&#45;BLĐTBXH", "01/2025/TT&#45;BLĐTBXH", "01/2023/TT&#45;BLĐTBXH"):
        assert ref.replace("&#45;", "-") in svg or ref in svg
    assert "chưa có trong kho" in svg and "bãi bỏ" in svg and "378 ngày" in svg
    assert 'stroke-dasharray' in svg  # unresolved numbers are dashed


def test_chain_depth_is_chosen_by_the_user(reader, ids):
    doc = ids["01/2025/TT-BLĐTBXH"]
    shallow = json.loads(reader.get(f"/d/{doc}/chain.json?up=1&down=0").data)
    deep = json.loads(reader.get(f"/d/{doc}/chain.json?up=2&down=0").data)
    assert (shallow["up"], deep["up"]) == (1, 2)
    assert "ref:01/TTBLDTBXH" not in {n["key"] for n in shallow["nodes"]}
    assert any(n["ref"] == "01/2023/TT-BLĐTBXH" for n in deep["nodes"])


def test_chain_downloads(reader, ids):
    doc = ids["01/2025/TT-BLĐTBXH"]
    data = json.loads(reader.get(f"/d/{doc}/chain.json").data)
    graphml = ET.fromstring(reader.get(f"/d/{doc}/chain.graphml").data)
    rows = list(csv.DictReader(io.StringIO(reader.get(f"/d/{doc}/chain.csv").data.decode("utf-8-sig"))))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(graphml.findall(f"{ns}graph/{ns}node")) == len(data["nodes"])
    assert len(rows) == len(data["edges"]) == len(graphml.findall(f"{ns}graph/{ns}edge"))
    linked = [r for r in rows if r["status"] == "linked"]
    assert linked[0]["cited_ref"] == "20/2023/TT-BLĐTBXH" and linked[0]["days"] == "378"
    assert reader.get(f"/d/{doc}/chain.pdf").status_code == 404


# -- the API -------------------------------------------------------------------------------

def test_api_search_has_the_interface_shape(reader, ids):
    data = reader.get("/api/search?q=chan+chinh&limit=5").get_json()
    assert {"query", "total", "hits"} <= set(data)
    hit = data["hits"][0]
    assert set(hit) == {"id", "ref", "doc_type", "issuer", "date", "subject", "score", "highlights"}
    assert hit["id"] == ids["1196/UBND-VP"]


def test_api_document_and_chain(reader, ids):
    doc = reader.get(f"/api/documents/{ids['20/2023/TT-BLĐTBXH']}").get_json()
    assert doc["ref"] == "20/2023/TT-BLĐTBXH" and doc["cited_by"][0]["id"] == ids["01/2025/TT-BLĐTBXH"]
    chain = reader.get(f"/api/documents/{ids['20/2023/TT-BLĐTBXH']}/chain?depth=1").get_json()
    assert chain["root"] == ids["20/2023/TT-BLĐTBXH"] and (chain["up"], chain["down"]) == (1, 1)


@pytest.mark.parametrize("url,status", [
    ("/api/search?q=issuer:(", 400), ("/api/search?q=x&limit=1000", 400),
    ("/api/documents/0123456789abcdef", 404), ("/api/documents/0123456789abcdef/chain", 404),
    ("/api/nothing", 404),
])
def test_api_errors_are_json(reader, url, status):
    response = reader.get(url)
    assert response.status_code == status and response.is_json and response.get_json()["error"]


# -- escaping ------------------------------------------------------------------------------

def test_markup_in_a_document_is_shown_as_text_everywhere(archivist, ids):
    doc = ids["evil"]
    shows_subject = ["/?q=chan+chinh", "/?q=xss", f"/d/{doc}", f"/d/{doc}/chain", f"/d/{doc}/edit",
                     f"/d/{ids['1196/UBND-VP']}/chain", "/n/17/CT-UBND"]
    for url in [*shows_subject, f"/d/{ids['1196/UBND-VP']}"]:
        page = text(archivist.get(url))
        assert doc in page, url
        assert SCRIPT not in page and "<img src=x" not in page, url
        assert url not in shows_subject or "&lt;script&gt;" in page, url
    data = archivist.get(f"/api/documents/{doc}").get_json()
    assert SCRIPT in data["subject"]  # the API gives the value, as JSON
