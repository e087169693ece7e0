"""Reading an archive: captures by URL and time, history, iteration, as typed StoredCaptures."""

from __future__ import annotations

import gzip
import os
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import brotli  # type: ignore[import-untyped]

from archive.errors import ArchiveError, CorruptWarc, NotCaptured
from archive.index import INDEX_NAME, ArchiveIndex, CrawlState, IndexRow
from archive.layout import list_warcs, resolve
from archive.metadata import F_CHARSET, decode_fields, provenance_from_fields
from archive.times import format_ts, parse_user_time
from archive.types import CaptureRef, HeaderList, Provenance
from archive.urls import url_key
from archive.warcfile import WarcRecord, parse_http_head, parse_record, read_member


def _header(headers: HeaderList, name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def decode_content(raw: bytes, content_encoding: str | None) -> bytes:
    """Undo Content-Encoding (gzip, x-gzip, deflate, br; several applied in order)."""
    if not content_encoding:
        return raw
    data = raw
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding listed was applied last
        try:
            if coding in ("gzip", "x-gzip"):
                data = gzip.decompress(data)
            elif coding == "deflate":
                try:
                    data = zlib.decompress(data)
                except zlib.error:  # servers often send raw deflate without the zlib wrapper
                    data = zlib.decompress(data, -zlib.MAX_WBITS)
            elif coding == "br":
                data = brotli.decompress(data)
            elif coding != "identity":
                raise ArchiveError(f"unsupported Content-Encoding {coding!r} (use the raw body)")
        except (OSError, EOFError, zlib.error, brotli.error) as exc:
            raise ArchiveError(
                f"body does not decode as {coding} ({exc}); use the raw body"
            ) from None
    return data


@dataclass(frozen=True, slots=True)
class StoredCapture:
    """One archived response (or browser-rendered resource), read back from its WARC record.

    ``raw_http`` is the record block exactly as stored: for a response the status line,
    headers and body as received; for a resource just the body. ``raw_body`` is the body
    still content-encoded; ``body()`` decodes it.
    """

    ref: CaptureRef
    record_type: str  # "response" | "resource"
    protocol: str | None
    status: int | None
    reason: str | None
    headers: HeaderList  # response headers in stored order, with repeats
    raw_body: bytes
    raw_http: bytes
    warc_headers: HeaderList
    provenance: Provenance | None  # None when the metadata record is missing
    charset_decision: str | None
    fetch_method: str
    refers_to: str | None

    @property
    def url(self) -> str:
        return self.ref.url

    @property
    def fetched_at(self) -> datetime:
        return self.ref.fetched_at

    @property
    def content_type(self) -> str | None:
        return self.ref.content_type

    def header(self, name: str) -> str | None:
        """First response header called ``name`` (case-insensitive)."""
        return _header(self.headers, name)

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]

    def body(self) -> bytes:
        """The entity body decoded from its Content-Encoding (ArchiveError if it cannot be)."""
        if self.record_type != "response":
            return self.raw_body
        return decode_content(self.raw_body, ", ".join(self.header_values("Content-Encoding")))


class Archive:
    """A read-only view of an archive directory (safe while a writer appends to it)."""

    def __init__(self, archive_dir: str | os.PathLike[str]) -> None:
        self.archive_dir = Path(archive_dir)
        if not self.archive_dir.is_dir():
            raise ArchiveError(f"no archive at {self.archive_dir}: directory does not exist")
        index_path = self.archive_dir / INDEX_NAME
        if not index_path.is_file():
            if list_warcs(self.archive_dir):
                raise ArchiveError(
                    f"archive {self.archive_dir} has no index; run: govcrawl reindex --archive DIR"
                )
            raise ArchiveError(f"{self.archive_dir} is not a govcrawl archive (no {INDEX_NAME})")
        self.skipped: list[str] = []
        try:
            self.index = ArchiveIndex(index_path, readonly=True)
            self.index.count()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(
                f"cannot read the index {index_path}: {exc}"
                f" (rebuild it: govcrawl reindex --archive {self.archive_dir})"
            ) from None

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- lookups

    def find(self, url: str, at: datetime | str | None = None) -> IndexRow:
        """The index row of the capture ``get`` would return.

        Raw responses are preferred: a browser's DOM snapshot (resource record) is
        returned only for a URL that has no response captured at or before ``at``.
        """
        key = url_key(url)
        when: datetime | None = parse_user_time(at) if isinstance(at, str) else at
        if when is not None and when.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        at_text = format_ts(when) if when is not None else None
        row = self.index.lookup(key, at_text, "response") or self.index.lookup(key, at_text)
        if row is not None:
            return row
        first = self.index.first_time(key)
        if first is None or at_text is None:
            raise NotCaptured(f"{url} was never captured in {self.archive_dir}")
        raise NotCaptured(f"{url}: no capture at or before {at_text}; first is {first}")

    def get(self, url: str, at: datetime | str | None = None) -> StoredCapture:
        """The latest capture of ``url`` at or before ``at`` (default: the latest of all)."""
        return self.load(self.find(url, at))

    def history(self, url: str) -> list[CaptureRef]:
        """Every capture of ``url``, oldest first (NotCaptured if there is none)."""
        rows = self.index.history(url_key(url))
        if not rows:
            raise NotCaptured(f"{url} was never captured in {self.archive_dir}")
        return [r.ref() for r in rows]

    def state(self, url: str) -> CrawlState | None:
        """The crawl state kept for ``url`` (validators, last digest, first/last seen)."""
        return self.index.state(url_key(url))

    def rows(self) -> Iterator[IndexRow]:
        return self.index.rows()

    def iter_captures(self) -> Iterator[StoredCapture]:
        """Every response/resource in WARC order; unreadable records are skipped and listed
        in ``self.skipped`` as ``file: offset N: problem`` (``verify`` reports them too).
        """
        self.skipped = []
        for row in self.index.rows():
            try:
                yield self.load(row)
            except CorruptWarc as exc:
                self.skipped.append(str(exc))

    # ----------------------------------------------------------------- records

    def _read(self, warc_file: str, offset: int, length: int) -> WarcRecord:
        try:
            try:
                fh = resolve(self.archive_dir, warc_file).open("rb")
            except FileNotFoundError:  # sealed (renamed) between resolve and open: once more
                fh = resolve(self.archive_dir, warc_file).open("rb")
            with fh:
                return parse_record(read_member(fh, offset, length))
        except CorruptWarc as exc:
            # read_member names the offset itself; say it once.
            detail = str(exc).removeprefix(f"offset {offset}: ")
            raise CorruptWarc(f"{warc_file}: offset {offset}: {detail}") from None
        except OSError as exc:
            raise CorruptWarc(f"{warc_file}: cannot read: {exc.strerror or exc}") from None

    def provenance(self, row: IndexRow) -> tuple[Provenance | None, str | None]:
        """Provenance and charset decision from the capture's metadata record (one read).

        (None, None) when the capture has no readable metadata record: the capture itself
        is still served.
        """
        if row.metadata_offset is None or row.metadata_length is None:
            return None, None
        try:
            meta = self._read(row.warc_file, row.metadata_offset, row.metadata_length)
        except CorruptWarc:
            return None, None
        fields = decode_fields(meta.block)
        return provenance_from_fields(fields), dict(fields).get(F_CHARSET)

    def load(self, row: IndexRow) -> StoredCapture:
        """Read the record an index row points to (and its metadata record)."""
        record = self._read(row.warc_file, row.offset, row.length)
        if record.record_id != row.record_id:
            raise CorruptWarc(
                f"{row.warc_file}: offset {row.offset}: index says {row.record_id}, "
                f"file holds {record.record_id or 'no record id'}"
            )
        provenance, charset = self.provenance(row)
        protocol: str | None = None
        reason: str | None = None
        headers: HeaderList = ()
        raw_body = record.block
        if record.record_type == "response":
            head = parse_http_head(record.block)
            parts = head.first_line.split(" ", 2)
            protocol, reason = parts[0], (parts[2] if len(parts) > 2 else "")
            headers, raw_body = head.headers, record.block[head.length :]
        return StoredCapture(
            ref=row.ref(),
            record_type=record.record_type,
            protocol=protocol,
            status=row.status,
            reason=reason,
            headers=headers,
            raw_body=raw_body,
            raw_http=record.block,
            warc_headers=record.headers,
            provenance=provenance,
            charset_decision=charset,
            fetch_method=row.fetch_method,
            refers_to=row.refers_to,
        )


def open_archive(archive_dir: str | os.PathLike[str]) -> Archive:
    """Open an archive for reading (ArchiveError if ``archive_dir`` is not one)."""
    return Archive(archive_dir)


__all__ = ["Archive", "StoredCapture", "decode_content", "open_archive"]
