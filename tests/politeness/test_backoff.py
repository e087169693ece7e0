"""Per-host back-off: Retry-After on 429/503 holds only that host; repeated failures."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares.backoff import BackoffMiddleware, parse_retry_after
from tests.politeness.conftest import HTML, Hit, page, run_crawl


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(serve, tmp_path: Path, status: int) -> None:
    def limited(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.n == 1:
            return status, {"Retry-After": "1", **HTML}, b"slow down"
        return page()

    site = serve({"/": page(("/limited", "x")), "/limited": limited})
    crawl = run_crawl([site.url("/")], tmp_path, RETRY_TIMES=2)
    limited_hits = [h for h in site.hits if h.path == "/limited"]
    assert [h.n for h in limited_hits] == [1, 2]  # retried once, after the hold
    # Both times are the server's: the hold starts after the first hit arrived and the
    # retry leaves after it ends, so a slower machine only makes the gap longer.
    assert limited_hits[1].at - limited_hits[0].at >= 1.0
    assert crawl.stats[f"backoff/holds/retry_after_{status}"] == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_holds_that_host_only(
    serve, tmp_path: Path, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ordering, not timing: the limited host is held for two minutes; the other host is
    # answered only once that hold has begun, and has all its pages fetched while it
    # lasts; then the test gives the held host up so that the crawl ends. Were the hold
    # global, the other host's pages would wait too (the crawl times out); were
    # Retry-After ignored, the limited page would be fetched a second time.
    held = threading.Event()
    hold = BackoffMiddleware.hold

    def spy(self: BackoffMiddleware, host: str, seconds: float, reason: str) -> float:
        used = hold(self, host, seconds, reason)
        if host == "127.0.0.1":
            held.set()
        return used

    monkeypatch.setattr(BackoffMiddleware, "hold", spy)

    def limited(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.n == 1:
            return status, {"Retry-After": "120", **HTML}, b"slow down"
        return page()

    def other_home(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        held.wait(timeout=60)
        return page(*[(f"/p{i}", f"p{i}") for i in range(5)])

    other = serve({"/": other_home, **{f"/p{i}": page() for i in range(5)}}, host="localhost")
    site = serve({"/": page(("/limited", "x")), "/limited": limited})

    def give_up_when_other_is_done(crawler: Crawler) -> None:
        done: list[str] = []

        def received(response: Response, request: Request, spider: Spider) -> None:
            if request.url.startswith(other.url("/p")):
                done.append(request.url)
                if len(done) == 5:
                    mw = crawler.get_downloader_middleware(BackoffMiddleware)
                    assert mw is not None
                    mw.abandon("127.0.0.1")

        crawler.signals.connect(received, signal=signals.response_received, weak=False)

    crawl = run_crawl(
        [site.url("/"), other.url("/")],
        tmp_path,
        RETRY_TIMES=2,
        BACKOFF_MAX_DELAY=120,
        on_crawler=give_up_when_other_is_done,
        spider_attrs={"allowed_domains": ["127.0.0.1", "localhost"]},
    )
    assert [h.n for h in site.hits if h.path == "/limited"] == [1]  # still held at the end
    assert sorted(h.path for h in other.hits if h.path.startswith("/p")) == [
        f"/p{i}" for i in range(5)
    ]
    assert crawl.stats[f"backoff/holds/retry_after_{status}"] == 1
    assert crawl.stats["backoff/longest_hold_seconds"] == 120


def test_retry_after_is_capped(serve, tmp_path: Path) -> None:
    site = serve({"/": (429, {"Retry-After": "86400"}, b"")})
    crawl = run_crawl([site.url("/")], tmp_path, BACKOFF_MAX_DELAY=0.1)
    assert crawl.stats["backoff/retry_after_capped"] == 1
    assert crawl.stats["backoff/longest_hold_seconds"] == 0.1


@pytest.mark.parametrize("delay", [0, 0.001])
def test_repeated_server_errors_back_off_then_abandon_the_host(
    serve, tmp_path: Path, delay: float
) -> None:
    # delay 0 included: the back-off keeps every slot's delay above zero, so that queued
    # requests stay in the slot queue where holds and abandonment reach them.
    site = serve(
        {
            "/": page(*[(f"/e{i}", f"e{i}") for i in range(8)]),
            **{f"/e{i}": (500, HTML, b"error") for i in range(8)},
        }
    )
    crawl = run_crawl(
        [site.url("/")],
        tmp_path,
        BACKOFF_THRESHOLD=2,
        BACKOFF_GIVE_UP=4,
        BACKOFF_BASE_DELAY=0.01,
        DOWNLOAD_DELAY=delay,
    )
    errors = [p for p in site.paths() if p.startswith("/e")]
    # Abandoned after the 4th consecutive failure; the slot may already have started the
    # next request while the 4th answer was still on its way through the middlewares.
    assert len(errors) in (4, 5)
    stats = crawl.stats
    assert stats["backoff/holds/failures"] == 2  # after failures 2 and 3
    assert stats["backoff/hosts_abandoned"] == 1
    assert stats["backoff/refused"] == 8 - len(errors)
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    portal = report["portals"]["p"]
    assert portal["failures"]["http_500"] == len(errors)
    assert portal["refused"]["backoff/host_abandoned"] == 8 - len(errors)


def test_success_resets_the_failure_count(serve, tmp_path: Path) -> None:
    links = []
    routes = {}
    for i in range(6):
        links.append((f"/x{i}", f"x{i}"))
        routes[f"/x{i}"] = (500, HTML, b"e") if i % 2 == 0 else page()
    site = serve({"/": page(*links), **routes})
    crawl = run_crawl([site.url("/")], tmp_path, BACKOFF_THRESHOLD=2, BACKOFF_BASE_DELAY=0.01)
    assert len([p for p in site.paths() if p.startswith("/x")]) == 6
    assert "backoff/holds/failures" not in crawl.stats


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after(b"soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after(b"") is None


def test_slow_garbage_and_endless_redirects_end_bounded(serve, hang, tmp_path: Path) -> None:
    def loop(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        n = int(hit.path.removeprefix("/r"))
        return 302, {"Location": f"/r{n + 1}"}, b""

    routes = {f"/r{i}": loop for i in range(100)}
    site = serve(
        {
            "/": page(("/slow", "s"), ("/garbage", "g"), ("/r0", "r")),
            "/slow": hang,  # never answers while the crawl runs
            "/garbage": (200, HTML, bytes(range(256)) * 8),
            **routes,
        }
    )
    crawl = run_crawl(
        [site.url("/")], tmp_path, TEST_PATH_TIMEOUTS={"/slow": 0.5}, REDIRECT_MAX_TIMES=5
    )
    redirects = [p for p in site.paths() if p[:2] == "/r" and p[2:].isdigit()]
    assert len(redirects) == 6  # r0 plus five redirects, then given up
    assert site.paths().count("/garbage") == 1
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["finish_reason"] == "finished"
    failures = report["portals"]["p"]["failures"]
    assert [n for k, n in failures.items() if "Timeout" in k] == [1]
    assert crawl.stats["finish_reason"] == "finished"


@pytest.mark.parametrize("delay", [0, 0.001])
def test_one_request_in_flight_per_host(serve, tmp_path: Path, delay: float) -> None:
    # The links of one page reach the downloader in one go: the moment a slot could
    # start several requests at once. (Two guards hold here: the slot delay the back-off
    # keeps above zero, and the download handler's per-host connection limit.)
    links = [(f"/q{i}", f"q{i}") for i in range(8)]
    routes = {"/": page(*links), **{p: page() for p, _ in links}}
    sites = [serve(dict(routes)), serve(dict(routes), "localhost")]
    for site in sites:
        site.delay = 0.05  # long enough for a second request to overlap if one were sent
    run_crawl(
        [site.url("/") for site in sites],
        tmp_path,
        DOWNLOAD_DELAY=delay,
        CONCURRENT_REQUESTS=16,
        spider_attrs={"allowed_domains": ["127.0.0.1", "localhost"]},
    )
    for site in sites:
        assert len(site.hits) == 10  # robots.txt, the home page and eight pages
        assert site.max_in_flight == 1


def test_429_without_retry_after_holds_at_once(serve, tmp_path: Path) -> None:
    def limited(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        return (429, HTML, b"too many") if hit.n == 1 else page()

    site = serve({"/": page(("/a", "a")), "/a": limited})
    crawl = run_crawl([site.url("/")], tmp_path, RETRY_TIMES=1, BACKOFF_BASE_DELAY=0.2)
    hits = [h for h in site.hits if h.path == "/a"]
    assert [h.n for h in hits] == [1, 2]
    assert hits[1].at - hits[0].at >= 0.2
    assert crawl.stats["backoff/holds/http_429"] == 1
