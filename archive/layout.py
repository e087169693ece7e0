"""Where things live inside an archive directory, and how WARC files are named.

``DIR/index.sqlite3`` the index; ``DIR/warc/*.warc.gz`` sealed files;
``DIR/warc/*.warc.gz.open`` the file being written; ``DIR/damaged/`` bytes cut off
partial tails during crash recovery; ``DIR/.writer.lock`` held by the one writer.
File names start with a UTC timestamp so that name order is write order.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from archive.errors import ArchiveError

WARC_DIR = "warc"
DAMAGED_DIR = "damaged"
LOCK_NAME = ".writer.lock"
OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"


def new_warc_name(prefix: str, serial: int) -> str:
    """``PREFIX-YYYYmmddHHMMSSffffff-SERIAL-PID-HOST.warc.gz`` (Heritrix-like, sortable)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:32]
    return f"{prefix}-{stamp}-{serial:05d}-{os.getpid()}-{host}{WARC_SUFFIX}"


def sealed_name(rel: str) -> str:
    """The name a file has (or will have) once sealed: what the index stores."""
    return rel[: -len(OPEN_SUFFIX)] if rel.endswith(OPEN_SUFFIX) else rel


def list_warcs(archive_dir: Path) -> list[Path]:
    """Every WARC file (sealed or open) in name order, i.e. in write order."""
    warc_dir = archive_dir / WARC_DIR
    if not warc_dir.is_dir():
        return []
    found = [
        p
        for p in warc_dir.iterdir()
        if p.is_file()
        and (p.name.endswith(WARC_SUFFIX) or p.name.endswith(WARC_SUFFIX + OPEN_SUFFIX))
    ]
    return sorted(found, key=lambda p: sealed_name(p.name))


def resolve(archive_dir: Path, rel: str) -> Path:
    """The path of an indexed file: sealed if it is, else the still-open file."""
    path = archive_dir / rel
    if path.exists():
        return path
    open_path = archive_dir / (rel + OPEN_SUFFIX)
    return open_path if open_path.exists() else path


def take_writer_lock(archive_dir: Path, purpose: str) -> IO[bytes]:
    """Hold ``DIR/.writer.lock`` (released by closing the returned file, or at exit/kill).

    One process at a time may change an archive: a crawl's writer, or a reindex.
    """
    fh = (archive_dir / LOCK_NAME).open("a+b")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ArchiveError(
            f"cannot {purpose}: archive {archive_dir} is being written by another process"
        ) from None
    return fh


def require_archive(archive_dir: Path) -> None:
    """ArchiveError (one line) unless ``archive_dir`` looks like an archive directory."""
    if not archive_dir.is_dir():
        raise ArchiveError(f"no archive at {archive_dir}: directory does not exist")
    if not (archive_dir / WARC_DIR).is_dir() and not (archive_dir / "index.sqlite3").is_file():
        raise ArchiveError(f"{archive_dir} is not a govcrawl archive (no warc/ or index.sqlite3)")
