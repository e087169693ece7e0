"""The portal spider's decisions on pages built in memory (no network, no reactor).

The demo county portal (crawler/demo/site.py) supplies the pages; crawls of whole
simulated portals are in test_simulated_portals.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.settings import Settings

from crawler.demo.site import NB, build_site
from crawler.errors import ConfigError
from crawler.pipelines import ReportPage
from crawler.portals import Politeness, Portal
from spiders.portal import PortalSpider

BASE = "http://www.demo-county.gov.cn"


def _page(path: str, meta: dict[str, object] | None = None) -> HtmlResponse:
    request = Request(BASE + path, meta=meta or {})
    return HtmlResponse(BASE + path, body=build_site()[path].body, request=request)


def test_scope_is_the_registrable_domains_of_the_start_urls() -> None:
    spider = PortalSpider(start_urls="http://www.demo-county.gov.cn/,https://xxgk.other.gov.cn/a")
    assert spider.allowed_domains == ["demo-county.gov.cn", "other.gov.cn"]
    assert PortalSpider(start_urls=["http://127.0.0.1:8080/"]).allowed_domains == ["127.0.0.1"]


def test_start_urls_are_required() -> None:
    with pytest.raises(ConfigError, match="no start URL"):
        PortalSpider(start_urls="")


def test_start_requests_carry_the_portal() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")

    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    (request,) = asyncio.run(collect())
    assert request.meta["govcrawl_portal"] == "demo"
    assert request.meta["govcrawl_hops"] == ""


def test_listing_yields_candidates_with_meta_and_pages_but_no_news() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")
    response = _page(NB, {"govcrawl_portal": "demo", "govcrawl_hops": "LL"})
    requests = {r.url: r for r in spider.parse(response) if isinstance(r, scrapy.Request)}
    report = requests[BASE + NB + "202101/t20210125_1001.html"]
    assert report.meta["govcrawl_rule"] == "title:annual_report"
    assert report.meta["govcrawl_hops"] == "LLL"
    assert report.meta["govcrawl_via"] == BASE + NB
    assert report.meta["govcrawl_portal"] == "demo"
    assert (
        report.meta["govcrawl_hint_title"] == "嘉祥县行政审批服务局2020年政府信息公开工作年度报告"
    )
    assert report.meta["govcrawl_hint_date"] == "2021-01-25"
    assert report.callback == spider.parse_report
    nxt = requests[BASE + NB + "index_1.html"]
    assert nxt.meta["govcrawl_hops"] == "LLP"
    assert not any("/xwzx/" in url for url in requests)


def test_a_report_candidate_page_becomes_a_report_page_item() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")
    path = NB + "202101/t20210125_1001.html"
    meta = {
        "govcrawl_portal": "demo",
        "govcrawl_rule": "title:annual_report",
        "govcrawl_hint_title": "t",
        "govcrawl_hint_date": "2021-01-25",
        "discovery_kind": "annual_report",
    }
    items = [i for i in spider.parse_report(_page(path, meta)) if isinstance(i, ReportPage)]
    assert items == [
        ReportPage(
            url=BASE + path,
            portal="demo",
            rule="title:annual_report",
            title="t",
            date="2021-01-25",
            record_id=None,
            status=200,
        )
    ]


def test_non_text_responses_are_not_parsed_for_links() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")
    request = Request(BASE + "/a.pdf", meta={"govcrawl_portal": "demo"})
    response = scrapy.http.Response(BASE + "/a.pdf", body=b"%PDF-1.4", request=request)
    assert list(spider.parse(response)) == []
    text = TextResponse(BASE + "/x.txt", body=b"plain", encoding="utf-8", request=request)
    assert [r for r in spider.parse(text) if isinstance(r, scrapy.Request)] == []


def test_portals_file_sets_scopes_and_per_portal_politeness(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(
        '[[portal]]\nname = "a"\nstart_urls = ["http://www.a.gov.cn/"]\n'
        "[portal.politeness]\nrobots_obey = false\npage_budget = 40\ndownload_delay = 5\n"
        '[[portal]]\nname = "b"\nstart_urls = ["http://www.b.gov.cn/xxgk/"]\n',
        encoding="utf-8",
    )
    spider = PortalSpider(portals=str(path))
    assert spider.portal_domains == {"a": ["a.gov.cn"], "b": ["b.gov.cn"]}
    assert spider.robots_override == {"a"}
    assert spider.portal_page_budgets == {"a": 40}
    assert spider.start_urls == ["http://www.a.gov.cn/", "http://www.b.gov.cn/xxgk/"]


def test_out_of_scope_and_unfollowable_links_are_never_requested() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")
    body = (
        "<html><body><a href='http://www.other.gov.cn/zfxxgk/'>政府信息公开</a>"
        "<a href='javascript:void(0)'>政府信息公开年报</a>"
        "<a href='mailto:a@demo-county.gov.cn'>政务公开</a>"
        "<a href='/zwgk/'>政务公开</a></body></html>"
    ).encode()
    request = Request(BASE + "/", meta={"govcrawl_portal": "demo"})
    response = HtmlResponse(BASE + "/", body=body, request=request)
    urls = [r.url for r in spider.parse(response) if isinstance(r, scrapy.Request)]
    assert urls == [BASE + "/zwgk/"]


def test_per_portal_delay_becomes_a_download_slot(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(
        '[[portal]]\nname = "a"\nstart_urls = ["http://www.a.gov.cn/"]\n'
        "[portal.politeness]\ndownload_delay = 7.5\nconcurrent_requests_per_host = 1\n",
        encoding="utf-8",
    )
    crawler = Crawler(PortalSpider, Settings({"DOWNLOAD_SLOTS": {}}))
    PortalSpider.from_crawler(crawler, portals=str(path))
    assert crawler.settings.getdict("DOWNLOAD_SLOTS") == {
        "www.a.gov.cn": {"delay": 7.5, "concurrency": 1}
    }


def test_per_portal_depth_limit_stops_following() -> None:
    portal = Portal(
        "demo",
        (BASE + "/",),
        frozenset({"demo-county.gov.cn"}),
        politeness=Politeness(depth_limit=2),
    )
    spider = PortalSpider(portal_list=[portal])
    shallow = _page(NB, {"govcrawl_portal": "demo", "depth": 0})
    deep = _page(NB, {"govcrawl_portal": "demo", "depth": 2})
    follow = [r for r in spider.parse(shallow) if isinstance(r, scrapy.Request)]
    assert follow
    spider = PortalSpider(portal_list=[portal])
    # At the limit, report candidates listed on the page are still fetched (they are the
    # point of the crawl) but no further navigation or pagination is.
    deep_urls = [r.url for r in spider.parse(deep) if isinstance(r, scrapy.Request)]
    assert BASE + NB + "index_1.html" not in deep_urls


JS_COLUMN = (
    b"<html><body><h2>\xe5\xb9\xb4\xe6\x8a\xa5</h2><ul id='report-list'></ul>"
    b"<script src='/static/list.js'></script></body></html>"
)


def _render_requests(rendering: str) -> list[scrapy.Request]:
    portal = Portal(
        "demo",
        (BASE + "/",),
        frozenset({"demo-county.gov.cn"}),
        rendering=rendering,  # type: ignore[arg-type]
    )
    spider = PortalSpider(portal_list=[portal])
    meta = {"govcrawl_portal": "demo", "discovery_context": "report", "govcrawl_capture": "raw"}
    response = HtmlResponse(BASE + "/xxgk/ndbg/", body=JS_COLUMN, request=Request(BASE, meta=meta))
    return [
        r
        for r in spider.parse(response)
        if isinstance(r, scrapy.Request) and r.meta.get("playwright")
    ]


def test_rendering_auto_renders_a_script_only_report_column_once() -> None:
    (render,) = _render_requests("auto")
    assert render.url == BASE + "/xxgk/ndbg/"
    assert render.meta["govcrawl_raw_capture"] == "raw"  # the snapshot will refer to it
    assert render.meta["govcrawl_hops"].endswith("B")


def test_rendering_never_and_always() -> None:
    assert _render_requests("never") == []
    # "always" fetches pages through the browser in the first place: nothing to re-render.
    assert _render_requests("always") == []
    portal = Portal("demo", (BASE + "/",), frozenset({"demo-county.gov.cn"}), rendering="always")
    spider = PortalSpider(portal_list=[portal])

    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    (start,) = asyncio.run(collect())
    assert start.meta["playwright"] is True


def test_shortfalls_are_logged_when_the_spider_closes(caplog: pytest.LogCaptureFixture) -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")
    assert spider.tally.column("demo", BASE + NB, 5, [BASE + NB + "a.html"]) == 1
    assert spider.tally.column("demo", BASE + NB, None, [BASE + NB + "a.html"]) == 0
    spider.tally.column("demo", BASE + "/zn/", 1, [BASE + "/zn/b.html"])
    with caplog.at_level("WARNING"):
        spider.closed("finished")
    assert f"column {BASE + NB} declares 5 records, 1 found" in caplog.text
    assert "/zn/" not in caplog.text
