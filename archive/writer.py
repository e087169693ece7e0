"""Writing captures to the archive: rolling ``.warc.gz`` files plus the live index.

One ``ArchiveWriter`` per archive directory at a time (an exclusive lock file enforces it).
On open it first recovers any ``*.open`` file a crashed writer left behind. Each exchange
becomes ``response`` + ``request`` + ``metadata`` records (Heritrix's order), each one gzip
member, flushed to the OS as soon as written; index rows follow the records and are
committed in small batches (at the latest after ``commit_interval`` seconds, and before a
file is sealed), so a crash can lose at most the records in flight, and recovery
re-indexes any complete record of the open file that the index missed.
See docs/warc.md for the profile.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from archive.errors import ArchiveError
from archive.index import INDEX_NAME, ArchiveIndex, IndexRow
from archive.layout import OPEN_SUFFIX, WARC_DIR, new_warc_name, take_writer_lock
from archive.metadata import (
    F_ADDED,
    F_REMOVED,
    encode_fields,
    provenance_fields,
    warcinfo_fields,
)
from archive.records import row_from
from archive.recovery import Recovered, recover_archive, recover_file
from archive.times import format_ts
from archive.types import Capture, CaptureRef, FetchMethod, Provenance
from archive.warcfile import (
    HttpHead,
    RecordWriter,
    WrittenRecord,
    http_head_bytes,
    new_record_id,
    parse_http_head,
)

DEFAULT_MAX_FILE_SIZE = 1 << 30


def _software() -> str:
    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    return f"govcrawl/{v('govcrawl')} (warcio/{v('warcio')})"


def stored_response_headers(
    headers: tuple[tuple[str, str], ...], body_length: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The response headers as stored, given a de-chunked body (docs/warc.md, "Chunking").

    A ``Transfer-Encoding: chunked`` header no longer describes the stored body, so it is
    dropped and ``Content-Length`` set to the stored length; both changes are written to
    the metadata record. Returns (headers to store, removed, added).
    """
    chunked = any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers)
    if not chunked:
        return list(headers), [], []
    removed = [(n, v) for n, v in headers if n.lower() in ("transfer-encoding", "content-length")]
    kept = [(n, v) for n, v in headers if n.lower() not in ("transfer-encoding", "content-length")]
    added = [("Content-Length", str(body_length))]
    return kept + added, removed, added


# Bodies that deflate cannot shrink: compressing them again costs ~15 us per kB for
# nothing, so their records are stored in gzip members at level 0 (framing and CRC only).
_PRECOMPRESSED_TYPES = (
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-rar",
    "application/x-7z",
    "application/vnd.openxmlformats",  # docx/xlsx are zip files (old .doc/.xls are not)
    "image/",
    "video/",
    "audio/",
    "font/woff",
)


def _precompressed(content_encoding: str | None, content_type: str | None) -> bool:
    """Whether a body is already compressed (by Content-Encoding, or by its format)."""
    if content_encoding and content_encoding.strip().lower() not in ("", "identity"):
        return True
    kind = (content_type or "").strip().lower()
    return kind.startswith(_PRECOMPRESSED_TYPES) and not kind.startswith(
        ("image/svg", "image/bmp")  # text and raw pixels: these compress well
    )


def _header_value(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lname = name.lower()
    return next((v for k, v in headers if k.lower() == lname), None)


class ArchiveWriter:
    """Append captures to the archive in ``archive_dir`` (created if missing)."""

    def __init__(
        self,
        archive_dir: str | os.PathLike[str],
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        warcinfo: Mapping[str, Any] | None = None,
        *,
        prefix: str = "govcrawl",
        fsync: bool = False,
        commit_every: int = 64,
        commit_interval: float = 1.0,
        compress_level: int = 3,
    ) -> None:
        if max_file_size <= 0:
            raise ArchiveError(f"max_file_size must be positive, got {max_file_size}")
        self.archive_dir = Path(archive_dir)
        self.max_file_size = max_file_size
        self.prefix = prefix
        # fsync per record is off by default: a flushed record survives kill -9 already;
        # fsync adds power-loss safety at a cost. Sealed files are always fsynced.
        self.fsync = fsync
        # Deflate level for text bodies: 3 costs 40 % of level 6's CPU on real portal HTML
        # for ~9 % more bytes; already-compressed bodies are stored at level 0.
        self.compress_level = compress_level
        # Index rows are committed in small batches (a commit per capture costs as much as
        # writing its three records). Safe: rows not yet committed all point into the open
        # file, and recovery indexes that file's missing records after a crash.
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self._pending: list[IndexRow] = []  # rows not yet handed to sqlite (one batch)
        self._last_commit = time.monotonic()
        self._warcinfo = dict(warcinfo or {})
        self._software = _software()
        self._mutex = threading.RLock()
        self._serial = 0
        self._fh: IO[bytes] | None = None
        self._records: RecordWriter | None = None
        self._open_path: Path | None = None
        self._rel_name = ""
        self._warcinfo_id: str | None = None
        self.records_written = 0
        self.bytes_written = 0
        self.files_sealed = 0
        try:
            (self.archive_dir / WARC_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(
                f"cannot create archive directory {self.archive_dir}: {exc}"
            ) from None
        self._lock_fh = take_writer_lock(self.archive_dir, "open a writer")
        try:
            try:
                self._index = ArchiveIndex(self.archive_dir / INDEX_NAME)
            except sqlite3.DatabaseError as exc:
                raise ArchiveError(
                    f"index of {self.archive_dir} is damaged ({exc}); "
                    "rebuild it: govcrawl reindex --archive DIR"
                ) from None
            try:
                self.recovered: list[Recovered] = recover_archive(self.archive_dir, self._index)
            except BaseException:
                self._index.close()
                raise
        except BaseException:
            self._lock_fh.close()  # releases the lock
            raise
        self._closed = False

    # ------------------------------------------------------------------ files

    def _ensure_file(self) -> RecordWriter:
        if self._records is not None:
            return self._records
        name = new_warc_name(self.prefix, self._serial)
        self._serial += 1
        path = self.archive_dir / WARC_DIR / (name + OPEN_SUFFIX)
        self._rel_name = f"{WARC_DIR}/{name}"  # the sealed name, as the index stores it
        # Unbuffered: RecordWriter hands each whole record to the OS in one write, so a
        # buffer would only add a copy.
        fh = path.open("xb", buffering=0)
        self._fh, self._open_path = fh, path
        self._records = RecordWriter(fh, compress_level=self.compress_level)
        self._warcinfo_id = new_record_id()
        info = self._records.write(
            "warcinfo",
            uri="",
            warc_headers=[
                ("WARC-Record-ID", self._warcinfo_id),
                ("WARC-Date", format_ts(datetime.now().astimezone())),
                ("WARC-Filename", name),
            ],
            block=encode_fields(warcinfo_fields(self._warcinfo, self._software)),
            content_type="application/warc-fields",
        )
        self._after_write(info)
        return self._records

    def _after_write(self, written: WrittenRecord) -> None:
        self.records_written += 1
        self.bytes_written += written.length
        if self.fsync and self._fh is not None:
            os.fsync(self._fh.fileno())

    def _insert_pending(self) -> None:
        if self._pending:
            self._index.add_batch(self._pending)
            self._pending = []

    def _commit_index(self, now: float | None = None) -> None:
        self._insert_pending()
        self._index.commit()
        self._last_commit = time.monotonic() if now is None else now

    def flush_index(self) -> None:
        """Make every capture written so far visible to readers in other connections."""
        with self._mutex:
            if not self._closed:
                self._commit_index()

    def _seal(self) -> None:
        """Close the open file and give it its final name (what the index already says)."""
        if self._fh is None or self._open_path is None:
            return
        self._commit_index()  # a sealed file is never recovered: its rows must be committed
        self._fh.flush()
        os.fsync(self._fh.fileno())  # a sealed file is durable, whatever self.fsync says
        self._fh.close()
        self._open_path.rename(self._open_path.with_name(self._open_path.name[: -len(OPEN_SUFFIX)]))
        self._fh = self._records = self._open_path = None
        self.files_sealed += 1

    def _salvage(self) -> None:
        """After a failed write: seal what is complete, move the partial tail aside."""
        path = self._open_path
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
        self._fh = self._records = self._open_path = None
        # Recovery indexes the records of the file that the index lacks: rows of
        # complete captures go in first, so that none is indexed twice.
        self._insert_pending()
        if path is not None and path.exists():
            recover_file(self.archive_dir, path, self._index)
            self._index.commit()

    @property
    def current_file(self) -> Path | None:
        """The file being written (``*.warc.gz.open``), if any."""
        return self._open_path

    # ------------------------------------------------------------------ writing

    def write_capture(self, capture: Capture) -> CaptureRef:
        """Store one HTTP exchange: response, request and metadata records, then the index row."""
        if capture.fetched_at.tzinfo is None:
            raise ValueError("Capture.fetched_at must be timezone-aware (UTC)")
        headers, removed, added = stored_response_headers(
            capture.response_headers, len(capture.body)
        )
        status_line = f"{capture.protocol} {capture.status} {capture.reason}".rstrip()
        request_line = (
            f"{capture.method} {capture.request_target}"
            f" {capture.request_protocol or capture.protocol}"
        )
        date = format_ts(capture.fetched_at)
        fields = provenance_fields(
            capture.provenance, capture.charset_decision, capture.fetch_method
        )
        fields += [(F_REMOVED, f"{n}: {v}") for n, v in removed]
        fields += [(F_ADDED, f"{n}: {v}") for n, v in added]
        body_level = (
            0
            if _precompressed(
                _header_value(capture.response_headers, "Content-Encoding"),
                _header_value(capture.response_headers, "Content-Type"),
            )
            else self.compress_level
        )
        with self._mutex:
            self._check_open()
            try:
                records = self._ensure_file()
                common = [("WARC-Date", date), ("WARC-Warcinfo-ID", str(self._warcinfo_id))]
                resp_id = new_record_id()
                resp_headers = [("WARC-Record-ID", resp_id), *common]
                if capture.ip_address:
                    resp_headers.append(("WARC-IP-Address", capture.ip_address))
                if capture.truncated:
                    resp_headers.append(("WARC-Truncated", capture.truncated))
                resp_head = http_head_bytes(status_line, headers)
                resp = records.write(
                    "response",
                    uri=capture.url,
                    warc_headers=resp_headers,
                    http_head=resp_head,
                    block=capture.body,
                    content_type="application/http; msgtype=response",
                    compress_level=body_level,
                )
                self._after_write(resp)
                req = records.write(
                    "request",
                    uri=capture.url,
                    warc_headers=[
                        ("WARC-Record-ID", new_record_id()),
                        *common,
                        ("WARC-Concurrent-To", resp_id),
                    ],
                    http_head=http_head_bytes(request_line, capture.request_headers),
                    block=capture.request_body,
                    content_type="application/http; msgtype=request",
                )
                self._after_write(req)
                meta = self._write_metadata(records, capture.url, date, resp_id, fields)
            except BaseException:
                self._salvage()
                raise
            return self._index_and_roll(
                resp, parse_http_head(resp_head), req, meta, capture.fetch_method
            )

    def write_resource(
        self,
        *,
        url: str,
        body: bytes,
        content_type: str,
        fetched_at: datetime,
        refers_to: CaptureRef | str | None = None,
        fetch_method: FetchMethod = "browser",
        provenance: Provenance | None = None,
    ) -> CaptureRef:
        """Store what a browser rendered (DOM snapshot) as a ``resource`` record.

        ``refers_to`` is the raw response of the same URL (its CaptureRef or record id),
        written as WARC-Refers-To; a metadata record with the provenance follows.
        """
        if fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware (UTC)")
        date = format_ts(fetched_at)
        target = refers_to.record_id if isinstance(refers_to, CaptureRef) else refers_to
        fields = provenance_fields(provenance or Provenance(), None, fetch_method)
        with self._mutex:
            self._check_open()
            try:
                records = self._ensure_file()
                res_id = new_record_id()
                warc_headers = [
                    ("WARC-Record-ID", res_id),
                    ("WARC-Date", date),
                    ("WARC-Warcinfo-ID", str(self._warcinfo_id)),
                ]
                if target:
                    warc_headers.append(("WARC-Refers-To", target))
                res = records.write(
                    "resource",
                    uri=url,
                    warc_headers=warc_headers,
                    block=body,
                    content_type=content_type,
                    compress_level=0 if _precompressed(None, content_type) else self.compress_level,
                )
                self._after_write(res)
                meta = self._write_metadata(records, url, date, res_id, fields)
            except BaseException:
                self._salvage()
                raise
            return self._index_and_roll(res, None, None, meta, fetch_method)

    def _write_metadata(
        self,
        records: RecordWriter,
        url: str,
        date: str,
        concurrent_to: str,
        fields: list[tuple[str, str]],
    ) -> WrittenRecord:
        meta = records.write(
            "metadata",
            uri=url,
            warc_headers=[
                ("WARC-Record-ID", new_record_id()),
                ("WARC-Date", date),
                ("WARC-Warcinfo-ID", str(self._warcinfo_id)),
                ("WARC-Concurrent-To", concurrent_to),
            ],
            block=encode_fields(fields),
            content_type="application/warc-fields",
        )
        self._after_write(meta)
        return meta

    def _index_and_roll(
        self,
        main: WrittenRecord,
        head: HttpHead | None,
        req: WrittenRecord | None,
        meta: WrittenRecord,
        fetch_method: str,
    ) -> CaptureRef:
        assert self._open_path is not None
        assert self._records is not None
        rel = self._rel_name
        # What reindex derives from the records read back (records.row_for + link); the
        # metadata record names ``fetch_method`` (archive.metadata.provenance_fields).
        row = row_from(
            main.headers,
            head,
            main.block_length,
            warc_file=rel,
            offset=main.offset,
            length=main.length,
            request_record_id=req.record_id if req is not None else None,
            metadata=(meta.record_id, meta.offset, meta.length),
            fetch_method=fetch_method,
        )
        self._pending.append(row)
        now = time.monotonic()
        if (
            len(self._pending) >= self.commit_every
            or now - self._last_commit >= self.commit_interval
        ):
            self._commit_index(now)
        if self._records.position >= self.max_file_size:
            self._seal()
        return row.ref()

    # ------------------------------------------------------------------ closing

    def _check_open(self) -> None:
        if self._closed:
            raise ArchiveError(f"archive writer for {self.archive_dir} is closed")

    def close(self) -> None:
        """Seal the open file, close the index and release the lock. Idempotent."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            try:
                self._seal()
            finally:
                self._index.close()
                self._lock_fh.close()  # releases the lock

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
