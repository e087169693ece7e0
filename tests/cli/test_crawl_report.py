"""The crawl report's documents come from the records written at the end of the crawl
(not from link texts), attributed to portals by the captures' provenance; link-text
figures stay as discovery's ``candidates``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli.crawl_cmds import CrawlResult, summary_lines
from crawler.report import (
    REPORT_JSON,
    REPORT_TEXT,
    CrawlReportExtension,
    add_documents,
    documents_summary,
)
from tests.archive.conftest import at, make_capture
from tests.cli.conftest import run_script


def test_demo_report_counts_every_document_of_the_multi_document_page(tmp_path: Path) -> None:
    archive_dir = tmp_path / "demo"
    outcome = run_script("demo", "--archive", str(archive_dir))
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert str((archive_dir / REPORT_JSON).resolve()) in outcome.stdout  # the summary names it
    report = json.loads((archive_dir / REPORT_JSON).read_text(encoding="utf-8"))
    assert report["report_version"] == 2
    portal = report["portals"]["demo-county"]
    docs = portal["documents"]
    # seed 001's page holds a guide and the annual reports 2016-2023 of one office
    assert docs["annual_report_years"] == list(range(2016, 2024))
    assert docs["missing_years"] == []
    assert docs["by_kind"]["guide"] >= 1
    for year in range(2016, 2024):
        assert docs["by_year"][str(year)]["annual_report"] >= 1
    records = (archive_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert docs["found"] == len(records) == report["totals"]["documents"]
    # discovery's figures are kept, apart: one candidate page for the whole seed-001 page
    assert portal["candidates"]["found"] < docs["found"]
    text = (archive_dir / REPORT_TEXT).read_text(encoding="utf-8")
    assert f"{docs['found']} documents" in text
    assert "2016: annual_report 1" in text
    assert "missing years" not in text


def _record(
    record_id: str, kind: str, year: int | None, capture: str, **extra: Any
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "kind": kind,
        "report_year": year,
        "capture": {"record_id": capture, "warc_file": "w", "offset": 0},
        "flags": [],
        "parent_record_id": None,
        **extra,
    }


def _archive_with_portals(archive_dir: Path) -> dict[str, str]:
    """Three captures: two of portal 'county', one of portal 'city'; url -> record id."""
    ids = {}
    with ArchiveWriter(archive_dir) as w:
        for i, (url, portal) in enumerate(
            [
                ("http://www.county.gov.cn/nb/2019.html", "county"),
                ("http://www.county.gov.cn/nb/2021.html", "county"),
                ("http://www.city.gov.cn/nb/2022.html", "city"),
            ]
        ):
            written = w.write_capture(
                make_capture(url=url, fetched_at=at(i), provenance=Provenance(portal=portal))
            )
            ids[url] = written.record_id
    return ids


def test_report_documents_attributed_by_provenance_with_a_missing_year(tmp_path: Path) -> None:
    archive_dir = tmp_path / "arc"
    ids = _archive_with_portals(archive_dir)
    county_2019, county_2021, city_2022 = ids.values()
    # The report as the crawl left it: link texts saw one candidate of 2020 (wrong).
    crawl_report = {
        "report_version": 2,
        "finish_reason": "finished",
        "totals": {"pages": 3, "candidates": 1, "challenges": 0, "failures": 0, "refused": 0},
        "portals": {
            "county": {
                "pages_fetched": 2,
                "candidates": {"found": 1, "by_year": {"2020": {"annual_report": 1}}},
                "notes": [],
            }
        },
    }
    (tmp_path / REPORT_JSON).write_text(json.dumps(crawl_report), encoding="utf-8")
    records = [
        _record("r1", "annual_report", 2019, county_2019),
        _record("r2", "annual_report", 2021, county_2021),
        _record("r3", "guide", None, county_2021),
        _record("r4", "annual_report", 2022, city_2022),
        _record("r5", "annual_report", 2018, "<urn:uuid:not-in-the-archive>"),
    ]
    report = add_documents(tmp_path, archive_dir, records)
    assert report is not None
    assert report == json.loads((tmp_path / REPORT_JSON).read_text(encoding="utf-8"))
    county = report["portals"]["county"]["documents"]
    assert county["annual_report_years"] == [2019, 2021]
    assert county["missing_years"] == [2020]
    assert county["by_kind"] == {"annual_report": 2, "guide": 1}
    assert county["by_year"] == {
        "2019": {"annual_report": 1},
        "2021": {"annual_report": 1},
        "unknown": {"guide": 1},
    }
    assert report["portals"]["county"]["candidates"]["by_year"] == {"2020": {"annual_report": 1}}
    assert report["portals"]["city"]["documents"]["annual_report_years"] == [2022]
    assert report["portals"]["-"]["documents"]["found"] == 1  # a capture the archive lacks
    assert report["totals"]["documents"] == 5
    text = (tmp_path / REPORT_TEXT).read_text(encoding="utf-8")
    assert "portal county: 2 pages, 3 documents (annual_report 2, guide 1)" in text
    assert "  missing years: 2020" in text


def test_a_stub_page_and_the_file_holding_its_report_are_one_document() -> None:
    summary = documents_summary(
        [
            _record("page", "annual_report", 2020, "c1", flags=["text_in_attachment"]),
            _record("file", "annual_report", 2020, "c2", parent_record_id="page"),
            _record("lone", "annual_report", 2021, "c3", flags=["text_in_attachment"]),
        ]
    )
    assert summary["found"] == 2
    assert summary["by_year"] == {"2020": {"annual_report": 1}, "2021": {"annual_report": 1}}


def test_no_crawl_report_means_nothing_to_add(tmp_path: Path) -> None:
    archive_dir = tmp_path / "arc"
    _archive_with_portals(archive_dir)
    assert add_documents(tmp_path, archive_dir, []) is None
    assert not (tmp_path / REPORT_JSON).exists()


def test_unwritable_report_dir_is_one_logged_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    crawler = get_crawler(settings_dict={"REPORT_DIR": str(blocker / "sub")})
    ext = CrawlReportExtension.from_crawler(crawler)
    with caplog.at_level(logging.ERROR, logger="crawler.report"):
        ext.spider_closed(spider=None, reason="finished")  # type: ignore[arg-type]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "crawl report not written" in errors[0].getMessage()
    assert blocker.read_text() == "x"


def test_crawl_summary_names_missing_years_per_portal(tmp_path: Path) -> None:
    archive_dir = tmp_path / "arc"
    _archive_with_portals(archive_dir)
    report = {"portals": {"county": {"documents": {"missing_years": [2020]}}, "city": {}}}
    result = CrawlResult(archive_dir=archive_dir, stats={}, report=report)
    lines = summary_lines(result)
    assert "  missing years (county): 2020" in lines
    assert not any("(city)" in line for line in lines)
    assert any(line.endswith(REPORT_JSON) and "crawl report" in line for line in lines)
