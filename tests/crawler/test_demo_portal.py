"""The embedded demo portal: its pages look like a real county portal, its server like one."""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator

import pytest

from crawler.demo.server import DemoPortal
from crawler.demo.site import NB, SEED_PAGES, SEED_PATHS, ZN, build_site, seed_text


@pytest.fixture(scope="module")
def portal() -> Iterator[DemoPortal]:
    with DemoPortal() as p:
        yield p


def _get(
    portal: DemoPortal, path: str, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_every_seed_is_bundled_and_served_in_cms_chrome() -> None:
    site = build_site()
    assert len(SEED_PAGES) == 5
    for sp in SEED_PAGES:
        page = site[sp.path]
        html = page.body.decode(sp.encoding)
        assert f'<h1 class="title">{sp.title}</h1>' in html
        assert f"发布时间：{sp.date}" in html
        assert "当前位置：" in html
        assert 'class="footer"' in html
        first_line = next(line for line in seed_text(sp.seed).splitlines() if line.strip())
        assert first_line.strip()[:20] in html


def test_one_page_is_gbk_declared_gb2312() -> None:
    gbk = [sp for sp in SEED_PAGES if sp.encoding == "gbk"]
    assert len(gbk) == 1
    page = build_site()[gbk[0].path]
    assert page.content_type == "text/html; charset=gb2312"
    assert b'charset=gb2312"' in page.body
    page.body.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")


def test_report_column_paginates_over_two_listing_pages_trs_style() -> None:
    site = build_site()
    first, second = site[NB + "index.html"].body.decode(), site[NB + "index_1.html"].body.decode()
    assert 'createPageHTML(2, 0, "index", "html")' in first
    assert 'createPageHTML(2, 1, "index", "html")' in second
    listed = [sp for sp in SEED_PAGES if sp.column == NB or NB in sp.also_in]
    for sp in listed:
        assert (sp.title in first) != (sp.title in second)


def test_seed_001_is_one_page_in_the_guide_column() -> None:
    path = SEED_PATHS["001_9910e0f122eeadb7.txt"]
    assert path.startswith(ZN)
    html = build_site()[path].body.decode()
    assert html.count("政府信息公开工作年度报告") >= 8
    assert "政府信息公开指南" in html


def test_navigation_from_home_to_the_report_column(portal: DemoPortal) -> None:
    _, home = _get(portal, "/")
    assert 'href="/zwgk"' in home.decode()
    resp, _ = _get(portal, "/zwgk")
    assert resp.status == 301
    assert resp.getheader("Location") == "/zwgk/"
    _, zwgk = _get(portal, "/zwgk/")
    assert 'href="/zwgk/zfxxgk/">政府信息公开' in zwgk.decode()
    resp, zfxxgk = _get(portal, "/zwgk/zfxxgk/")
    assert f'href="{NB}">政府信息公开年报' in zfxxgk.decode()


def test_gzip_only_when_accepted(portal: DemoPortal) -> None:
    resp, body = _get(portal, "/", {"Accept-Encoding": "gzip, br"})
    assert resp.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == build_site()["/"].body
    resp, body = _get(portal, "/")
    assert resp.getheader("Content-Encoding") is None
    assert body == build_site()["/"].body


def test_chunked_page_and_two_set_cookie_headers(portal: DemoPortal) -> None:
    resp, body = _get(portal, "/zwgk/zfxxgk/")
    assert resp.getheader("Transfer-Encoding") == "chunked"
    assert body == build_site()["/zwgk/zfxxgk/"].body
    resp, _ = _get(portal, "/")
    assert len(resp.headers.get_all("Set-Cookie") or []) == 2


def test_conditional_get_404_and_robots(portal: DemoPortal) -> None:
    resp, _ = _get(portal, NB)
    resp2, body = _get(portal, NB, {"If-Modified-Since": resp.getheader("Last-Modified") or ""})
    assert resp2.status == 304
    assert body == b""
    resp, _ = _get(portal, "/zwgk/zfxxgk/zfxxgkzd/")
    assert resp.status == 404
    resp, body = _get(portal, "/robots.txt")
    assert b"Disallow: /search/" in body


def test_news_section_holds_no_reports() -> None:
    site = build_site()
    for path, page in site.items():
        if path.startswith("/xwzx/"):
            assert "年度报告" not in page.body.decode()
