"""The records extension (crawler/records_ext.py): configuration, and the records step it
runs once the engine has stopped (records.jsonl + the report's documents, under the lock)."""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.records import read_records, write_records
from crawler.records_ext import RecordsExtension
from crawler.report import REPORT_JSON
from tests.archive.conftest import make_capture
from tests.cli.conftest import fill

SEED = Path(__file__).resolve().parents[1] / "fixtures/seeds/001_9910e0f122eeadb7.txt"


def report_archive(archive_dir: Path) -> Path:
    """One captured page of portal "county": seed 001 (a guide and 8 annual reports)."""
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip()]
    title = html.escape(lines[1])
    body = (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
        + "".join(f"<p>{html.escape(ln)}</p>" for ln in lines[2:])
        + "</body></html>"
    ).encode()
    headers = (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))))
    capture = make_capture(body=body, response_headers=headers, provenance=Provenance("county"))
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(capture)
    return archive_dir


@pytest.mark.parametrize(
    "settings",
    [
        {"ARCHIVE_DIR": ""},
        {"ARCHIVE_DIR": "x", "RECORDS_ENABLED": False},
        {"ARCHIVE_DIR": "x", "ARCHIVE_ENABLED": False},
    ],
    ids=["no-archive-dir", "records-off", "archive-off"],
)
def test_not_configured(settings: dict[str, object]) -> None:
    with pytest.raises(NotConfigured):
        RecordsExtension.from_crawler(get_crawler(settings_dict=settings))


def test_registered_in_the_project_settings() -> None:
    from crawler import settings  # noqa: PLC0415

    assert "crawler.records_ext.RecordsExtension" in settings.EXTENSIONS
    assert settings.RECORDS_ENABLED is True


def _extension(archive_dir: Path, report_dir: Path | None = None) -> RecordsExtension:
    values: dict[str, object] = {"ARCHIVE_DIR": str(archive_dir)}
    if report_dir is not None:
        values["REPORT_DIR"] = str(report_dir)
    crawler = get_crawler(settings_dict=values)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return RecordsExtension.from_crawler(crawler)


def test_run_writes_the_records_normalise_writes_and_the_documents(tmp_path: Path) -> None:
    archive_dir = report_archive(tmp_path / "arc")
    reports = tmp_path / "reports"  # REPORT_DIR apart from the archive
    reports.mkdir()
    # The report as the report extension left it when the spider closed: no documents yet.
    totals = {"pages": 1, "candidates": 0, "challenges": 0, "failures": 0, "refused": 0}
    left = {"finish_reason": "finished", "totals": totals, "portals": {}}
    (reports / REPORT_JSON).write_text(json.dumps(left), "utf-8")
    ext = _extension(archive_dir, reports)
    ext.run()
    records = read_records(archive_dir / "records.jsonl")
    assert len(records) == 9
    write_records(archive_dir, tmp_path / "again.jsonl")  # the same code path, same bytes
    assert (tmp_path / "again.jsonl").read_bytes() == (archive_dir / "records.jsonl").read_bytes()
    assert ext.stats.get_value("records/written") == len(records)
    assert ext.stats.get_value("records/errors") == 0
    report = json.loads((reports / REPORT_JSON).read_text(encoding="utf-8"))
    assert report["totals"]["documents"] == len(records)
    documents = report["portals"]["county"]["documents"]
    assert documents["annual_report_years"] == list(range(2016, 2024))
    assert documents["by_kind"] == {"annual_report": 8, "guide": 1}


def test_run_derives_nothing_while_another_process_writes_the_archive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    archive_dir = fill(tmp_path / "arc")
    ext = _extension(archive_dir)
    with ArchiveWriter(archive_dir), caplog.at_level(logging.ERROR):
        ext.run()
    assert not (archive_dir / "records.jsonl").exists()
    assert "being written by another process" in caplog.text
    assert ext.stats.get_value("records/written") is None


def test_run_on_a_missing_archive_logs_and_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ext = _extension(tmp_path / "never")
    with caplog.at_level(logging.WARNING):
        ext.run()
    assert "no archive at" in caplog.text
    assert not (tmp_path / "never").exists()


def test_run_on_a_directory_without_an_index_logs_and_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    ext = _extension(empty)
    with caplog.at_level(logging.ERROR):
        ext.run()
    assert "records not derived" in caplog.text
    assert not (empty / "records.jsonl").exists()
