"""Traps: calendars, repeating paths, growing queries, URL length, host budget, depth."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.utils.test import get_crawler

from crawler.middlewares.traps import TrapsMiddleware
from tests.politeness.conftest import Hit, page, run_crawl


def test_traps_are_dropped_counted_and_reported(serve, tmp_path: Path) -> None:
    def calendar(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        # an endless calendar: every month links to the next one
        year = int(hit.path.split("year=")[1].split("&")[0])
        return page((f"/cal?year={year + 1}&month=1", "next"))

    def grow(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        return page((hit.path + "&x=1" if "?" in hit.path else hit.path + "?x=1", "more"))

    site = serve(
        {
            "/": page(
                ("/cal?year=2020&month=1", "calendar"),
                ("/a/b/", "rel"),
                ("/grow", "grow"),
                ("/long?q=" + "x" * 2000, "long"),
                ("/p?id=1&id=1&id=1&id=1", "params"),
            ),
            "/a/b/": page(("a/b/", "relative link resolved against the wrong base")),
            "/a/b/a/b/": page(("a/b/", "again")),
            "/grow": grow,
        }
    )
    for y in range(2020, 2040):
        site.routes[f"/cal?year={y}&month=1"] = calendar
    for n in range(1, 10):
        path = "/grow?" + "&".join(["x=1"] * n)
        site.routes[path] = grow

    crawl = run_crawl([site.url("/")], tmp_path, TRAPS_MAX_YEAR=2026)
    paths = site.paths()
    assert max(int(p.split("year=")[1].split("&")[0]) for p in paths if "year=" in p) == 2026
    assert "/a/b/a/b/a/b/" not in paths
    assert "/a/b/a/b/" in paths
    assert not any(p.startswith("/long") for p in paths)
    assert not any(p.startswith("/p?") for p in paths)
    assert max(p.count("x=1") for p in paths) == 3  # TRAPS_MAX_QUERY_GROWTH steps
    stats = crawl.stats
    for kind in ("calendar", "repeating_path", "url_length", "growing_query"):
        assert stats[f"traps/{kind}"] >= 1, kind
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert set(report["portals"]["p"]["traps"]) == {
        "calendar",
        "repeating_path",
        "url_length",
        "growing_query",
    }


def test_host_budget_and_portal_budget(serve, tmp_path: Path) -> None:
    links = [(f"/n{i}", f"n{i}") for i in range(10)]
    site = serve({"/": page(*links), **{p: page() for p, _ in links}})
    crawl = run_crawl([site.url("/")], tmp_path, TRAPS_HOST_BUDGET=4)
    assert len(site.paths()) == 5  # robots.txt, then the home page and three more
    assert crawl.stats["traps/host_budget"] == 7

    site2 = serve({"/": page(*links), **{p: page() for p, _ in links}})
    crawl = run_crawl([site2.url("/")], tmp_path, spider_attrs={"portal_page_budgets": {"p": 5}})
    assert len(site2.paths()) == 6
    assert crawl.stats["traps/portal_budget"] == 6


def test_depth_limit_is_counted_and_reported(serve, tmp_path: Path) -> None:
    site = serve({f"/d{i}": page((f"/d{i + 1}", "deeper")) for i in range(10)})
    crawl = run_crawl([site.url("/d0")], tmp_path, DEPTH_LIMIT=3)
    assert "/d3" in site.paths()
    assert "/d4" not in site.paths()
    assert crawl.stats["depth/request_ignored_count"] == 1
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["politeness_stats"]["depth/request_ignored_count"] == 1


@pytest.mark.parametrize(
    ("url", "trap"),
    [
        ("http://a.gov.cn/cal?year=2500&month=1", True),
        ("http://a.gov.cn/cal?date=25000101", True),
        ("http://a.gov.cn/cal?ym=189912", True),
        ("http://a.gov.cn/news/2099/01/", True),
        ("http://a.gov.cn/cal?year=2020&month=1", False),
        ("http://a.gov.cn/cal?date=20200101", False),
        ("http://a.gov.cn/art?d=4567&m=1234", False),  # ids, not dates
        ("http://a.gov.cn/api?time=1700000000000", False),  # a timestamp
        ("http://a.gov.cn/art/2021/1/1/art_123_456.html", False),
    ],
)
def test_calendar_detection(url: str, trap: bool) -> None:
    mw = TrapsMiddleware(get_crawler(settings_dict={"TRAPS_MAX_YEAR": 2030}))
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    assert mw._calendar(parts.path, params) is trap
