"""Run one focused crawl of portals in this process and dump what it fetched as JSON.

``python -m tests.portals.crawl PORTALS.toml OUT.json ARCHIVE_DIR``: the real settings
(crawler.settings) with test overrides (no delay, loopback allowed, no progress display),
the browser plugged in, and a fetch log of every request that reached the downloader.
Tests run it in a subprocess because Twisted's reactor starts once per process.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.browser import browser_settings
from crawler.portals import load_portals
from spiders.focused import FocusedSpider

FETCHES: list[dict[str, Any]] = []


class FetchLog:
    """Extension: every request that reached the downloader, with its status when answered."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchLog:
        ext = cls()
        crawler.signals.connect(ext.reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.received, signal=signals.response_received)
        return ext

    def reached(self, request: Request, spider: Spider) -> None:
        FETCHES.append(
            {
                "url": request.url,
                "method": request.method,
                "browser": bool(request.meta.get("playwright")),
                "portal": request.meta.get("govcrawl_portal"),
                "via": request.meta.get("govcrawl_via"),
                "rule": request.meta.get("govcrawl_rule"),
                "role": request.meta.get("discovery_role"),
                "status": None,
            }
        )

    def received(self, response: Response, request: Request, spider: Spider) -> None:
        for f in reversed(FETCHES):
            if f["url"] == request.url and f["status"] is None:
                f["status"] = response.status
                break


def settings_for(archive_dir: str) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.setdict(browser_settings(), priority="project")
    s.setdict(
        {
            "DOWNLOAD_DELAY": 0,
            "RANDOMIZE_DOWNLOAD_DELAY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "SCOPE_ALLOW_PRIVATE": True,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "ARCHIVE_DIR": archive_dir,
            "PROGRESS_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
            "RETRY_ENABLED": False,
            "BACKOFF_ENABLED": False,
            "EXTENSIONS": {
                **s.getdict("EXTENSIONS"),
                "tests.portals.crawl.FetchLog": 0,
            },
        },
        priority="cmdline",
    )
    return s


def main(argv: list[str]) -> int:
    portals_file, out, archive_dir = argv
    process = CrawlerProcess(settings_for(archive_dir), install_root_handler=True)
    crawler = process.create_crawler(FocusedSpider)
    process.crawl(crawler, portal_list=load_portals(portals_file))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    # Run as __main__, this module is not the one Scrapy loaded the extension from.
    fetches = importlib.import_module("tests.portals.crawl").FETCHES
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"fetches": fetches, "stats": stats}, fh, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
