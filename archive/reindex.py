"""Rebuilding the index from the WARC files (whole archive, or one file after crash recovery)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path

from archive.errors import CorruptWarc
from archive.index import INDEX_NAME, ArchiveIndex, IndexRow
from archive.layout import list_warcs, require_archive, sealed_name, take_writer_lock
from archive.records import INDEXED_TYPES, link, row_for
from archive.warcfile import parse_record, scan_members

Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ReindexReport:
    files: int
    captures: int
    damaged_regions: int


def index_warc(
    archive_dir: Path,
    index: ArchiveIndex,
    path: Path,
    *,
    skip: Container[str] = (),
    warn: Warn | None = None,
) -> tuple[int, int]:
    """Add the captures of one WARC file to ``index`` (except record ids in ``skip``).

    Damaged regions are skipped with a warning ``file: offset N: problem``.
    Returns (captures added, damaged regions). Commits once at the end.
    """
    rel = sealed_name(path.relative_to(archive_dir).as_posix())
    added = damaged = 0
    pending: IndexRow | None = None

    def flush() -> None:
        nonlocal pending, added
        if pending is not None and pending.record_id not in skip:
            index.add(pending, commit=False)
            added += 1
        pending = None

    with path.open("rb") as fh:
        for member in scan_members(fh):
            problem = member.error
            record = None
            if member.data is not None:
                try:
                    record = parse_record(member.data)
                except CorruptWarc as exc:
                    problem = str(exc)
            if record is None:
                damaged += 1
                if warn is not None:
                    warn(f"{rel}: offset {member.offset}: skipped damaged region ({problem})")
                continue
            if record.record_type in INDEXED_TYPES:
                flush()
                try:
                    pending = row_for(record, rel, member.offset, member.length)
                except CorruptWarc as exc:
                    damaged += 1
                    if warn is not None:
                        warn(f"{rel}: offset {member.offset}: skipped record ({exc})")
            elif pending is not None and record.header("WARC-Concurrent-To") == pending.record_id:
                pending = link(pending, record, member.offset, member.length)
        flush()
    index.commit()
    return added, damaged


def _fresh_index(archive_dir: Path, warn: Warn | None) -> ArchiveIndex:
    """Open the index for rebuilding; a damaged one is moved aside (it is derived data)."""
    path = archive_dir / INDEX_NAME
    try:
        return ArchiveIndex(path)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{INDEX_NAME}.damaged-{int(time.time())}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(INDEX_NAME + suffix).unlink(missing_ok=True)
        if warn is not None:
            warn(f"{INDEX_NAME} was unreadable ({exc}); moved to {aside.name}, rebuilding")
        return ArchiveIndex(path)


def reindex(archive_dir: Path, *, warn: Warn | None = None) -> ReindexReport:
    """Rebuild ``DIR/index.sqlite3`` from every WARC in the archive, in file-name order.

    Holds the writer lock: a running crawl's writer and a rebuild must not interleave.
    """
    require_archive(archive_dir)
    lock = take_writer_lock(archive_dir, "reindex")
    try:
        index = _fresh_index(archive_dir, warn)
    except BaseException:
        lock.close()
        raise
    try:
        index.clear()
        files = captures = damaged = 0
        for path in list_warcs(archive_dir):
            added, bad = index_warc(archive_dir, index, path, warn=warn)
            files += 1
            captures += added
            damaged += bad
        return ReindexReport(files=files, captures=captures, damaged_regions=damaged)
    finally:
        index.close()
        lock.close()
