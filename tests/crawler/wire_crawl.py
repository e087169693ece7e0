"""Run one crawl of chosen requests against a raw test server (used in a subprocess).

``python -m tests.crawler.wire_crawl ARCHIVE_DIR BASE_URL`` crawls, with govcrawl's own
settings (delay off, loopback allowed, one retry), the requests of ``wire_requests`` and
exits; the tests then read the archive. A subprocess because Twisted's reactor cannot be
restarted inside the pytest process.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler.cli.crawl_cmds import crawl_settings

SEEN_FILE = "seen.jsonl"
POST_BODY = b'{"pageNo":1,"pageSize":20,"columnId":"zfxxgknb"}'


def wire_requests(base: str) -> list[scrapy.Request]:
    """One request per scenario of tests/crawler/test_wire_fidelity.py."""
    meta = {"govcrawl_portal": "wire", "govcrawl_hops": "L", "govcrawl_via": base + "/"}
    return [
        scrapy.Request(base + "/headers?x=1&y=%E4%B8%AD&y=2", meta=meta),
        scrapy.Request(base + "/gzip", meta=meta),
        scrapy.Request(base + "/chunked", meta=meta),
        scrapy.Request(base + "/gzip-chunked", meta=meta),
        scrapy.Request(
            base + "/api/list?channel=7",
            method="POST",
            body=POST_BODY,
            headers={"Content-Type": "application/json"},
            meta=meta,
        ),
        scrapy.Request(
            base + "/notmod",
            headers={"If-Modified-Since": "Tue, 30 Jan 2024 01:30:00 GMT"},
            meta=meta,
        ),
        scrapy.Request(base + "/missing", meta=meta),
        scrapy.Request(base + "/error", meta=meta),
        scrapy.Request(base + "/redirect", meta=meta),
        scrapy.Request(base + "/reason", meta=meta),
        scrapy.Request(base + "/http10", meta=meta),
        # keep what arrived when the server hangs up mid-body (flagged "dataloss")
        scrapy.Request(base + "/truncated", meta={**meta, "download_fail_on_dataloss": False}),
        scrapy.Request(base + "/private/secret", meta=meta),  # robots.txt disallows it
    ]


class WireSpider(scrapy.Spider):
    """Issues the scenario requests, follows nothing."""

    name = "wire"

    def __init__(self, base: str, seen_file: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base = base
        self.seen_file = Path(seen_file)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in wire_requests(self.base):
            yield request

    def parse(self, response: scrapy.http.Response) -> None:
        # What the capture component put in response.meta, for the test to compare.
        ref = response.meta.get("govcrawl_capture")
        with self.seen_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"url": response.url, "record_id": ref.record_id}) + "\n")


def main(argv: list[str]) -> None:
    archive_dir, base = Path(argv[0]), argv[1]
    settings = crawl_settings(
        archive_dir,
        delay=0.0,
        allow_private=True,
        overrides={"RETRY_TIMES": "1", "PROGRESS_ENABLED": "False"},
    )
    settings.set("SPIDER_MODULES", [], priority="cmdline")  # the spider is passed as a class
    process = CrawlerProcess(settings)
    process.crawl(WireSpider, base=base, seen_file=str(archive_dir / SEEN_FILE))
    process.start()


if __name__ == "__main__":
    main(sys.argv[1:])
