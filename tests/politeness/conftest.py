"""Loopback test servers and an in-process crawl runner for the politeness components.

Servers bind 127.0.0.1 on port 0 and log every request (path, arrival order, monotonic
time) so tests assert what was fetched and in which order, never how long things took.
Crawls run in-process with Scrapy's reactorless mode (``TWISTED_REACTOR_ENABLED = False``,
one ``asyncio.run`` per crawl), using the real registrations from ``crawler.settings``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request, Spider
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.http import Response, TextResponse

import crawler.settings as project_settings

Answer = tuple[int, Mapping[str, str], bytes]
Route = Answer | Callable[["Hit"], Answer]

HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Hit:
    """One request a test server received."""

    path: str
    host: str
    at: float
    n: int  # how many times this path was requested before, plus one


@dataclass
class Site:
    """A loopback HTTP server answering from a route table; unknown paths get 404."""

    routes: dict[str, Route]
    host: str = "127.0.0.1"
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    delay: float = 0.0  # seconds every answer takes (a sleep in the server thread)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]

    def answer(self, path: str, host: str) -> Answer:
        n = sum(1 for h in self.hits if h.path == path) + 1
        hit = Hit(path=path, host=host, at=time.monotonic(), n=n)
        self.hits.append(hit)
        route = self.routes.get(path)
        if route is None:
            return 404, HTML, b"<html><body>not found</body></html>"
        return route(hit) if callable(route) else route


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with site.lock:
                site.in_flight += 1
                site.max_in_flight = max(site.max_in_flight, site.in_flight)
            try:
                if site.delay:
                    time.sleep(site.delay)  # a slow server; tests assert counts, not times
                status, headers, body = site.answer(self.path, self.headers.get("Host", ""))
            finally:
                with site.lock:
                    site.in_flight -= 1
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A crawler that hangs up on a slow answer is expected here, not an error."""


@pytest.fixture
def serve() -> Iterator[Callable[..., Site]]:
    """Start loopback sites; every one is shut down when the test ends."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Route], host: str = "127.0.0.1") -> Site:
        site = Site(routes=routes, host=host)
        server = _QuietServer(("127.0.0.1", 0), _handler(site))
        site.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return site

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hang() -> Iterator[Route]:
    """A route that does not answer until the test is over: slower than any timeout.

    Tests of the crawler's download timeout use it with ``TEST_PATH_TIMEOUTS`` on that
    path alone, so what times out does not depend on how busy the machine is.
    """
    released = threading.Event()

    def route(hit: Hit) -> Answer:
        released.wait(timeout=300)  # bounded: the pytest timeout per test
        return page()

    yield route
    released.set()


class PathTimeouts:
    """Downloader middleware: the download timeout of the paths in ``TEST_PATH_TIMEOUTS``.

    Only a test's deliberately hanging page gets a short timeout; every other fetch keeps
    ``DOWNLOAD_TIMEOUT``, which a loaded machine does not reach on loopback.
    """

    def __init__(self, timeouts: dict[str, float]) -> None:
        self.timeouts = timeouts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PathTimeouts:
        return cls({k: float(v) for k, v in crawler.settings.getdict("TEST_PATH_TIMEOUTS").items()})

    def process_request(self, request: Request) -> None:
        timeout = self.timeouts.get(urlsplit(request.url).path)
        if timeout is not None:
            request.meta["download_timeout"] = timeout


def page(*links: tuple[str, str], text: str = "") -> Answer:
    """An HTML page with the given (href, text) links."""
    anchors = "".join(f'<a href="{href}">{label}</a>\n' for href, label in links)
    return 200, HTML, f"<html><body><p>{text}</p>{anchors}</body></html>".encode()


class LinkSpider(Spider):
    """Follows every link; link texts with 报告/指南 become report candidates."""

    name = "politeness-test"

    def __init__(self, urls: list[str], portal: str = "p", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.portal = portal
        self.parsed: list[str] = []

    async def start(self) -> Any:
        for url in self.urls:
            yield Request(url, meta={"govcrawl_portal": self.portal})

    def parse(self, response: Response) -> Any:
        self.parsed.append(response.url)
        if not isinstance(response, TextResponse):
            return
        for a in response.css("a"):
            href = a.attrib.get("href", "")
            text = "".join(a.css("::text").getall())
            if "://" not in response.urljoin(href):
                continue  # javascript:/mailto: cannot even be a Request; spiders use followable()
            rule = "test" if any(w in text for w in ("报告", "年报", "指南")) else None
            yield response.follow(
                href,
                meta={
                    "govcrawl_portal": self.portal,
                    "govcrawl_link_text": text,
                    "govcrawl_rule": rule,
                },
            )


def politeness_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The project's politeness registrations and defaults, made fast and local for tests."""
    names = [n for n in dir(project_settings) if n.isupper()]
    mine = (
        "ROBOTSTXT_",
        "SCOPE_",
        "SSRF_",
        "BACKOFF_",
        "CHALLENGES_",
        "LINKS_",
        "TRAPS_",
        "PROGRESS_",
        "REPORT_",
        "REDIRECT_",
        "SCHEDULER_PRIORITY_QUEUE",
    )
    settings: dict[str, Any] = {
        n: getattr(project_settings, n) for n in names if n.startswith(mine)
    }
    settings["DOWNLOADER_MIDDLEWARES"] = {
        k: v
        for k, v in project_settings.DOWNLOADER_MIDDLEWARES.items()
        if k.startswith(("crawler.middlewares.", "scrapy."))
    }
    # Before Scrapy's DownloadTimeoutMiddleware (350), which only fills in the default.
    settings["DOWNLOADER_MIDDLEWARES"]["tests.politeness.conftest.PathTimeouts"] = 349
    settings["SPIDER_MIDDLEWARES"] = dict(project_settings.SPIDER_MIDDLEWARES)
    settings["EXTENSIONS"] = {
        k: v
        for k, v in project_settings.EXTENSIONS.items()
        if k.startswith(("crawler.progress", "crawler.report"))
    }
    settings.update(
        TWISTED_REACTOR_ENABLED=False,
        TELNETCONSOLE_ENABLED=False,
        LOG_LEVEL="INFO",
        CONCURRENT_REQUESTS_PER_DOMAIN=1,
        DOWNLOAD_DELAY=0,  # the back-off middleware keeps slots at >= 1 ms (see there)
        DOWNLOAD_DELAY_JITTER=0,
        AUTOTHROTTLE_ENABLED=False,
        DOWNLOAD_TIMEOUT=60,  # never reached on loopback; timeout tests use hang()
        RETRY_TIMES=0,
        SCOPE_ALLOW_PRIVATE=True,
        CLOSESPIDER_PAGECOUNT=300,  # a runaway crawl stops instead of hanging the suite
        PROGRESS_MODE="log",
        REPORT_DIR=str(tmp_path),
        ROBOTSTXT_USER_AGENT="govcrawl",
        USER_AGENT="govcrawl-test",
    )
    settings.update(overrides)
    return settings


@dataclass
class Crawl:
    """What a finished test crawl left behind."""

    crawler: Crawler
    spider: LinkSpider

    @property
    def stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()


def run_crawl(
    urls: list[str],
    tmp_path: Path,
    *,
    spider_attrs: Mapping[str, Any] | None = None,
    on_crawler: Callable[[Crawler], None] | None = None,
    **overrides: Any,
) -> Crawl:
    """Crawl from ``urls`` with the politeness components; returns when the crawl is done."""
    runner = AsyncCrawlerRunner(politeness_settings(tmp_path, **overrides))
    crawler = runner.create_crawler(LinkSpider)
    if on_crawler is not None:
        on_crawler(crawler)
    attrs = dict(spider_attrs or {})

    async def go() -> None:
        # A bound for a crawl that hangs (the suite's own limit is 300 s per test).
        await asyncio.wait_for(runner.crawl(crawler, urls=urls, **attrs), timeout=240)

    asyncio.run(go())
    assert isinstance(crawler.spider, LinkSpider)
    return Crawl(crawler=crawler, spider=crawler.spider)
