"""Crawler traps: calendars, endlessly growing URLs, URL length, per-host page budget.

(The depth limit is Scrapy's own ``DEPTH_LIMIT``, counted as ``depth/request_ignored_count``
and reported with the traps.)

A spider middleware (after Scrapy's DepthMiddleware has set ``meta["depth"]``) that drops
requests the spider yields when they look like a trap. Each refusal is counted as
``traps/<kind>`` and sent as ``fetch_refused`` with reason ``trap/<kind>``:

- ``url_length``: URL longer than ``TRAPS_MAX_URL_LENGTH``;
- ``repeating_path``: one path segment ``TRAPS_MAX_SEGMENT_REPEATS`` times or more
  (``/a/b/a/b/a/b/``, relative links resolved against the wrong base);
- ``growing_query``: a query parameter repeated ``TRAPS_MAX_PARAM_REPEATS`` times or
  more, or a chain of pages each linking to its own URL plus more query
  (``TRAPS_MAX_QUERY_GROWTH`` steps);
- ``calendar``: a date in a date-like query parameter or a ``/YYYY/MM/`` path outside
  ``TRAPS_MIN_YEAR`` .. next year (calendar widgets link to every month forever);
- ``host_budget``: ``TRAPS_HOST_BUDGET`` distinct requests (by Scrapy fingerprint, so
  duplicates the scheduler drops anyway do not count) were already let through for a host;
- ``portal_budget``: the same for a portal's budget (spider attribute
  ``portal_page_budgets``: portal name -> requests).
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.middlewares.events import fetch_refused, host_of, portal_of

logger = logging.getLogger(__name__)

GROWTH_META = "govcrawl_query_growth"
# Parameter names that carry a year (``y``: not ``m``/``d``, which portals also use for ids).
_DATE_PARAM = re.compile(
    r"^(?:y|yr|year|month|day|date|cal|calendar|time|ymd|ym|riqi|nian|yue)$", re.I
)
# A year: four digits on their own (2019, 2019-05) or leading a YYYYMM / YYYYMMDD run.
_YEAR = re.compile(r"(?<!\d)(\d{4})(?:\d{2}|\d{4})?(?!\d)")
_PATH_DATE = re.compile(r"/(\d{4})[-/](0[1-9]|1[0-2])(?:[-/]\d{1,2})?(?=/|$)")


class TrapsMiddleware(BaseSpiderMiddleware):
    """Spider middleware: drop requests that look like crawler traps or exceed budgets."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        s = crawler.settings
        self.max_url_length = s.getint("TRAPS_MAX_URL_LENGTH", 1024)
        self.max_segment_repeats = s.getint("TRAPS_MAX_SEGMENT_REPEATS", 3)
        self.max_param_repeats = s.getint("TRAPS_MAX_PARAM_REPEATS", 4)
        self.max_query_growth = s.getint("TRAPS_MAX_QUERY_GROWTH", 3)
        self.min_year = s.getint("TRAPS_MIN_YEAR", 1990)
        self.max_year = s.getint("TRAPS_MAX_YEAR", 0) or datetime.now(UTC).year + 1
        self.host_budget = s.getint("TRAPS_HOST_BUDGET", 20000)
        self._accepted: defaultdict[str, set[bytes]] = defaultdict(set)
        self.per_portal: Counter[str] = Counter()
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("TRAPS_ENABLED", True):
            raise NotConfigured("TRAPS_ENABLED is off")
        return cls(crawler)

    def _within_budget(self, request: Request) -> str | None:
        """Count a request against its host's and portal's budgets; the exceeded one, or None."""
        fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
        host, portal = host_of(request.url), portal_of(request)
        if fingerprint in self._accepted[host]:
            return None
        if self.host_budget and len(self._accepted[host]) >= self.host_budget:
            return "host_budget"
        budgets = getattr(self.crawler.spider, "portal_page_budgets", None) or {}
        if portal in budgets and self.per_portal[portal] >= int(budgets[portal]):
            return "portal_budget"
        self._accepted[host].add(fingerprint)
        self.per_portal[portal] += 1
        return None

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        kind = self.trap_kind(request, response)
        if kind is None:
            return request
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"traps/{kind}")
        host = host_of(request.url)
        if (host, kind) not in self._logged:
            self._logged.add((host, kind))
            logger.info(
                "trap: %s at %s (dropped; further ones on this host counted only)",
                kind,
                request.url,
            )
        self.crawler.signals.send_catch_log(
            signal=fetch_refused, request=request, reason=f"trap/{kind}"
        )
        return None

    def trap_kind(self, request: Request, response: Response | None) -> str | None:
        """The kind of trap a request falls into, or None; sets the query-growth meta."""
        url = request.url
        if len(url) > self.max_url_length:
            return "url_length"
        parts = urlsplit(url)
        segments = Counter(s for s in parts.path.split("/") if s)
        if segments and max(segments.values()) >= self.max_segment_repeats:
            return "repeating_path"
        params = parse_qsl(parts.query, keep_blank_values=True)
        names = Counter(name for name, _ in params)
        if names and max(names.values()) >= self.max_param_repeats:
            return "growing_query"
        if response is not None and self._grows(response.url, url):
            growth = int(response.meta.get(GROWTH_META, 0)) + 1
            if growth > self.max_query_growth:
                return "growing_query"
            request.meta[GROWTH_META] = growth
        if self._calendar(parts.path, params):
            return "calendar"
        return self._within_budget(request)

    @staticmethod
    def _grows(parent: str, child: str) -> bool:
        """The child is the parent URL with more query appended (same path)."""
        p, c = urlsplit(parent), urlsplit(child)
        return (
            (p.netloc, p.path) == (c.netloc, c.path)
            and len(c.query) > len(p.query)
            and c.query.startswith(p.query)
        )

    def _out_of_range(self, year: int) -> bool:
        return not self.min_year <= year <= self.max_year

    def _calendar(self, path: str, params: list[tuple[str, str]]) -> bool:
        for match in _PATH_DATE.finditer(path):
            if self._out_of_range(int(match.group(1))):
                return True
        for name, value in params:
            if _DATE_PARAM.match(name):
                for year in _YEAR.findall(value):
                    if self._out_of_range(int(year)):
                        return True
        return False
