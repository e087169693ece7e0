"""The portal spider's rule, on pages built in memory (no network, no reactor)."""

from __future__ import annotations

import asyncio

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.demo.site import NB, build_site
from crawler.pipelines import ReportPage
from spiders.portal import Link, PortalSpider, candidate_rule, follows, page_links, trs_pages

BASE = "http://www.demo-county.gov.cn"


def _page(path: str, meta: dict[str, object] | None = None) -> HtmlResponse:
    request = Request(BASE + path, meta=meta or {})
    return HtmlResponse(BASE + path, body=build_site()[path].body, request=request)


def test_scope_is_the_registrable_domains_of_the_start_urls() -> None:
    spider = PortalSpider(start_urls="http://www.demo-county.gov.cn/,https://xxgk.other.gov.cn/a")
    assert spider.allowed_domains == ["demo-county.gov.cn", "other.gov.cn"]
    assert PortalSpider(start_urls=["http://127.0.0.1:8080/"]).allowed_domains == ["127.0.0.1"]


def test_start_urls_are_required() -> None:
    with pytest.raises(ValueError, match="start_urls"):
        PortalSpider(start_urls="")


def test_start_requests_carry_the_portal() -> None:
    spider = PortalSpider(start_urls=BASE + "/", portal="demo")

    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    (request,) = asyncio.run(collect())
    assert request.meta["govcrawl_portal"] == "demo"
    assert request.meta["govcrawl_hops"] == ""


def test_trs_pagination_goes_forward_from_the_current_page() -> None:
    assert trs_pages(_page(NB)) == [BASE + NB + "index_1.html"]
    assert trs_pages(_page(NB + "index_1.html")) == []


def test_listing_links_carry_title_and_date_hints() -> None:
    links = {link.url: link for link in page_links(_page(NB))}
    link = links[BASE + NB + "202101/t20210125_1001.html"]
    assert link.title == "嘉祥县行政审批服务局2020年政府信息公开工作年度报告"
    assert link.date == "2021-01-25"


@pytest.mark.parametrize(
    ("text", "url", "follow", "rule"),
    [
        ("政务公开", "/zwgk", True, None),
        ("政府信息公开年报", "/x/", True, None),  # a column, not a report
        ("某县2023年政府信息公开工作年度报告", "/a/t1.html", True, "link-text:年度报告"),
        ("某局政府信息公开指南", "/a/t2.html", True, "link-text:信息公开指南"),
        ("县召开经济工作会议", "/xwzx/t3.html", False, None),
        ("更多", "/zfxxgk/more/", True, None),  # URL pattern
    ],
)
def test_link_rule(text: str, url: str, follow: bool, rule: str | None) -> None:
    link = Link(BASE + url, text, "", None)
    assert follows(link) is follow
    assert candidate_rule(link) == rule


def test_parse_follows_reports_with_meta_and_skips_news() -> None:
    spider = PortalSpider(start_urls=BASE + "/")
    response = _page(NB, {"govcrawl_portal": "demo", "govcrawl_hops": "LL"})
    out = list(spider.parse(response))
    requests = {r.url: r for r in out if isinstance(r, scrapy.Request)}
    report = requests[BASE + NB + "202101/t20210125_1001.html"]
    assert report.meta["govcrawl_rule"] == "link-text:年度报告"
    assert report.meta["govcrawl_hops"] == "LLL"
    assert report.meta["govcrawl_via"] == BASE + NB
    assert report.meta["govcrawl_portal"] == "demo"
    assert report.meta["govcrawl_hint_date"] == "2021-01-25"
    nxt = requests[BASE + NB + "index_1.html"]
    assert nxt.meta["govcrawl_hops"] == "LLP"
    assert not any("/xwzx/" in url for url in requests)


def test_a_report_candidate_page_becomes_a_report_page_item() -> None:
    spider = PortalSpider(start_urls=BASE + "/")
    path = NB + "202101/t20210125_1001.html"
    meta = {
        "govcrawl_portal": "demo",
        "govcrawl_rule": "link-text:年度报告",
        "govcrawl_hint_title": "t",
        "govcrawl_hint_date": "2021-01-25",
    }
    items = [i for i in spider.parse(_page(path, meta)) if isinstance(i, ReportPage)]
    assert items == [
        ReportPage(
            url=BASE + path,
            portal="demo",
            rule="link-text:年度报告",
            title="t",
            date="2021-01-25",
            record_id=None,
            status=200,
        )
    ]


def test_non_text_responses_are_not_parsed_for_links() -> None:
    spider = PortalSpider(start_urls=BASE + "/")
    request = Request(BASE + "/a.pdf")
    response = scrapy.http.Response(BASE + "/a.pdf", body=b"%PDF-1.4", request=request)
    assert list(spider.parse(response)) == []
    text = TextResponse(BASE + "/x.txt", body=b"plain", encoding="utf-8", request=request)
    assert list(spider.parse(text)) == []
