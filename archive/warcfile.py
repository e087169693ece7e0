"""The only module that touches warcio: building WARC/1.1 records, and reading gzip members back.

warcio is untyped; everything it hands out is converted here into the typed values below,
so the rest of the archive never sees a warcio object. Reading works on our own
gzip-member scanner (zlib), because recovery, verify and reindex need to know exactly
where each member starts and ends, and to step over damaged regions, which
warcio's ArchiveIterator does not expose.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from archive.errors import CorruptWarc

WARC_VERSION = "WARC/1.1"
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20

Headers = tuple[tuple[str, str], ...]


def new_record_id() -> str:
    """A fresh WARC-Record-ID (``<urn:uuid:...>``)."""
    return str(StatusAndHeadersParser.make_warc_id())


def sha1_digest(data: bytes) -> str:
    """The WARC digest form ``sha1:BASE32`` used by warcio, pywb and the CDX world."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def encode_header_text(text: str) -> bytes:
    """Header text back to wire bytes: latin-1 (HTTP's byte-transparent reading), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def http_head_bytes(first_line: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """Status/request line and header lines, CRLF-terminated, with the blank line after them."""
    lines = [encode_header_text(first_line)]
    lines.extend(
        encode_header_text(name) + b": " + encode_header_text(value) for name, value in headers
    )
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _ExactHttpHead(StatusAndHeaders):  # type: ignore[misc]  # warcio is untyped
    """An HTTP head that warcio serialises as exactly the bytes we built.

    warcio's own serialisation re-joins header lines and percent-encodes non-ASCII values,
    which would change what the server sent; overriding ``compute_headers_buffer`` keeps
    warcio's record framing and digest code while the bytes stay ours.
    """

    def __init__(self, raw: bytes, first_line: str) -> None:
        # warcio reads only the buffer below and the truthiness of the status line
        super().__init__(first_line, [], protocol="")
        self._raw = raw

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self._raw


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """Where one record landed in its file, and the digests warcio wrote for it."""

    record_id: str
    offset: int
    length: int
    record: WarcRecord  # the record as written (WARC headers incl. digests, and block)


class _GzipMember:
    """The file object warcio writes one record to: each record becomes one gzip member.

    warcio calls ``write`` for the WARC head, the HTTP head and the payload, then
    ``flush`` once at the end of the record, which is where the member is compressed and
    handed to the OS. Why not warcio's own gzip wrapper: it always uses level 9 and a
    32 KiB window, whose set-up costs ten times the compression of a 300-byte request or
    metadata record; we size the window to the record and use level 6.
    """

    def __init__(self, fh: IO[bytes], level: int) -> None:
        self._fh = fh
        self.level = level  # for the next member; RecordWriter sets it per record
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def flush(self) -> None:
        if self._parts:
            data = b"".join(self._parts)
            self._parts = []
            window_bits = min(15, max(9, (len(data) - 1).bit_length()))
            deflate = zlib.compressobj(
                self.level, zlib.DEFLATED, 16 + window_bits, min(8, max(1, window_bits - 7))
            )
            self._fh.write(deflate.compress(data) + deflate.flush())
        self._fh.flush()


class RecordWriter:
    """Serialises WARC/1.1 records, one gzip member each, onto an open binary file."""

    def __init__(self, fh: IO[bytes], *, compress_level: int = 6) -> None:
        self._fh = fh
        self._default_level = compress_level
        self._member = _GzipMember(fh, compress_level)
        self._warc = WARCWriter(self._member, gzip=False, warc_version=WARC_VERSION)

    def write(
        self,
        record_type: str,
        *,
        uri: str,
        warc_headers: Sequence[tuple[str, str]],
        block: bytes = b"",
        http_head: bytes | None = None,
        content_type: str | None = None,
        compress_level: int | None = None,
    ) -> WrittenRecord:
        """Write one record: ``http_head`` (for request/response) then ``block`` as its payload.

        ``warc_headers`` must contain WARC-Record-ID and WARC-Date; we add the type, target
        URI, WARC-Payload-Digest (over ``block``; not for warcinfo) and WARC-Block-Digest
        (over head + block), computed here with hashlib because warcio's digest pass
        costs more than the rest of the record; warcio adds Content-Type and
        Content-Length and serialises.
        """
        fields = [("WARC-Type", record_type), *warc_headers]
        if uri:
            fields.append(("WARC-Target-URI", uri))
        if record_type != "warcinfo":
            fields.append(("WARC-Payload-Digest", sha1_digest(block)))
        fields.append(("WARC-Block-Digest", sha1_digest((http_head or b"") + block)))
        headers = StatusAndHeaders("", fields, protocol=WARC_VERSION)
        http_headers = None
        if http_head is not None:
            first_line = http_head.split(b"\r\n", 1)[0].decode("latin-1")
            http_headers = _ExactHttpHead(http_head, first_line)
        record = self._warc.create_warc_record(
            uri,
            record_type,
            payload=io.BytesIO(block),
            length=len(block),
            warc_content_type=content_type or "",
            warc_headers=headers,
            http_headers=http_headers,
        )
        offset = self._fh.tell()
        self._member.level = self._default_level if compress_level is None else compress_level
        self._warc.write_record(record)  # ends with flush(): member complete, in the OS
        stored = WarcRecord(
            headers=tuple((str(k), str(v)) for k, v in record.rec_headers.headers),
            block=(http_head or b"") + block,
        )
        return WrittenRecord(
            record_id=stored.record_id,
            offset=offset,
            length=self._fh.tell() - offset,
            record=stored,
        )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class HttpHead:
    """A parsed HTTP head: first line, headers in order with repeats, head length in bytes."""

    first_line: str
    headers: Headers
    length: int


def parse_http_head(block: bytes) -> HttpHead:
    """Split an HTTP message block into its head; values decoded latin-1 (byte-transparent)."""
    end = block.find(b"\r\n\r\n")
    if end < 0:
        raise CorruptWarc("HTTP head has no terminating blank line")
    lines = block[:end].decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding: keep it joined
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name, value.strip(" \t")))
    return HttpHead(first_line=lines[0], headers=tuple(headers), length=end + 4)


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One WARC record read back: its WARC headers and its block, exactly as stored."""

    headers: Headers
    block: bytes

    def header(self, name: str) -> str | None:
        """First WARC header called ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def record_type(self) -> str:
        return self.header("WARC-Type") or ""

    @property
    def record_id(self) -> str:
        return self.header("WARC-Record-ID") or ""


_WARC_HEAD_PARSER = StatusAndHeadersParser(["WARC/1.1", "WARC/1.0"])


def parse_record(data: bytes) -> WarcRecord:
    """Parse one decompressed gzip member holding exactly one WARC record."""
    try:
        stream = io.BytesIO(data)
        parsed = _WARC_HEAD_PARSER.parse(stream)
    except Exception as exc:  # warcio raises assorted errors on garbage
        raise CorruptWarc(f"not a WARC record: {exc}") from None
    head_len = stream.tell()
    length_text = parsed.get_header("Content-Length")
    if length_text is None or not length_text.strip().isdigit():
        raise CorruptWarc("WARC record without a valid Content-Length")
    length = int(length_text)
    block = data[head_len : head_len + length]
    if len(block) < length:
        raise CorruptWarc(f"WARC block truncated: {len(block)} of {length} bytes")
    trailer = data[head_len + length :]
    if trailer != b"\r\n\r\n":
        raise CorruptWarc("WARC record not followed by exactly CRLF CRLF")
    headers = tuple((str(k), str(v)) for k, v in parsed.headers)
    return WarcRecord(headers=headers, block=block)


def read_member(fh: IO[bytes], offset: int, length: int) -> bytes:
    """Decompress the single gzip member at ``offset``/``length``."""
    fh.seek(offset)
    data = fh.read(length)
    if len(data) != length:
        raise CorruptWarc(f"offset {offset}: file ends inside the record")
    d = zlib.decompressobj(31)
    try:
        out = d.decompress(data)
    except zlib.error as exc:
        raise CorruptWarc(f"offset {offset}: corrupt gzip data ({exc})") from None
    if not d.eof:
        raise CorruptWarc(f"offset {offset}: gzip member truncated")
    return out


@dataclass(frozen=True, slots=True)
class Member:
    """One gzip member of a file (or one damaged region, with ``error`` set and no data)."""

    offset: int
    length: int
    data: bytes | None
    error: str | None = None


def scan_members(fh: IO[bytes]) -> Iterator[Member]:
    """Every gzip member of ``fh`` from the start, in order; damaged regions come back as
    Members with ``error`` set, after which scanning resumes at the next gzip header.
    """
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = fh.read(_CHUNK)
            if not pending:
                return
        start = offset
        d = zlib.decompressobj(31)
        parts: list[bytes] = []
        consumed = 0
        error: str | None = None
        while True:
            try:
                parts.append(d.decompress(pending))
            except zlib.error as exc:
                error = f"corrupt gzip data ({exc})"
                break
            if d.eof:
                used = len(pending) - len(d.unused_data)
                consumed += used
                pending = d.unused_data
                offset = start + consumed
                yield Member(start, consumed, b"".join(parts))
                break
            consumed += len(pending)
            pending = fh.read(_CHUNK)
            if not pending:
                yield Member(start, consumed, None, "truncated gzip member (file ends inside it)")
                return
        if error is not None:
            resume = _find_magic(fh, start + 1)
            end = resume if resume is not None else _file_size(fh)
            yield Member(start, end - start, None, error)
            if resume is None:
                return
            fh.seek(resume)
            offset = resume
            pending = b""


def _find_magic(fh: IO[bytes], start: int) -> int | None:
    """Offset of the next gzip header at or after ``start``, or None."""
    fh.seek(start)
    pos = start
    carry = b""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        data = carry + chunk
        found = data.find(_GZIP_MAGIC)
        if found >= 0:
            return pos - len(carry) + found
        carry = data[-(len(_GZIP_MAGIC) - 1) :]
        pos += len(chunk)


def _file_size(fh: IO[bytes]) -> int:
    fh.seek(0, io.SEEK_END)
    return fh.tell()
