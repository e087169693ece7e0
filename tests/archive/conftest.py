"""Fixtures for archive tests: Capture builders, a writer on a temporary directory, warcio check."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive import Capture, Provenance
from archive.writer import ArchiveWriter

T0 = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)
WARCIO = Path(sys.executable).parent / "warcio"


def make_capture(**overrides: Any) -> Capture:
    """A plain 200 text/html GET; tests override what they are about."""
    base = Capture(
        url="http://www.example.gov.cn/xxgk/ndbg/index.html",
        method="GET",
        request_target="/xxgk/ndbg/index.html",
        request_headers=(("Host", "www.example.gov.cn"), ("User-Agent", "govcrawl-test")),
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        reason="OK",
        response_headers=(("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "22")),
        body=b"<html>annual rep</html>"[:22],
        fetched_at=T0,
        ip_address="127.0.0.1",
        provenance=Provenance(portal="example", hops="L"),
    )
    return replace(base, **overrides)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run the real ``warcio check`` on the files (exit 0 = every digest verified)."""
    return subprocess.run(
        [str(WARCIO), "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def sealed_warcs(archive_dir: Path) -> list[Path]:
    return sorted((archive_dir / "warc").glob("*.warc.gz"))


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "arc"


@pytest.fixture
def writer(archive_dir: Path) -> Iterator[ArchiveWriter]:
    w = ArchiveWriter(archive_dir, warcinfo={"operator": "test", "crawl-config": {"depth": 2}})
    yield w
    w.close()
