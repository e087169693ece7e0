"""The Scrapy components meet an unusable ARCHIVE_DIR without a traceback: ``scrapy crawl``
(which skips the CLI's own check) logs one error line per component and archives nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRAPY = Path(sys.executable).parent / "scrapy"


def test_archive_dir_under_a_file_fails_cleanly_in_scrapy_crawl(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    proc = subprocess.run(
        [
            str(SCRAPY),
            "crawl",
            "portal",
            "-a",
            "start_urls=http://127.0.0.1:9/",  # never fetched: the crawl stops first
            "-s",
            f"ARCHIVE_DIR={blocker / 'sub'}",
            "-s",
            "SCOPE_ALLOW_PRIVATE=1",
            "-s",
            "LOG_LEVEL=ERROR",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = proc.stderr.splitlines()
    assert any("[crawler.capture] ERROR: cannot open the archive" in line for line in errors)
    assert any("[crawler.pipelines] ERROR: cannot write the report page list" in e for e in errors)
    assert any("[crawler.report] ERROR: crawl report not written" in line for line in errors)
    assert blocker.read_text() == "x"
