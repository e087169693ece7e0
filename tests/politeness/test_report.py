"""Crawl report and progress: reports by year and kind, missing years, discovery notes."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from rich.console import Console
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.progress import ProgressExtension
from crawler.report import kind_of, missing_years, year_of
from tests.politeness.conftest import page, run_crawl


def test_report_by_year_and_kind_with_missing_years_and_notes(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/": page(
                ("/r2019.html", "某县2019年政府信息公开工作年度报告"),
                ("/r2021.html", "某县2021年度政府信息公开工作年度报告"),
                ("/r2022.html", "某县2022年政府信息公开年报"),
                ("/guide.html", "某县政府信息公开指南"),
                ("/news.html", "新闻"),
            ),
            "/r2019.html": page(),
            "/r2021.html": page(),
            "/r2022.html": page(),
            "/guide.html": page(),
            "/news.html": page(),
        }
    )

    def discovery(crawler: Crawler) -> None:
        def closing(spider):  # type: ignore[no-untyped-def]
            crawler.stats.set_value("discovery/p/declared/col-1", 20)
            crawler.stats.set_value("discovery/p/found/col-1", 10)
            crawler.stats.set_value("discovery/p/declared/col-2", 5)
            crawler.stats.set_value("discovery/p/found/col-2", 5)

        crawler.signals.connect(closing, signal=signals.spider_idle, weak=False)

    run_crawl([site.url("/")], tmp_path, on_crawler=discovery)
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    p = report["portals"]["p"]
    # Discovery's figures, from link texts (documents come from records: tests/cli).
    assert p["candidates"]["found"] == 4
    assert p["candidates"]["by_year"] == {
        "2019": {"annual_report": 1},
        "2021": {"annual_report": 1},
        "2022": {"annual_report": 1},
        "unknown": {"guide": 1},
    }
    assert "documents" not in p  # added once records.jsonl is written (govcrawl crawl)
    assert p["notes"] == ["column col-1 declares 20 records, 10 found"]
    assert p["pages_fetched"] == 6  # the home page and its five links
    text = (tmp_path / "crawl-report.txt").read_text()
    assert "candidates 2019: annual_report 1" in text
    assert "column col-1 declares 20 records, 10 found" in text


def test_year_kind_and_missing_years() -> None:
    assert year_of("平潭综合实验区2019年度政府信息公开工作年度报告") == 2019
    assert year_of("2023 年报") == 2023
    assert year_of("政府信息公开指南") is None
    assert kind_of("政府信息公开指南") == "guide"
    assert kind_of("2020年政府信息公开年报") == "annual_report"
    assert kind_of("关于2014年政府信息公开工作要点落实情况的函") == "other"
    # discovery's rule wins over the words of the link text
    assert kind_of("政府信息公开指南及2016-2023年度报告", "title:annual_report") == "annual_report"
    assert kind_of("2020年年报", "title:guide") == "guide"
    assert missing_years({2015, 2018, 2016}) == [2017]
    assert missing_years(set()) == []


def test_progress_log_lines_per_portal(
    serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = serve({"/": page(("/r.html", "2020年年度报告")), "/r.html": page()})
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        run_crawl([site.url("/")], tmp_path, PROGRESS_MODE="log")
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.progress"]
    assert "progress: p: 2 pages, 1 reports, 0 challenges, 0 errors" in lines
    assert not any(line.startswith("progress: -") for line in lines)  # robots.txt is no page


def test_progress_live_table_renders_portals() -> None:
    ext = ProgressExtension.__new__(ProgressExtension)
    ProgressExtension.__init__(ext, None, live=True, interval=1.0)  # type: ignore[arg-type]
    ext.pages.update({"pingtan": 12, "gd": 3})
    ext.reports.update({"pingtan": 4})
    console = Console(record=True, width=100)
    console.print(ext.table())
    out = console.export_text()
    assert "pingtan" in out
    assert "12" in out
    assert "total" in out
    assert "15" in out


def test_progress_live_display_during_a_crawl(
    serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = serve({"/": page(("/r.html", "2020年年度报告")), "/r.html": page()})
    run_crawl([site.url("/")], tmp_path, PROGRESS_MODE="live")
    err = capsys.readouterr().err
    assert "govcrawl" in err  # the table's title
    # the portal's row: 2 pages, 1 report, 0 challenges, 0 errors
    assert re.search(r"│ p\s+│\s+2 │\s+1 │\s+0 │\s+0 │", err), err


def test_robots_failures_are_reported_under_the_portal(serve, hang, tmp_path: Path) -> None:
    site = serve({"/robots.txt": hang, "/": page()})  # robots.txt never answers
    run_crawl([site.url("/")], tmp_path, TEST_PATH_TIMEOUTS={"/robots.txt": 0.3})
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert set(report["portals"]) == {"p"}  # the robots.txt fetch carries no portal meta
    failures = report["portals"]["p"]["failures"]
    assert [n for k, n in failures.items() if "Timeout" in k] == [1]
