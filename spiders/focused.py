"""The focused portal spider: from home pages or report columns to every report, and no further.

Per fetched page the spider asks the platform parsers (spiders/platforms) what the page
lists and classifies every listed title (spiders/classify):

- report and guide candidates are fetched, then their attachments (PDF, DOC(X), WPS,
  XLS, OFD, images) with the report page as ``govcrawl_via``;
- listing pages of report columns are paginated (static pages, Hanweb ``dataproxy.jsp``,
  JSON list APIs); other listings are not;
- navigation links are scored; only links towards disclosure portals, report columns,
  by-year and by-unit sub-columns are followed, never news, services or search, and only
  within ``NAV_DEPTH`` navigation hops without progress;
- a report column whose static HTML yields no candidate but carries script-driven list
  markers is rendered once in the browser (crawler/browser.py), unless the portal says
  ``rendering = "never"``; ``"always"`` renders every listing.

Every request carries the ``govcrawl_*`` meta keys of docs/design.md; the spider's own
bookkeeping keys start with ``discovery_``. Scope is checked before any request is made
(and again, redirects included, by crawler.middlewares.scope). Per-portal counters go to
the ``discovery/<portal>/...`` stats (spiders/tally.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal, cast
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import html as lxml_html
from scrapy.crawler import Crawler
from scrapy.http import FormRequest, Response, TextResponse

from crawler.browser import render_meta
from crawler.pipelines import ReportPage
from crawler.portals import Portal, load_portals, portal_from_urls
from crawler.scope import in_scope
from spiders.attachments import attachments, content_images
from spiders.classify import (
    FOLLOW_FROM_HOME,
    FOLLOW_IN_PORTAL,
    SCORE_YEAR_COLUMN,
    classify_column_member,
    classify_title,
    classify_truncated,
    is_pagination,
    is_report_column,
    nav_score,
    repeats_segment,
    title_year,
    year_only,
)
from spiders.model import Anchor, Listing, ListItem, PageRequest, Platform
from spiders.platforms import parse_api, parse_page
from spiders.platforms.common import ARTICLE_URL
from spiders.tally import DiscoveryTally
from spiders.urls import extract_anchors, parse_html

Context = Literal["home", "portal", "report"]
NAV_DEPTH = 5  # navigation hops allowed without reaching a report column
MAX_COLUMN_PAGES = 200  # listing pages followed per column (generic "next" links)
LISTING_MIN_REPORTS = 3  # a "report" page listing this many report titles is a column
ROLE = "discovery_role"
CONTEXT = "discovery_context"
NAV = "discovery_nav_depth"
COLUMN = "discovery_column"
PLATFORM = "discovery_platform"
FORM = "discovery_formdata"
SIZE_KNOWN = "discovery_size_known"
RENDERED = "discovery_rendered"
KIND = "discovery_kind"
YEAR = "discovery_year"  # the report year: from the title, else the by-year column
# Scheduler priorities: what is closest to a report goes first, so that a page budget or an
# interrupted crawl loses navigation, not reports.
PRIORITY_REPORT = 30
PRIORITY_ATTACHMENT = 25
PRIORITY_LISTING = 20
PRIORITY_REPORT_COLUMN = 10
PRIORITY_NAV = 0


class FocusedSpider(scrapy.Spider):
    """Crawl portals towards their 政府信息公开 reports and guides (see module docstring).

    ``scrapy crawl focused -a portals=FILE`` or ``-a start_urls=URL[,URL...] [-a portal=NAME]``;
    programmatic callers may pass ``portal_list=[Portal, ...]``.
    """

    name = "focused"

    def __init__(
        self,
        portals: str | None = None,
        start_urls: str | list[str] | tuple[str, ...] = (),
        portal: str | None = None,
        portal_list: list[Portal] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if portal_list:
            chosen = list(portal_list)
        elif portals:
            chosen = load_portals(portals)
        else:
            urls = start_urls.split(",") if isinstance(start_urls, str) else list(start_urls)
            chosen = [portal_from_urls([u.strip() for u in urls if u.strip()], portal)]
        self.portals: dict[str, Portal] = {p.name: p for p in chosen}
        self.start_urls = [u for p in chosen for u in p.start_urls]
        # Read by crawler.middlewares.scope / robots / traps (their documented attributes).
        self.portal_domains = {p.name: sorted(p.allowed_domains) for p in chosen}
        self.allowed_domains = sorted({d for p in chosen for d in p.allowed_domains})
        self.robots_override = {p.name for p in chosen if p.politeness.robots_obey is False}
        self.portal_page_budgets = {
            p.name: p.politeness.page_budget for p in chosen if p.politeness.page_budget
        }
        self.tally = DiscoveryTally(None)
        self._requested: set[str] = set()
        # Records a listing page added to its column, read by _navigate right after.
        self._new_records: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FocusedSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, FocusedSpider)
        spider.tally = DiscoveryTally(crawler)
        spider._apply_portal_delays(crawler)
        return spider

    def _apply_portal_delays(self, crawler: Crawler) -> None:
        """Per-portal delay/concurrency overrides become download slots of the start hosts."""
        slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
        for p in self.portals.values():
            pol = p.politeness
            if pol.download_delay is None and pol.concurrent_requests_per_host is None:
                continue
            for url in p.start_urls:
                host = urlsplit(url).hostname or ""
                slot = dict(slots.get(host, {}))
                if pol.download_delay is not None:
                    slot["delay"] = pol.download_delay
                if pol.concurrent_requests_per_host is not None:
                    slot["concurrency"] = pol.concurrent_requests_per_host
                slots[host] = slot
        if slots and not crawler.settings.frozen:
            crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    # --- requests ------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for p in self.portals.values():
            for url in p.start_urls:
                context: Context = "report" if is_report_column(url) else "home"
                meta: dict[str, Any] = {
                    "govcrawl_portal": p.name,
                    "govcrawl_hops": "",
                    ROLE: "page",
                    CONTEXT: context,
                    NAV: 0,
                }
                if p.rendering == "always":
                    meta.update(render_meta())
                    meta[RENDERED] = True
                yield scrapy.Request(url, callback=self.parse, meta=meta, dont_filter=True)

    def _portal(self, response: Response) -> Portal:
        return self.portals[str(response.meta["govcrawl_portal"])]

    def _allowed(self, portal: Portal, url: str) -> bool:
        if in_scope(url, portal.allowed_domains):
            return True
        self.tally.inc(portal.name, "offsite_links_skipped")
        return False

    def _depth_ok(self, portal: Portal, response: Response) -> bool:
        limit = portal.politeness.depth_limit
        return limit is None or int(response.meta.get("depth", 0)) + 1 <= limit

    def _base_meta(self, response: Response, hop: str) -> dict[str, Any]:
        return {
            "govcrawl_portal": response.meta["govcrawl_portal"],
            "govcrawl_via": response.url,
            "govcrawl_hops": str(response.meta.get("govcrawl_hops") or "") + hop,
        }

    def _candidate(
        self, response: Response, portal: Portal, item: ListItem, kind: str, rule: str = "title"
    ) -> Iterator[scrapy.Request]:
        if item.url in self._requested or not self._allowed(portal, item.url):
            return
        self._requested.add(item.url)
        self.tally.inc(portal.name, "candidates")
        meta = {
            **self._base_meta(response, "L"),
            "govcrawl_link_text": item.title,
            "govcrawl_rule": f"{rule}:{kind}",
            YEAR: title_year(item.title)
            or year_only(str(response.meta.get("govcrawl_link_text") or "")),
            "govcrawl_hint_title": item.title,
            "govcrawl_hint_date": item.date,
            ROLE: "report",
            KIND: kind,
        }
        yield scrapy.Request(
            item.url, callback=self.parse_report, meta=meta, priority=PRIORITY_REPORT
        )
        for url in item.attachments:
            yield from self._attachment(response, portal, url, item.title, item.url)

    def _attachment(
        self, response: Response, portal: Portal, url: str, text: str, parent: str
    ) -> Iterator[scrapy.Request]:
        if url in self._requested or not self._allowed(portal, url):
            return
        self._requested.add(url)
        self.tally.inc(portal.name, "attachments")
        meta = {
            **self._base_meta(response, "E"),
            "govcrawl_via": parent,
            "govcrawl_link_text": text,
            # Not a candidate itself (govcrawl_rule stays unset: the crawl report counts rules
            # as reports); the hop "E" and the via URL say what it is.
            ROLE: "attachment",
        }
        yield scrapy.Request(
            url, callback=self.parse_attachment, meta=meta, priority=PRIORITY_ATTACHMENT
        )

    def _page_request(
        self,
        response: Response,
        portal: Portal,
        req: PageRequest,
        column: str,
        text: str,
        *,
        size_known: bool = True,
    ) -> Iterator[scrapy.Request]:
        key = req.url + "?" + "&".join(f"{k}={v}" for k, v in req.formdata)
        if key in self._requested or not self._allowed(portal, req.url):
            return
        self._requested.add(key)
        meta: dict[str, Any] = {
            **self._base_meta(response, "P"),
            "govcrawl_link_text": text,
            CONTEXT: "report",
            NAV: 0,
            COLUMN: column,
        }
        if req.expects == "html":
            meta[ROLE] = "page"
            if portal.rendering == "always":
                meta.update(render_meta())
                meta[RENDERED] = True
            yield scrapy.Request(req.url, callback=self.parse, meta=meta, priority=PRIORITY_LISTING)
            return
        self.tally.inc(portal.name, "api_requests")
        meta.update({ROLE: "api", PLATFORM: req.platform, FORM: req.formdata})
        meta[SIZE_KNOWN] = size_known
        if req.method == "POST":
            yield FormRequest(
                req.url,
                formdata=dict(req.formdata),
                callback=self.parse_api,
                meta=meta,
                priority=PRIORITY_LISTING,
                dont_filter=True,  # one URL, many bodies: our own key deduplicates
            )
        else:
            yield scrapy.Request(
                req.url, callback=self.parse_api, meta=meta, priority=PRIORITY_LISTING
            )

    # --- callbacks -----------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request | ReportPage]:
        """A navigation or listing page."""
        if not isinstance(response, TextResponse):
            return
        portal = self._portal(response)
        if response.meta.get(RENDERED) and response.meta.get("playwright"):
            self.tally.inc(portal.name, "renders")
        # crawler.portals validated the name against the same list (a test keeps them equal).
        platforms: list[Platform] | None = (
            None if portal.platform == "auto" else [cast(Platform, portal.platform), "generic"]
        )
        text = response.text
        tree = parse_html(text)
        listing = parse_page(text, response.url, platforms, tree)
        context: Context = response.meta.get(CONTEXT, "home")
        link_text = str(response.meta.get("govcrawl_link_text") or "")
        in_report = context == "report" or is_report_column(response.url, link_text)
        directory = urljoin(response.url, "./")
        yield from self._listing(response, portal, listing, in_report, directory)
        if not self._depth_ok(portal, response):
            return
        candidates = sum(
            1
            for it in listing.items
            if classify_item(
                it, in_report=in_report, column_label=link_text, member_prefix=directory
            )[0]
        )
        if (
            candidates == 0
            and listing.script_driven
            and portal.rendering == "auto"
            and not response.meta.get(RENDERED)
            and in_report
        ):
            # One browser render of this page; the DOM snapshot refers to the raw capture.
            meta = {
                **self._base_meta(response, "B"),
                "govcrawl_link_text": link_text,
                "govcrawl_raw_capture": response.meta.get("govcrawl_capture"),
                ROLE: "page",
                CONTEXT: "report",
                NAV: 0,
                COLUMN: str(response.meta.get(COLUMN) or listing.column),
                RENDERED: True,
                **render_meta(),
            }
            yield scrapy.Request(
                response.url,
                callback=self.parse,
                meta=meta,
                dont_filter=True,
                priority=PRIORITY_LISTING,
            )
        if tree is not None:
            yield from self._navigate(
                response,
                portal,
                listing,
                tree,
                context=context,
                in_report=in_report,
                candidates=candidates,
            )

    def _listing(
        self,
        response: Response,
        portal: Portal,
        listing: Listing,
        in_report: bool,
        member_prefix: str | None,
    ) -> Iterator[scrapy.Request]:
        column = str(response.meta.get(COLUMN) or listing.column)
        label = str(response.meta.get("govcrawl_link_text") or "")
        found = 0
        records: list[str] = []
        for item in listing.items:
            kind, rule = classify_item(
                item, in_report=in_report, column_label=label, member_prefix=member_prefix
            )
            if kind or in_report:
                records.append(item.url)
            if kind:
                found += 1
                yield from self._candidate(response, portal, item, kind, rule)
        new = len(records)
        if listing.declared_total is not None or records:
            new = self.tally.column(portal.name, column, listing.declared_total, records)
        self._new_records[response.url] = new
        if listing.pages and (in_report or found) and self._depth_ok(portal, response):
            known = listing.declared_total is not None
            for req in listing.pages:
                yield from self._page_request(
                    response, portal, req, column, "page", size_known=known
                )
        for col in listing.columns:
            score = nav_score_text(col.text)
            if score >= SCORE_YEAR_COLUMN:
                yield from self._page_request(
                    response, portal, col.request, col.request.url, col.text
                )

    def _navigate(
        self,
        response: Response,
        portal: Portal,
        listing: Listing,
        tree: lxml_html.HtmlElement,
        *,
        context: Context,
        in_report: bool,
        candidates: int,
    ) -> Iterator[scrapy.Request]:
        depth = int(response.meta.get(NAV, 0))
        listed = {it.url for it in listing.items}
        threshold = FOLLOW_FROM_HOME if context == "home" else FOLLOW_IN_PORTAL
        column = str(response.meta.get(COLUMN) or listing.column)
        pages_of_column = 0
        # A listing page that added nothing new to its column is a repeat (endless "next"
        # links answered with the same records): its pagination is not followed.
        adds_records = self._new_records.pop(response.url, 1) > 0
        for anchor in extract_anchors(tree, response.url):
            if anchor.url in listed or anchor.url in self._requested:
                continue
            if ARTICLE_URL.search(anchor.url) or attachments([anchor]):
                continue
            if (in_report or candidates) and not listing.pages and is_pagination(anchor):
                if adds_records and pages_of_column < MAX_COLUMN_PAGES:
                    pages_of_column += 1
                    yield from self._page_request(
                        response, portal, PageRequest(anchor.url), column, anchor.text
                    )
                continue
            if repeats_segment(anchor.url):
                self.tally.inc(portal.name, "growing_urls_skipped")
                continue
            score = nav_score(anchor, in_report_column=in_report)
            if score.score < threshold:
                continue
            reportish = score.score >= SCORE_YEAR_COLUMN
            if not reportish and depth + 1 > NAV_DEPTH:
                continue
            if not self._allowed(portal, anchor.url):
                continue
            self._requested.add(anchor.url)
            new_context: Context = "report" if reportish else "portal"
            meta = {
                **self._base_meta(response, "L"),
                "govcrawl_link_text": anchor.text,
                "discovery_nav_rule": score.rule,
                ROLE: "page",
                CONTEXT: new_context,
                NAV: 0 if reportish else depth + 1,
            }
            if portal.rendering == "always":
                meta.update(render_meta())
                meta[RENDERED] = True
            priority = PRIORITY_REPORT_COLUMN if reportish else PRIORITY_NAV
            yield scrapy.Request(anchor.url, callback=self.parse, meta=meta, priority=priority)

    def parse_report(self, response: Response) -> Iterator[scrapy.Request | ReportPage]:
        """A report or guide candidate: record it, fetch its attachments."""
        portal = self._portal(response)
        meta = response.meta
        title = str(meta.get("govcrawl_hint_title") or "")
        kind = str(meta.get(KIND) or "annual_report")
        if response.status == 200:
            year = meta.get(YEAR) if kind == "annual_report" else None
            self.tally.inc(portal.name, f"reports/{kind}/{year or 'unknown'}")
        ref = meta.get("govcrawl_capture")
        yield ReportPage(
            url=response.url,
            portal=portal.name,
            rule=str(meta.get("govcrawl_rule") or f"title:{kind}"),
            title=title or None,
            date=meta.get("govcrawl_hint_date"),
            record_id=getattr(ref, "record_id", None),
            status=response.status,
        )
        if not isinstance(response, TextResponse) or not self._depth_ok(portal, response):
            return
        tree = parse_html(response.text)
        if tree is None:
            return
        anchors = extract_anchors(tree, response.url)
        for att in attachments(anchors) + content_images(tree, response.url):
            yield from self._attachment(response, portal, att.url, att.text, response.url)
        listing = parse_page(response.text, response.url, tree=tree)
        if sum(1 for it in listing.items if classify_title(it.title)) >= LISTING_MIN_REPORTS:
            # Titled like a report but a list of them (a "2023年度报告" column of units'
            # reports): read it as a report column, pagination included.
            meta.setdefault(COLUMN, listing.column)
            yield from self._listing(response, portal, listing, True, urljoin(response.url, "./"))
            return
        # Sibling reports linked from a report ("上一篇", related reports) are candidates too.
        for anchor in anchors:
            sibling = classify_title(anchor.text)
            if sibling and ARTICLE_URL.search(anchor.url):
                yield from self._candidate(
                    response, portal, ListItem(anchor.url, anchor.text), sibling
                )

    def closed(self, reason: str) -> None:
        """Say which columns declared more records than discovery found (also in the stats)."""
        for portal, column, declared, found in self.tally.shortfalls():
            self.logger.warning(
                "portal %s: column %s declares %d records, %d found",
                portal,
                column,
                declared,
                found,
            )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        """An attachment: archived by the capture component; nothing to follow."""
        return iter(())

    def parse_api(self, response: Response) -> Iterator[scrapy.Request | ReportPage]:
        """An XML/JSON list answer (Hanweb dataproxy, gkmlpt, Fujian search)."""
        portal = self._portal(response)
        meta = response.meta
        column = str(meta.get(COLUMN) or response.url)
        listing = parse_api(
            meta.get(PLATFORM, "generic"),
            response.body,
            response.url,
            column=column,
            formdata=tuple(meta.get(FORM) or ()),
            size_known=bool(meta.get(SIZE_KNOWN, True)),
        )
        yield from self._listing(response, portal, listing, in_report=True, member_prefix=None)


def classify_item(
    item: ListItem, *, in_report: bool, column_label: str, member_prefix: str | None = None
) -> tuple[str | None, str]:
    """Whether a listed document is a candidate: (kind or None, the rule that decided).

    By its title; by what is left of a truncated title; and, inside a report or guide
    column, any article filed under the column (``member_prefix``: the column's directory;
    None for a list API's answer, which only holds the column's records) and not titled as
    another genre (units' reports are often listed by the unit's name only).
    """
    kind = classify_title(item.title)
    if kind:
        return kind, "title"
    kind = classify_truncated(item.title)
    if kind:
        return kind, "title-truncated"
    member = member_prefix is None or item.url.startswith(member_prefix)
    if in_report and member and ARTICLE_URL.search(item.url):
        kind = classify_column_member(item.title, column_label)
        if kind:
            return kind, "column-member"
    return None, "title"


def nav_score_text(text: str) -> int:
    """The navigation score of a column known only by its name (API column links)."""
    return nav_score(Anchor("", text)).score
