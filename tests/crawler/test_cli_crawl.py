"""``govcrawl crawl`` / ``govcrawl demo`` user errors, and ``scrapy crawl portal`` from the repo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli.crawl_cmds import DEMO_MARKER, crawl_settings
from crawler.demo.server import DemoPortal
from crawler.records import read_records
from tests.subprocesses import GOVCRAWL, run

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def _govcrawl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run([str(GOVCRAWL), *args], timeout=120, cwd=cwd)


@pytest.mark.parametrize("url", ["ftp://example.gov.cn/", "www.example.gov.cn", "http:///x"])
def test_bad_start_url_is_one_line_and_exit_1(url: str, tmp_path: Path) -> None:
    proc = _govcrawl("crawl", url, "--archive", str(tmp_path / "a"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"govcrawl: error: not an http(s) URL: {url!r}"]
    assert not (tmp_path / "a").exists()


def test_negative_delay_is_refused(tmp_path: Path) -> None:
    proc = _govcrawl("crawl", "http://x.gov.cn/", "--archive", str(tmp_path), "--delay", "-1")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "govcrawl: error: Invalid value for '--delay': -1.0 is not in the range x>=0."
    ]


def test_bad_setting_override_is_one_line(tmp_path: Path) -> None:
    proc = _govcrawl("crawl", "http://x.gov.cn/", "--archive", str(tmp_path), "-s", "NOEQUALS")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "govcrawl: error: -s expects NAME=VALUE, got 'NOEQUALS'"
    ]


def test_demo_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    proc = _govcrawl("demo", "--archive", str(tmp_path))
    assert proc.returncode == 1
    assert "was not made by `govcrawl demo`" in proc.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert not (tmp_path / DEMO_MARKER).exists()


def test_crawl_settings_apply_command_line_values(tmp_path: Path) -> None:
    s = crawl_settings(tmp_path, delay=0.0, allow_private=True, contact="ops@example.org", depth=3)
    assert s["ARCHIVE_DIR"] == str(tmp_path)
    assert s.getfloat("DOWNLOAD_DELAY") == 0.0
    assert s.getbool("AUTOTHROTTLE_ENABLED") is False
    assert s.getbool("SCOPE_ALLOW_PRIVATE") is True
    assert "+ops@example.org" in s["USER_AGENT"]
    assert s.getint("DEPTH_LIMIT") == 3
    polite = crawl_settings(tmp_path)
    assert polite.getfloat("DOWNLOAD_DELAY") >= 1
    assert polite.getbool("SCOPE_ALLOW_PRIVATE") is False


def test_scrapy_crawl_portal_from_the_repository_root(tmp_path: Path) -> None:
    archive_dir = tmp_path / "archive"
    with DemoPortal() as portal:
        proc = subprocess.run(
            [
                str(BIN / "scrapy"),
                "crawl",
                "portal",
                "-a",
                f"start_urls={portal.url}",
                "-s",
                f"ARCHIVE_DIR={archive_dir}",
                "-s",
                "SCOPE_ALLOW_PRIVATE=True",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = list((archive_dir / "warc").glob("*.warc.gz"))
    assert len(files) == 1
    assert (archive_dir / "index.sqlite3").exists()
    assert (archive_dir / "pages.jsonl").read_text(encoding="utf-8").count("\n") == 5
    # The records step runs for `scrapy crawl` too (crawler/records_ext.py), after the
    # capture extension sealed the WARC and closed the index.
    records = read_records(archive_dir / "records.jsonl")
    assert len(records) == 13  # the demo portal's documents, as `govcrawl demo` finds them
    assert {r["kind"] for r in records} >= {"annual_report", "guide"}
    report = json.loads((archive_dir / "crawl-report.json").read_text(encoding="utf-8"))
    assert report["totals"]["documents"] == 13
    (documents,) = [p["documents"] for p in report["portals"].values() if "documents" in p]
    assert documents["found"] >= 1
    assert not list(archive_dir.glob("index.sqlite3-*"))  # sealed: no WAL sidecars
    assert not list(archive_dir.glob("warc/*.open"))


def test_crawl_into_an_archive_another_crawl_is_writing_stops_at_once(tmp_path: Path) -> None:
    from archive.writer import ArchiveWriter  # noqa: PLC0415

    archive_dir = tmp_path / "archive"
    with DemoPortal() as portal, ArchiveWriter(archive_dir):
        proc = _govcrawl(
            "crawl",
            portal.url,
            "--archive",
            str(archive_dir),
            "--allow-private",
            "--delay",
            "0",
            "--log-level",
            "ERROR",
        )
    assert proc.returncode == 1
    assert "being written by another process" in proc.stderr
    assert "crawl stopped early (archive_error)" in proc.stderr
