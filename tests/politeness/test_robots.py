"""robots.txt: obeyed, HTML soft-404 treated as absent, 5xx as disallow-all, logged override."""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path

import pytest
from scrapy import signals

from crawler.middlewares.backoff import BackoffMiddleware
from tests.politeness.conftest import HTML, page, run_crawl

TEXT = {"Content-Type": "text/plain"}


def test_disallowed_paths_are_not_fetched_and_reported(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/robots.txt": (200, TEXT, b"User-agent: *\nDisallow: /private/\n"),
            "/": page(("/private/a.html", "a"), ("/public.html", "b")),
            "/public.html": page(),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path)
    assert "/private/a.html" not in site.paths()
    assert "/public.html" in site.paths()
    assert crawl.stats["robotstxt/forbidden"] == 1
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["portals"]["p"]["refused"] == {"robots": 1}


def test_html_soft_404_robots_is_treated_as_absent(serve, tmp_path: Path) -> None:
    # Parsed as rules, this page would forbid everything.
    soft404 = b"<html><body>User-agent: *<br>\nDisallow: /\n</body></html>"
    site = serve(
        {
            "/robots.txt": (200, HTML, soft404),
            "/": page(("/a.html", "a")),
            "/a.html": page(),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path)
    assert "/a.html" in site.paths()
    assert crawl.stats["robotstxt/soft_404"] == 1
    assert "robotstxt/forbidden" not in crawl.stats


def test_robots_server_error_means_disallow_all(serve, tmp_path: Path) -> None:
    site = serve({"/robots.txt": (500, TEXT, b"oops"), "/": page()})
    crawl = run_crawl([site.url("/")], tmp_path)
    assert site.paths() == ["/robots.txt"]
    assert crawl.stats["robotstxt/unreachable"] == 1


@pytest.mark.parametrize("how", ["spider", "meta", "setting"])
def test_per_portal_override_is_obeyed_and_logged(
    serve, tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    site = serve(
        {
            "/robots.txt": (200, TEXT, b"User-agent: *\nDisallow: /\n"),
            "/": page(("/a.html", "a")),
            "/a.html": page(),
        }
    )
    attrs: dict[str, object] = {}
    overrides: dict[str, object] = {}
    if how == "spider":
        attrs["robots_override"] = {"p"}
    elif how == "setting":
        overrides["ROBOTSTXT_OVERRIDE_PORTALS"] = ["p"]
    else:

        def meta_everywhere(crawler):  # type: ignore[no-untyped-def]
            def mark(request):  # type: ignore[no-untyped-def]
                request.meta["govcrawl_robots_override"] = True

            crawler.signals.connect(mark, signal=signals.request_scheduled, weak=False)

        overrides["on_crawler"] = meta_everywhere
    with caplog.at_level(logging.WARNING):
        crawl = run_crawl([site.url("/")], tmp_path, spider_attrs=attrs, **overrides)
    assert "/a.html" in site.paths()
    assert "/robots.txt" not in site.paths()
    assert crawl.stats["robotstxt/overridden"] == 2
    assert any("NOT obeyed for portal p" in r.getMessage() for r in caplog.records)


def test_other_portals_still_obey_when_one_is_overridden(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/robots.txt": (200, TEXT, b"User-agent: *\nDisallow: /a.html\n"),
            "/": page(("/a.html", "a")),
            "/a.html": page(),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path, spider_attrs={"robots_override": {"other"}})
    assert "/a.html" not in site.paths()
    assert crawl.stats["robotstxt/forbidden"] == 1


def test_crawl_delay_becomes_a_per_host_minimum_interval(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/robots.txt": (200, TEXT, b"User-agent: govcrawl\nCrawl-delay: 0.2\n"),
            "/": page(("/a.html", "a")),
            "/a.html": page(),
        }
    )
    seen: dict[str, float] = {}
    started: list[float] = []

    def keep(crawler):  # type: ignore[no-untyped-def]
        def closed() -> None:
            mw = crawler.get_downloader_middleware(BackoffMiddleware)
            seen.update(mw._min_interval)

        def downloaded(response, request, spider):  # type: ignore[no-untyped-def]
            # When the downloader started this fetch (its slot's clock; one fetch in flight
            # per host, so no later start has overwritten it yet). Arrival times at the
            # server would add the loopback latency, which varies on a busy machine.
            slot = crawler.engine.downloader.slots[request.meta["download_slot"]]
            started.append(slot.lastseen)

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(downloaded, signal=signals.response_downloaded, weak=False)

    crawl = run_crawl([site.url("/")], tmp_path, on_crawler=keep)
    assert crawl.stats["robotstxt/crawl_delay_honoured"] == 1
    assert seen == {"127.0.0.1": 0.2}
    # the interval is enforced once robots.txt is read: later fetches start >= 0.2 s apart
    assert len(started) == len(site.hits) == 3
    assert all(b - a >= 0.2 - 1e-3 for a, b in itertools.pairwise(started[1:]))
