"""Fixtures for CLI tests: small archives (sound, and damaged in the ways users meet) and a
way to run ``govcrawl`` in-process or as the installed console script."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli import main
from tests.archive.conftest import at, make_capture

BIN = Path(sys.executable).parent
URL = "http://www.example.gov.cn/xxgk/ndbg/2023.html"
OTHER = "http://www.example.gov.cn/xxgk/ndbg/2022.html"


def fill(archive_dir: Path) -> Path:
    """An archive of two report pages (two captures of one of them)."""
    with ArchiveWriter(archive_dir) as w:
        for i, url in enumerate((URL, OTHER, URL)):
            w.write_capture(
                make_capture(
                    url=url,
                    fetched_at=at(i * 3600),
                    provenance=Provenance(portal="p", link_text="年度报告", rule="title"),
                )
            )
    return archive_dir


def warcs(archive_dir: Path) -> list[Path]:
    return sorted((archive_dir / "warc").glob("*.warc.gz"))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes): "untouched" means equal, SQLite's
    ``-wal``/``-shm`` sidecars included (a sealed archive has none; a read makes none)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """``govcrawl ARGV`` in this process (what the console script calls)."""
    capsys.readouterr()
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


def run_script(*args: str, cwd: Path | None = None) -> Outcome:
    """The installed ``govcrawl`` script in a subprocess."""
    proc = subprocess.run(
        [str(BIN / "govcrawl"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding a sound archive and damaged copies (see ``make_archives``)."""
    return make_archives(tmp_path_factory.mktemp("cli"))


def make_archives(root: Path) -> Path:
    sound = fill(root / "arc")
    # index.sqlite3 that is not a database
    bad_index = fill(root / "bad-index")
    (bad_index / "index.sqlite3").write_bytes(b"this is not sqlite\n" * 10)
    # a zero-byte index.sqlite3 (sqlite opens it as an empty database)
    empty_index = fill(root / "empty-index")
    (empty_index / "index.sqlite3").write_bytes(b"")
    # a garbage file and a zero-byte file among the WARCs
    damaged = fill(root / "damaged")
    (damaged / "warc" / "zz-garbage.warc.gz").write_bytes(bytes(range(256)) * 12)
    (damaged / "warc" / "zz-empty.warc.gz").write_bytes(b"")
    (root / "empty-dir").mkdir()
    (root / "afile").write_text("a regular file\n")
    (root / "bad.toml").write_text("[[portal]\nname = 'x'\n")
    (root / "no-tables.toml").write_text("title = 'no portals here'\n")
    (root / "bad-url.toml").write_text(
        "[[portal]]\nname = 'x'\nstart_urls = ['http://[::1']\n", encoding="utf-8"
    )
    (root / "page.html").write_text("<html><title>x</title></html>\n")
    assert warcs(sound)
    return root
