"""The archive subcommands of ``govcrawl``: output, and one-line errors with exit 1."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli import main
from tests.archive.conftest import at, make_capture

URL = "http://www.example.gov.cn/ndbg/2023.html?id=1"
PAGE = "<html><title>2023年度报告</title></html>".encode()


@pytest.fixture
def filled(archive_dir: Path) -> Path:
    with ArchiveWriter(archive_dir) as w:
        for i, text in enumerate([b"old", PAGE]):
            w.write_capture(
                make_capture(
                    url=URL,
                    reason="OK",
                    response_headers=(
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Encoding", "gzip"),
                    ),
                    body=gzip.compress(text, mtime=0),
                    fetched_at=at(i * 86400),
                    provenance=Provenance(portal="x", link_text="2023年度报告", rule="title"),
                )
            )
    return archive_dir


def run(argv: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_get_prints_decoded_body(filled: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(["get", URL, "--archive", str(filled)], capsysbinary)
    assert (code, out) == (0, PAGE)


def test_get_at_and_raw(filled: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(
        ["get", URL, "--archive", str(filled), "--at", "2024-05-01T12:00:00Z", "--raw"],
        capsysbinary,
    )
    assert code == 0
    assert out == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Encoding: gzip\r\n\r\n" + gzip.compress(b"old", mtime=0)
    )


def test_get_to_file(
    filled: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    target = tmp_path / "page.html"
    code, out, err = run(["get", URL, "--archive", str(filled), "-o", str(target)], capsysbinary)
    assert code == 0
    assert out == b""
    assert target.read_bytes() == PAGE
    assert str(target) in err


def test_history(filled: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(
        [
            "history",
            "HTTP://WWW.Example.GOV.CN:80/ndbg/2023.html?id=1#top",
            "--archive",
            str(filled),
        ],
        capsysbinary,
    )
    assert code == 0
    lines = out.decode().splitlines()
    assert len(lines) == 2
    first = lines[0].split("\t")
    assert first[0] == "2024-05-01T08:00:00.123456Z"
    assert first[1] == "200"
    assert first[2] == str(len(gzip.compress(b"old", mtime=0)))
    assert first[3].startswith("sha1:")
    assert first[4].startswith("<urn:uuid:")
    assert lines[1].startswith("2024-05-02T08:00:00.123456Z\t200\t")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["get", "http://never.example/"], "was never captured"),
        (["get", URL, "--at", "2024-04-01"], "no capture at or before 2024-04-01T23:59:59.999999Z"),
        (["get", URL, "--at", "yesterday"], "bad TIME 'yesterday'"),
        (["history", "http://never.example/"], "was never captured"),
    ],
)
def test_user_errors_are_one_line(
    filled: Path, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], message: str
) -> None:
    code, out, err = run([*argv, "--archive", str(filled)], capsysbinary)
    assert code == 1
    assert out == b""
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "command", ["get http://x/", "history http://x/", "verify", "reindex", "export-cdxj"]
)
def test_missing_archive_dir(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], command: str
) -> None:
    missing = tmp_path / "missing"
    code, _, err = run([*command.split(), "--archive", str(missing)], capsysbinary)
    assert code == 1
    assert err.strip().splitlines() == [
        f"govcrawl: error: no archive at {missing}: directory does not exist"
    ]
    assert not missing.exists()


def test_verify_and_reindex_commands(
    filled: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, out, err = run(["verify", "--archive", str(filled)], capsysbinary)
    assert (code, out) == (0, b"")
    assert "no problems" in err
    db = sqlite3.connect(filled / "index.sqlite3")
    with db:
        db.execute("DELETE FROM captures")
    db.close()
    code, out, err = run(["verify", "--archive", str(filled)], capsysbinary)
    assert code == 1
    assert out.decode().count("is not in the index") == 2
    assert "2 problem(s)" in err
    code, _, err = run(["reindex", "--archive", str(filled)], capsysbinary)
    assert code == 0
    assert "reindexed 2 captures from 1 files" in err
    code, _, _ = run(["verify", "--archive", str(filled)], capsysbinary)
    assert code == 0


@pytest.mark.parametrize("command", ["verify", "reindex", "export-cdxj", "history http://x/"])
def test_directory_that_is_not_an_archive(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], command: str
) -> None:
    code, _, err = run([*command.split(), "--archive", str(tmp_path)], capsysbinary)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "is not a govcrawl archive" in err
    assert list(tmp_path.iterdir()) == []  # nothing created in a stranger's directory
