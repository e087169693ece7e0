"""Small promises of the command line: a corrupt record's message names its offset once;
records.jsonl gets the permissions of any other file (the umask's), not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import archive
from crawler.records import write_records
from tests.cli.conftest import URL, fill, run_main, warcs


def corrupt_latest(arc: Path) -> int:
    """Flip bytes inside URL's latest response record; returns its offset."""
    with archive.open(arc) as a:
        row = a.find(URL)
    path = arc / row.warc_file
    data = bytearray(path.read_bytes())
    for i in range(row.offset + 40, row.offset + 140):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    return row.offset


def test_corrupt_record_message_names_the_offset_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arc = fill(tmp_path / "arc")
    offset = corrupt_latest(arc)
    outcome = run_main(["get", URL, "--archive", str(arc)], capsys)
    assert outcome.code == 1
    (line,) = outcome.stderr.splitlines()
    assert line.startswith("govcrawl: error: warc/")
    assert line.count(f"offset {offset}") == 1
    assert line.count("offset") == 1
    verify = run_main(["verify", "--archive", str(arc)], capsys)
    assert verify.code == 1
    for problem in verify.stdout.splitlines():
        assert problem.count("offset") == 1, problem


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_records_file_mode_follows_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    arc = fill(tmp_path / "arc")
    assert warcs(arc)
    os.umask(mask)
    out = arc / "records.jsonl"
    write_records(arc, out)
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert not list(arc.glob(".*.tmp"))  # no temporary file left behind
