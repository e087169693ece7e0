"""Verification: recompute every digest and check the index against the WARC files.

Each problem names the file, the offset and what is wrong, so an operator can cut out
or restore exactly that region; the CLI exits 1 when there is any.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.errors import CorruptWarc
from archive.index import INDEX_NAME, ArchiveIndex
from archive.layout import OPEN_SUFFIX, list_warcs, require_archive, sealed_name
from archive.records import INDEXED_TYPES
from archive.warcfile import WarcRecord, parse_http_head, parse_record, scan_members


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the archive."""

    warc_file: str
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.warc_file}: offset {self.offset}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Seen:
    record_id: str
    record_type: str
    length: int


def _digest_matches(stated: str, data: bytes) -> bool | None:
    """Whether ``stated`` (``algo:value``, base32 or hex) is the digest of ``data``.

    None when the algorithm is unknown to hashlib (reported as a problem too).
    """
    algo, _, value = stated.partition(":")
    try:
        actual = hashlib.new(algo.lower().replace("-", ""), data).digest()
    except ValueError:
        return None
    try:
        expected = base64.b32decode(value.upper())
    except (binascii.Error, ValueError):
        try:
            expected = bytes.fromhex(value)
        except ValueError:
            return False
    return expected == actual


def check_record(record: WarcRecord) -> Iterator[str]:
    """Problems with one record's digests."""
    block_digest = record.header("WARC-Block-Digest")
    if block_digest:
        ok = _digest_matches(block_digest, record.block)
        if ok is None:
            yield f"unknown digest algorithm in WARC-Block-Digest {block_digest}"
        elif not ok:
            yield f"WARC-Block-Digest mismatch ({record.record_type} {record.record_id})"
    payload_digest = record.header("WARC-Payload-Digest")
    if payload_digest and record.record_type != "revisit":
        payload = record.block
        if record.record_type in ("response", "request"):
            try:
                payload = record.block[parse_http_head(record.block).length :]
            except CorruptWarc as exc:
                yield f"{record.record_type} {record.record_id}: {exc}"
                return
        ok = _digest_matches(payload_digest, payload)
        if ok is None:
            yield f"unknown digest algorithm in WARC-Payload-Digest {payload_digest}"
        elif not ok:
            yield f"WARC-Payload-Digest mismatch ({record.record_type} {record.record_id})"


def verify_archive(
    archive_dir: Path, *, progress: Callable[[str], None] | None = None
) -> list[Problem]:
    """Every problem found in ``archive_dir``, in file and offset order."""
    require_archive(archive_dir)
    problems: list[Problem] = []
    seen: dict[tuple[str, int], _Seen] = {}
    for path in list_warcs(archive_dir):
        rel = sealed_name(path.relative_to(archive_dir).as_posix())
        if progress is not None:
            progress(rel)
        in_flight = path.name.endswith(OPEN_SUFFIX)
        size = path.stat().st_size
        with path.open("rb") as fh:
            for member in scan_members(fh):
                if member.data is None:
                    if (
                        in_flight
                        and member.offset + member.length == size
                        and (member.error or "").startswith("truncated")
                    ):
                        continue  # the record a live writer is writing now (or recovery's job)
                    problems.append(Problem(rel, member.offset, member.error or "unreadable"))
                    continue
                try:
                    record = parse_record(member.data)
                except CorruptWarc as exc:
                    problems.append(Problem(rel, member.offset, str(exc)))
                    continue
                problems.extend(Problem(rel, member.offset, p) for p in check_record(record))
                seen[(rel, member.offset)] = _Seen(
                    record.record_id, record.record_type, member.length
                )
    problems.extend(_check_index(archive_dir, seen))
    return sorted(problems)


def _check_index(archive_dir: Path, seen: dict[tuple[str, int], _Seen]) -> Iterator[Problem]:
    index_path = archive_dir / INDEX_NAME
    if not index_path.is_file():
        yield Problem(INDEX_NAME, 0, "index missing (run: govcrawl reindex --archive DIR)")
        return
    index = ArchiveIndex(index_path, readonly=True)
    try:
        indexed: set[tuple[str, int]] = set()
        for row in index.rows():
            indexed.add((row.warc_file, row.offset))
            found = seen.get((row.warc_file, row.offset))
            if found is None:
                yield Problem(
                    row.warc_file,
                    row.offset,
                    f"index row {row.record_id} ({row.url}) points to no readable record",
                )
            elif found.record_id != row.record_id or found.length != row.length:
                yield Problem(
                    row.warc_file,
                    row.offset,
                    f"index row {row.record_id} length {row.length} does not match record "
                    f"{found.record_id} length {found.length}",
                )
            if row.metadata_offset is not None:
                meta = seen.get((row.warc_file, row.metadata_offset))
                if meta is None or meta.record_id != row.metadata_record_id:
                    yield Problem(
                        row.warc_file,
                        row.metadata_offset,
                        f"metadata record {row.metadata_record_id} of {row.record_id} not found",
                    )
        for (rel, offset), rec in seen.items():
            if rec.record_type in INDEXED_TYPES and (rel, offset) not in indexed:
                yield Problem(
                    rel,
                    offset,
                    f"{rec.record_type} {rec.record_id} is not in the index "
                    "(run: govcrawl reindex --archive DIR)",
                )
    finally:
        index.close()
