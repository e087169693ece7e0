"""robots.txt, obeyed by default: Scrapy's RobotsTxtMiddleware (protego) with three additions.

1. A robots.txt answered by an HTML page (the soft-404 many portals serve with status
   200 and ``text/html``) or by a 4xx is treated as absent, not parsed as rules. A 5xx
   means the rules are unknown: RFC 9309 section 2.3.1.4 says to assume complete
   disallow, which is what happens (counted as ``robotstxt/unreachable``).
2. A per-portal override, always logged: request meta ``govcrawl_robots_override``
   (set by the spider from the portal's ``robots_override`` option), the spider attribute
   ``robots_override`` (``True`` for every portal, or a collection of portal names), or the
   setting ``ROBOTSTXT_OVERRIDE_PORTALS``.
3. Refusals are sent as ``fetch_refused`` (reason ``robots``) for the crawl report, and a
   ``Crawl-delay`` is handed to the back-off middleware as a per-host minimum interval.

Also a fix of Scrapy 2.19 itself (``robot_parser``): requests that wait for a host's
robots.txt while it downloads all awaited the same Deferred through
``maybe_deferred_to_future``, which consumes its result (Twisted's ``asFuture``), so
with the asyncio reactor only the first waiter got the parser and every other one got
None and was let through unchecked. Each waiter now gets a Deferred of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.middlewares.events import fetch_refused, host_of, portal_of

logger = logging.getLogger(__name__)

#: What a robots.txt that cannot be read (5xx) means: nothing may be fetched.
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
OVERRIDE_META = "govcrawl_robots_override"


def looks_like_html(response: Response) -> bool:
    """True when a robots.txt response is really an HTML page (soft 404 or portal error page)."""
    ctype = (response.headers.get(b"Content-Type") or b"").split(b";", 1)[0].strip().lower()
    if ctype in (b"text/html", b"application/xhtml+xml"):
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml"))


class RobotsMiddleware(RobotsTxtMiddleware):
    """Downloader middleware: robots.txt with soft-404 handling and a logged per-portal override."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._override_portals = frozenset(
            crawler.settings.getlist("ROBOTSTXT_OVERRIDE_PORTALS", [])
        )
        self._override_logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def is_overridden(self, request: Request) -> bool:
        """True when the request's portal is configured to ignore robots.txt."""
        if request.meta.get(OVERRIDE_META):
            return True
        portal = portal_of(request)
        if portal in self._override_portals:
            return True
        spider_override: bool | Collection[str] | None = getattr(
            self.crawler.spider, "robots_override", None
        )
        if isinstance(spider_override, bool):
            return spider_override
        return spider_override is not None and portal in spider_override

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        if not request.meta.get("dont_obey_robotstxt") and self.is_overridden(request):
            portal = portal_of(request)
            self._stats.inc_value("robotstxt/overridden")
            if portal not in self._override_logged:
                self._override_logged.add(portal)
                logger.warning(
                    "robots.txt is NOT obeyed for portal %s (per-portal override)", portal
                )
            return
        try:
            await super().process_request(request)
        except IgnoreRequest:
            self.crawler.signals.send_catch_log(
                signal=fetch_refused, request=request, reason="robots"
            )
            raise

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        # robots.txt is being fetched: wait on a Deferred of our own (see the module
        # docstring), relaying the shared one's result without consuming it.
        mine: Deferred[RobotParser | None] = Deferred()

        def relay(result: RobotParser | None) -> RobotParser | None:
            mine.callback(result)
            return result

        pending.addCallback(relay)
        return await maybe_deferred_to_future(mine)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        body = response.body
        if response.status >= 500:
            logger.warning(
                "robots.txt of %s answered %d: assuming complete disallow (RFC 9309)",
                netloc,
                response.status,
            )
            self._stats.inc_value("robotstxt/unreachable")
            body = DISALLOW_ALL
        elif response.status >= 400:
            body = b""
        elif looks_like_html(response):
            logger.info("robots.txt of %s is an HTML page: treated as absent", netloc)
            self._stats.inc_value("robotstxt/soft_404")
            body = b""
        await super()._parse_robots(response.replace(body=body), netloc, request)
        self._apply_crawl_delay(netloc, request)

    def _apply_crawl_delay(self, netloc: str, request: Request) -> None:
        parser = self._parsers.get(netloc)
        if parser is None or not hasattr(parser, "crawl_delay"):
            return
        useragent = self._robotstxt_useragent or self._default_useragent
        delay = parser.crawl_delay(useragent)
        if not delay:
            return
        from crawler.middlewares.backoff import BackoffMiddleware  # noqa: PLC0415 - optional peer

        backoff = self.crawler.get_downloader_middleware(BackoffMiddleware)
        if backoff is not None:
            backoff.set_min_interval(host_of(request.url), float(delay))
            self._stats.inc_value("robotstxt/crawl_delay_honoured")
