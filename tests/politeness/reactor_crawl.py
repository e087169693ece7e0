"""One politeness crawl on the Twisted (asyncio) reactor, as ``govcrawl crawl`` runs it.

``python -m tests.politeness.reactor_crawl OUT_DIR`` serves two loopback hosts (one
answering 429 with Retry-After, then a challenge), crawls them with ``CrawlerProcess``
and writes what the servers saw and the stats to ``OUT_DIR/result.json``. A subprocess
because Twisted's reactor cannot be restarted inside the pytest process.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from tests.politeness.conftest import (
    HTML,
    Hit,
    LinkSpider,
    Site,
    _handler,
    _QuietServer,
    page,
    politeness_settings,
)


def _start(site: Site) -> ThreadingHTTPServer:
    server = _QuietServer(("127.0.0.1", 0), _handler(site))
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(out: Path) -> None:
    def limited(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.n == 1:
            return 429, {"Retry-After": "1", **HTML}, b"slow down"
        return page()

    ruishu = b"<html><script>$_ts=window['$_ts'];$_ts.nsd=1;</script></html>"
    site = Site(
        routes={
            "/": page(("/limited", "x"), ("/c.html", "c")),
            "/limited": limited,
            "/c.html": (412, HTML, ruishu),
        }
    )
    other = Site(
        routes={
            "/": page(*[(f"/p{i}", f"p{i}") for i in range(5)]),
            **{f"/p{i}": page() for i in range(5)},
        },
        host="localhost",
    )
    servers = [_start(site), _start(other)]
    settings = politeness_settings(out, RETRY_TIMES=2, CHALLENGES_BACKOFF_DELAY=0.01)
    settings.update(TWISTED_REACTOR_ENABLED=True, LOG_LEVEL="WARNING")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(LinkSpider)
    process.crawl(
        crawler, urls=[site.url("/"), other.url("/")], allowed_domains=["127.0.0.1", "localhost"]
    )
    process.start()
    for server in servers:
        server.shutdown()
    assert crawler.stats is not None
    result = {
        "site": [[h.path, h.at, h.n] for h in site.hits],
        "other": [[h.path, h.at, h.n] for h in other.hits],
        "stats": {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float)},
    }
    (out / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
