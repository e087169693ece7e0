"""The report-pages pipeline, the offline cookie middleware and the polite defaults."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler import cookies as offline_cookies
from crawler import settings as project_settings
from crawler.pipelines import PAGES_FILE, ReportPage, ReportPagesPipeline


def _crawler(**values: Any) -> Any:
    settings = {"REPORT_PAGES_ENABLED": True, "ARCHIVE_ENABLED": True}
    settings.update(values)
    return get_crawler(settings_dict=settings)


def test_report_pages_are_appended_as_json_lines(tmp_path: Path) -> None:
    crawler = _crawler(ARCHIVE_DIR=str(tmp_path))
    crawler.stats.open_spider()
    pipe = ReportPagesPipeline.from_crawler(crawler)
    pipe.open_spider()
    page = ReportPage(url="http://x.gov.cn/nb/t1.html", portal="x", rule="link-text:年度报告")
    assert pipe.process_item(page) is page
    assert pipe.process_item({"other": 1}) == {"other": 1}
    pipe.close_spider()
    lines = (tmp_path / PAGES_FILE).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["url"] for line in lines] == [page.url]
    assert json.loads(lines[0])["rule"] == "link-text:年度报告"
    assert crawler.stats.get_value("report_pages/found") == 1


@pytest.mark.parametrize(
    "values", [{"REPORT_PAGES_ENABLED": False}, {"ARCHIVE_ENABLED": False}, {"ARCHIVE_DIR": ""}]
)
def test_report_pages_pipeline_off(values: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        ReportPagesPipeline.from_crawler(_crawler(**{"ARCHIVE_DIR": str(tmp_path), **values}))


def test_cookie_middleware_never_fetches_the_public_suffix_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from scrapy.downloadermiddlewares import cookies as scrapy_cookies  # noqa: PLC0415

    monkeypatch.setattr(scrapy_cookies, "_split_domain", scrapy_cookies._split_domain)
    mw = offline_cookies.OfflineCookiesMiddleware()
    assert scrapy_cookies._split_domain is offline_cookies.OFFLINE_EXTRACT
    # a cookie for a public suffix is refused, one for the site is kept: both need the PSL
    request = Request("http://www.demo-county.gov.cn/")
    response = Response(
        request.url,
        headers={"Set-Cookie": ["a=1; Domain=gov.cn", "b=2; Domain=demo-county.gov.cn"]},
        request=request,
    )
    mw.process_response(request, response)
    nxt = Request("http://www.demo-county.gov.cn/zwgk/")
    mw.process_request(nxt)
    assert nxt.headers.get("Cookie") == b"b=2"


def test_polite_defaults() -> None:
    s = project_settings
    assert s.ROBOTSTXT_OBEY is True
    assert s.CONCURRENT_REQUESTS_PER_DOMAIN == 1
    assert s.DOWNLOAD_DELAY >= 1
    assert s.DOWNLOAD_DELAY_JITTER > 0
    assert s.AUTOTHROTTLE_ENABLED is True
    assert s.TWISTED_REACTOR == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert s.DOWNLOAD_HANDLERS["http"] == "crawler.capture_handler.WireHttpDownloadHandler"
    assert s.DOWNLOAD_HANDLERS["https"] == "crawler.capture_handler.WireHttpDownloadHandler"
    assert s.EXTENSIONS["crawler.capture.CaptureExtension"]
    assert s.DOWNLOADER_MIDDLEWARES["crawler.cookies.OfflineCookiesMiddleware"]
    assert (
        s.DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.cookies.CookiesMiddleware"] is None
    )
    assert s.ITEM_PIPELINES["crawler.pipelines.ReportPagesPipeline"]


def test_user_agent_names_the_software_and_the_contact() -> None:
    ua = project_settings.user_agent("ops@example.org")
    assert ua.startswith("govcrawl/")
    assert "+ops@example.org" in ua
    assert "+" not in project_settings.user_agent("")


def test_only_codings_the_archive_can_decode_are_offered() -> None:
    import gzip  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    import brotli  # noqa: PLC0415

    from archive.reader import decode_content  # noqa: PLC0415

    encoders = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}
    offered = project_settings.DEFAULT_REQUEST_HEADERS["Accept-Encoding"]
    page = "政府信息公开工作年度报告".encode()
    for coding in (c.strip() for c in offered.split(",")):
        assert coding in encoders, f"{coding} offered but not decodable by the archive"
        assert decode_content(encoders[coding](page), coding) == page
