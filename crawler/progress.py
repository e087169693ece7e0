"""Live crawl progress: a rich table on a terminal, plain log lines otherwise.

Counts pages, reports found (responses to requests with a ``govcrawl_rule``), challenges
and errors, per portal, from Scrapy's signals and the politeness components' signals.
``PROGRESS_MODE``: ``auto`` (a live display when stderr is a terminal), ``live`` or
``log``; ``PROGRESS_INTERVAL`` seconds between log lines (the live display refreshes
twice a second).
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from typing import Any, Self

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call

from crawler.middlewares.events import (
    challenge_detected,
    fetch_failed,
    is_robots_fetch,
    portal_of,
)

logger = logging.getLogger(__name__)

LIVE_REFRESH = 0.5


class ProgressExtension:
    """Extension: per-portal counters shown live on a terminal or logged periodically."""

    def __init__(self, crawler: Crawler, *, live: bool, interval: float) -> None:
        self.crawler = crawler
        self.live_mode = live
        self.interval = interval
        self.pages: Counter[str] = Counter()
        self.reports: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.challenges: Counter[str] = Counter()
        self._live: Live | None = None
        self._loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("PROGRESS_ENABLED", True):
            raise NotConfigured("PROGRESS_ENABLED is off")
        mode = str(s.get("PROGRESS_MODE", "auto")).lower()
        live = mode == "live" or (mode == "auto" and sys.stderr.isatty())
        ext = cls(crawler, live=live, interval=s.getfloat("PROGRESS_INTERVAL", 10.0))
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.fetch_failed, signal=fetch_failed)
        crawler.signals.connect(ext.challenge_detected, signal=challenge_detected)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_received(self, response: Response, request: Request) -> None:
        if is_robots_fetch(request):
            return  # robots.txt is bookkeeping, not a page of the portal
        portal = portal_of(request)
        self.pages[portal] += 1
        if response.status >= 400:
            self.errors[portal] += 1
        elif request.meta.get("govcrawl_rule"):
            self.reports[portal] += 1

    def fetch_failed(self, request: Request, reason: str) -> None:
        self.errors[portal_of(request)] += 1

    def challenge_detected(self, request: Request, response: Response, kind: str) -> None:
        self.challenges[portal_of(request)] += 1

    def spider_opened(self) -> None:
        if self.live_mode:
            self._live = Live(self.table(), console=Console(stderr=True), auto_refresh=False)
            self._live.start()
        self._loop = create_looping_call(self.tick)
        self._loop.start(LIVE_REFRESH if self.live_mode else self.interval, now=False)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._live is not None:
            self._live.update(self.table(), refresh=True)
            self._live.stop()
            self._live = None
        else:
            self.tick()

    def tick(self) -> None:
        """Refresh the live display, or log one line per portal."""
        if self._live is not None:
            self._live.update(self.table(), refresh=True)
            return
        for line in self.lines():
            logger.info("%s", line)

    def portals(self) -> list[str]:
        return sorted(set(self.pages) | set(self.errors) | set(self.challenges))

    def lines(self) -> list[str]:
        """The plain progress lines: a total, then one per portal."""
        total = (
            f"progress: {sum(self.pages.values())} pages, {sum(self.reports.values())} reports, "
            f"{sum(self.challenges.values())} challenges, {sum(self.errors.values())} errors"
        )
        return [total] + [
            f"progress: {p}: {self.pages[p]} pages, {self.reports[p]} reports, "
            f"{self.challenges[p]} challenges, {self.errors[p]} errors"
            for p in self.portals()
        ]

    def table(self) -> Table:
        """The live display: one row per portal."""
        table = Table(title="govcrawl", expand=False)
        for column in ("portal", "pages", "reports", "challenges", "errors"):
            table.add_column(column, justify="left" if column == "portal" else "right")
        for p in self.portals():
            table.add_row(
                p,
                str(self.pages[p]),
                str(self.reports[p]),
                str(self.challenges[p]),
                str(self.errors[p]),
            )
        table.add_row(
            "total",
            str(sum(self.pages.values())),
            str(sum(self.reports.values())),
            str(sum(self.challenges.values())),
            str(sum(self.errors.values())),
            style="bold",
        )
        return table
