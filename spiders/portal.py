"""The portal spider: from a portal's home page, follow links towards report pages.

A deliberately simple, generic rule (platform-specific discovery lives in other spider
modules): follow a link when its text or URL speaks of 政务公开 / 政府信息公开 / 年报 /
年度报告 / 指南, follow TRS-style pagination (``createPageHTML``), and mark a page as a
report candidate when the link that led to it reads like a report or guide title.

Scope: the registrable domains of the start URLs (``crawler.scope.registrable_domain``),
enforced by Scrapy's OffsiteMiddleware through ``allowed_domains``. Every request carries
the ``govcrawl_*`` meta keys of docs/design.md, so each capture records why it was made.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.pipelines import ReportPage
from crawler.scope import registrable_domain

# Link text that leads towards reports (navigation) or names one (candidate).
FOLLOW_TEXT = re.compile(r"政务公开|信息公开|年报|年度报告|公开指南|指南")
FOLLOW_URL = re.compile(r"/(zwgk|xxgk|zfxxgk|gknb|zfxxgknb|zfxxgkzn|xxgkzn|xxgknb)(/|$|_)", re.I)
CANDIDATE_TEXT = re.compile(r"(年度报告|年报|信息公开指南|政务公开指南)")
COLUMN_ONLY = re.compile(r"^(政府)?(信息公开|政务公开)?(工作)?(年度报告|年报|指南)(专栏)?$")
DATE = re.compile(r"(19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}")
# TRS: createPageHTML(page_count, current_index, "index", "html") -> index_1.html ...
TRS_PAGER = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)"
)
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")


@dataclass(frozen=True, slots=True)
class Link:
    """One anchor of a page: absolute URL, visible text, title attribute, listed date."""

    url: str
    text: str
    title: str
    date: str | None


def page_links(response: TextResponse) -> Iterator[Link]:
    """Every followable anchor of the page, with the date its list item shows, if any."""
    for a in response.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        text = " ".join("".join(a.css("::text").getall()).split())
        title = (a.attrib.get("title") or "").strip()
        item_text = " ".join(a.xpath("./ancestor::li[1]//text()").getall())
        date = DATE.search(item_text)
        yield Link(response.urljoin(href), text, title, date.group(0) if date else None)


def trs_pages(response: TextResponse) -> list[str]:
    """URLs of the later pages of a TRS listing (index_1.html ... index_{n-1}.html).

    Only pages after the current one: a crawl enters a listing at its first page, and
    going back would fetch page 0 again under its other name (``index.html`` vs ``./``).
    """
    m = TRS_PAGER.search(response.text)
    if not m:
        return []
    count, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
    return [
        urljoin(response.url, f"{prefix}.{ext}" if n == 0 else f"{prefix}_{n}.{ext}")
        for n in range(count)
        if n > current
    ]


def candidate_rule(link: Link) -> str | None:
    """Why the link's target is a report candidate (None: navigation only)."""
    label = link.title or link.text
    if COLUMN_ONLY.match(label):
        return None
    m = CANDIDATE_TEXT.search(label)
    return f"link-text:{m.group(1)}" if m else None


def follows(link: Link) -> bool:
    """Whether the generic rule follows this link at all."""
    return bool(
        FOLLOW_TEXT.search(link.text)
        or FOLLOW_TEXT.search(link.title)
        or FOLLOW_URL.search(urlsplit(link.url).path)
    )


class PortalSpider(scrapy.Spider):
    """Crawl portals from their start URLs towards 政府信息公开 reports.

    ``scrapy crawl portal -a start_urls=URL[,URL...] [-a portal=NAME]``.
    """

    name = "portal"

    def __init__(
        self,
        start_urls: str | list[str] | tuple[str, ...] = (),
        portal: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        urls = start_urls.split(",") if isinstance(start_urls, str) else list(start_urls)
        self.start_urls = [u.strip() for u in urls if u.strip()]
        if not self.start_urls:
            raise ValueError("the portal spider needs start_urls (comma-separated)")
        self.allowed_domains = sorted({registrable_domain(u) for u in self.start_urls})
        self.portal_name = portal

    def portal_of(self, url: str) -> str:
        """The portal name a start URL belongs to (its registrable domain by default)."""
        return self.portal_name or registrable_domain(url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(
                url,
                callback=self.parse,
                meta={"govcrawl_portal": self.portal_of(url), "govcrawl_hops": ""},
            )

    def parse(self, response: Response) -> Iterator[scrapy.Request | ReportPage]:
        meta = response.meta
        if meta.get("govcrawl_rule"):
            ref = meta.get("govcrawl_capture")
            yield ReportPage(
                url=response.url,
                portal=meta.get("govcrawl_portal"),
                rule=meta["govcrawl_rule"],
                title=meta.get("govcrawl_hint_title"),
                date=meta.get("govcrawl_hint_date"),
                record_id=getattr(ref, "record_id", None),
                status=response.status,
            )
        if not isinstance(response, TextResponse):
            return
        hops = str(meta.get("govcrawl_hops") or "")
        base = {"govcrawl_portal": meta.get("govcrawl_portal"), "govcrawl_via": response.url}
        for url in trs_pages(response):
            yield response.follow(
                url,
                callback=self.parse,
                meta={
                    **base,
                    "govcrawl_hops": hops + "P",
                    "govcrawl_link_text": "createPageHTML",
                },
            )
        for link in page_links(response):
            if not follows(link):
                continue
            rule = candidate_rule(link)
            yield scrapy.Request(
                link.url,
                callback=self.parse,
                meta={
                    **base,
                    "govcrawl_hops": hops + "L",
                    "govcrawl_link_text": link.text or link.title,
                    "govcrawl_rule": rule,
                    "govcrawl_hint_title": (link.title or link.text) if rule else None,
                    "govcrawl_hint_date": link.date if rule else None,
                },
            )
