"""Crash recovery: seal ``*.open`` files left by a writer that died (kill -9, power loss).

A record is flushed as one complete gzip member before the next is started, so a dead
writer leaves at most one partial member at the tail. We keep every complete record,
copy the bytes after the last one to ``DIR/damaged/`` (never delete what was on disk),
truncate, rename the file to its sealed name and index any record the index is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.errors import CorruptWarc
from archive.index import ArchiveIndex
from archive.layout import DAMAGED_DIR, OPEN_SUFFIX, WARC_DIR, sealed_name
from archive.reindex import index_warc
from archive.warcfile import parse_record, scan_members


@dataclass(frozen=True, slots=True)
class Recovered:
    """What recovery did to one file."""

    path: Path  # the sealed file (or the removed empty file)
    kept_bytes: int
    damaged_bytes: int
    damaged_copy: Path | None
    indexed: int


def _good_prefix(path: Path) -> int:
    """End offset of the last member that holds one complete, parseable WARC record."""
    end = 0
    with path.open("rb") as fh:
        for member in scan_members(fh):
            if member.data is None:
                continue
            try:
                parse_record(member.data)
            except CorruptWarc:
                continue
            end = member.offset + member.length
    return end


def recover_file(archive_dir: Path, path: Path, index: ArchiveIndex) -> Recovered:
    """Seal one leftover open file (see module docstring)."""
    size = path.stat().st_size
    keep = _good_prefix(path)
    copy: Path | None = None
    if keep < size:
        damaged_dir = archive_dir / DAMAGED_DIR
        damaged_dir.mkdir(exist_ok=True)
        copy = damaged_dir / f"{sealed_name(path.name)}.{keep}.damaged"
        with path.open("rb") as src, copy.open("wb") as dst:
            src.seek(keep)
            shutil.copyfileobj(src, dst)
        with path.open("r+b") as fh:
            fh.truncate(keep)
    sealed = path.with_name(sealed_name(path.name))
    if keep == 0:
        path.unlink()  # nothing complete was in it; its bytes (if any) are in damaged/
        return Recovered(sealed, 0, size - keep, copy, 0)
    path.rename(sealed)
    rel = sealed.relative_to(archive_dir).as_posix()
    added, _ = index_warc(archive_dir, index, sealed, skip=index.record_ids_in(rel))
    return Recovered(sealed, keep, size - keep, copy, added)


def recover_archive(
    archive_dir: Path, index: ArchiveIndex, warn: Callable[[str], None] | None = None
) -> list[Recovered]:
    """Recover every ``*.open`` file in the archive. Call only while holding the writer lock."""
    done: list[Recovered] = []
    warc_dir = archive_dir / WARC_DIR
    if not warc_dir.is_dir():
        return done
    for path in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        result = recover_file(archive_dir, path, index)
        if warn is not None:
            warn(
                f"recovered {path.name}: kept {result.kept_bytes} bytes, "
                f"moved {result.damaged_bytes} damaged bytes aside, indexed {result.indexed}"
            )
        done.append(result)
    return done
