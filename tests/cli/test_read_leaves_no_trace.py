"""Read-only commands leave an archive directory exactly as they found it: a closed writer
leaves the index out of WAL mode, so no reader creates SQLite ``-wal``/``-shm`` files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.index import INDEX_NAME, ArchiveIndex
from archive.reader import Archive
from tests.cli.conftest import URL, fill, run_main, snapshot

SIDECARS = ("index.sqlite3-wal", "index.sqlite3-shm")


def journal_mode(index: Path) -> str:
    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        db.close()


def test_a_closed_writer_leaves_one_index_file_in_rollback_mode(tmp_path: Path) -> None:
    archive_dir = fill(tmp_path / "arc")
    assert not [n for n in SIDECARS if (archive_dir / n).exists()]
    assert journal_mode(archive_dir / INDEX_NAME) == "delete"
    with Archive(archive_dir) as arc:
        assert len(arc.history(URL)) == 2  # nothing lost in the switch
    assert not [n for n in SIDECARS if (archive_dir / n).exists()]


@pytest.mark.parametrize(
    "argv",
    [
        ["get", URL],
        ["history", URL],
        ["verify"],
        ["export-cdxj"],
    ],
    ids=["get", "history", "verify", "export-cdxj"],
)
def test_read_only_command_leaves_the_directory_unchanged(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    archive_dir = fill(tmp_path / "arc")
    before = snapshot(archive_dir)
    outcome = run_main([*argv, "--archive", str(archive_dir)], capsys)
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout + outcome.stderr  # the command did its work
    assert snapshot(archive_dir) == before  # same names, same bytes: no -wal, no -shm


def test_export_wacz_leaves_the_archive_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_dir = fill(tmp_path / "arc")
    before = snapshot(archive_dir)
    out = tmp_path / "arc.wacz"
    outcome = run_main(["export-wacz", "--archive", str(archive_dir), "-o", str(out)], capsys)
    assert outcome.code == 0, outcome.stderr
    assert out.stat().st_size > 0
    assert snapshot(archive_dir) == before


def test_writer_closing_under_an_open_reader_keeps_the_index_readable(tmp_path: Path) -> None:
    """The switch out of WAL needs the only connection: with a reader in, the index stays
    in WAL (correct, just with sidecars), and the reader still sees every row."""
    path = tmp_path / INDEX_NAME
    writer = ArchiveIndex(path)
    reader = ArchiveIndex(path, readonly=True)
    assert reader.count() == 0
    writer.close()
    assert reader.count() == 0
    reader.close()
    again = ArchiveIndex(path)
    again.close()
    assert journal_mode(path) == "delete"
    assert not [n for n in SIDECARS if (tmp_path / n).exists()]
