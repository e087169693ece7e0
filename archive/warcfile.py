"""WARC/1.1 records to and from bytes: serialising records, and reading gzip members back.

Writing is a direct serialisation (WARC head, block, CRLF CRLF, one gzip member per
record), byte for byte what warcio's ``WARCWriter`` writes for the same record (a test
compares the two), at a fraction of its CPU: warcio builds several objects, header lists
and digesters per record, which cost more than the record's compression.
Reading goes through warcio's header parser, and ``warcio check`` validates every
kind of file we write (tests). Reading works on our own gzip-member scanner (zlib),
because recovery, verify and reindex need to know exactly where each member starts and
ends, and to step over damaged regions, which warcio's ArchiveIterator does not expose.
warcio is untyped; nothing it hands out leaves this module.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from warcio.statusandheaders import StatusAndHeadersParser

from archive.errors import CorruptWarc

WARC_VERSION = "WARC/1.1"
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20

Headers = tuple[tuple[str, str], ...]

# Content-Type of a record whose writer gives none: warcio's defaults (recordbuilder).
DEFAULT_CONTENT_TYPES = {
    "warcinfo": "application/warc-fields",
    "response": "application/http; msgtype=response",
    "revisit": "application/http; msgtype=response",
    "request": "application/http; msgtype=request",
    "metadata": "application/warc-fields",
}
# Records smaller than this (most request and metadata records) are stored in their gzip
# member at level 0: deflate's set-up and block coding cost them ~20 us each, four times
# the rest of the record's serialisation, to save ~25 % of a few hundred bytes.
SMALL_RECORD = 2048

# Record types without WARC-Payload-Digest (warcio's NO_PAYLOAD_DIGEST_TYPES).
NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit")


def new_record_id() -> str:
    """A fresh WARC-Record-ID: ``<urn:uuid:...>`` around a random UUID (as warcio makes them)."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def _sha1_text(digest: bytes) -> str:
    return "sha1:" + base64.b32encode(digest).decode("ascii")


def sha1_digest(data: bytes) -> str:
    """The WARC digest form ``sha1:BASE32`` used by warcio, pywb and the CDX world."""
    return _sha1_text(hashlib.sha1(data).digest())


def _sha1_of(head: bytes, block: bytes) -> str:
    """``sha1_digest(head + block)`` without copying the block."""
    h = hashlib.sha1(head)
    h.update(block)
    return _sha1_text(h.digest())


_EMPTY_DIGEST = sha1_digest(b"")


def encode_header_text(text: str) -> bytes:
    """Header text back to wire bytes: latin-1 (HTTP's byte-transparent reading), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def http_head_bytes(first_line: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """Status/request line and header lines, CRLF-terminated, with the blank line after them."""
    text = first_line + "".join([f"\r\n{name}: {value}" for name, value in headers]) + "\r\n\r\n"
    try:
        return text.encode("latin-1")  # the usual case: every string is latin-1 text
    except UnicodeEncodeError:
        lines = [encode_header_text(first_line)]
        lines.extend(
            encode_header_text(name) + b": " + encode_header_text(value) for name, value in headers
        )
        return b"\r\n".join(lines) + b"\r\n\r\n"


def warc_head_bytes(fields: Sequence[tuple[str, str]]) -> bytes:
    """``WARC/1.1`` line, ``Name: value`` lines and the blank line, UTF-8 (as warcio writes)."""
    return (WARC_VERSION + "\r\n" + "".join([f"{k}: {v}\r\n" for k, v in fields]) + "\r\n").encode(
        "utf-8"
    )


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """Where one record landed in its file, and the WARC headers it was written with."""

    record_id: str
    offset: int
    length: int  # of the gzip member
    headers: Headers  # WARC headers as written (digests, Content-Type, Content-Length)
    block_length: int  # HTTP head + payload

    def header(self, name: str) -> str | None:
        """First WARC header called ``name`` (case-insensitive), or None."""
        return _first_header(self.headers, name)


def _first_header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def deflate_member(parts: Sequence[bytes], level: int) -> bytes:
    """``parts`` as one gzip member, its deflate window sized to the data.

    warcio's own gzip wrapper always uses level 9 and a 32 KiB window, whose set-up
    costs ten times the compression of a 300-byte request or metadata record.
    """
    total = sum(len(p) for p in parts)
    window_bits = min(15, max(9, (total - 1).bit_length()))
    # memLevel sizes the hash table and the symbol buffer: below 4, small records pay
    # for many tiny blocks (a Huffman tree each) more than they save on set-up.
    deflate = zlib.compressobj(
        level, zlib.DEFLATED, 16 + window_bits, min(8, max(4, window_bits - 7))
    )
    out = [deflate.compress(p) for p in parts]
    out.append(deflate.flush())
    return b"".join(out)


class RecordWriter:
    """Serialises WARC/1.1 records, one gzip member each, onto an open binary file.

    Each record goes to the file in one ``write`` call and is flushed at once, so a
    record is either wholly handed to the OS or (killed mid-call) a partial tail that
    recovery cuts off.
    """

    def __init__(self, fh: IO[bytes], *, compress_level: int = 6) -> None:
        self._fh = fh
        self._default_level = compress_level
        self.position = fh.tell()  # end of the last record: tell() costs a syscall

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

        ``warc_headers`` must contain WARC-Record-ID and WARC-Date (and no Content-Type
        or Content-Length); we add, in warcio's order, the type first, then the target
        URI, WARC-Payload-Digest (over ``block``; not for warcinfo), WARC-Block-Digest
        (over head + block), Content-Type and Content-Length. ``compress_level`` None:
        the writer's level, or 0 for a record under ``SMALL_RECORD`` bytes.
        """
        head = http_head or b""
        payload_digest = None
        if record_type not in NO_PAYLOAD_DIGEST_TYPES:
            payload_digest = sha1_digest(block) if block else _EMPTY_DIGEST
        # Without an HTTP head the block is the payload: one digest serves both.
        block_digest = _sha1_of(head, block) if head else (payload_digest or sha1_digest(block))
        fields = [("WARC-Type", record_type), *warc_headers]
        if uri:
            fields.append(("WARC-Target-URI", uri))
        if payload_digest is not None:
            fields.append(("WARC-Payload-Digest", payload_digest))
        fields.append(("WARC-Block-Digest", block_digest))
        fields.append(
            (
                "Content-Type",
                content_type or DEFAULT_CONTENT_TYPES.get(record_type, "application/warc-record"),
            )
        )
        block_length = len(head) + len(block)
        fields.append(("Content-Length", str(block_length)))
        warc_head = warc_head_bytes(fields)
        if compress_level is not None:
            level = compress_level
        elif len(warc_head) + block_length < SMALL_RECORD:
            level = 0
        else:
            level = self._default_level
        member = deflate_member((warc_head, head, block, b"\r\n\r\n"), level)
        offset = self.position
        self._write_all(member)
        self.position = offset + len(member)
        return WrittenRecord(
            record_id=(
                warc_headers[0][1]  # where the writer puts it
                if warc_headers and warc_headers[0][0] == "WARC-Record-ID"
                else _first_header(warc_headers, "WARC-Record-ID") or ""
            ),
            offset=offset,
            length=len(member),
            headers=tuple(fields),
            block_length=block_length,
        )

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = self._fh.write(view)
            if written is None:  # a non-blocking raw file that would block: not ours
                raise OSError("WARC file refused a write")
            view = view[written:]
        self._fh.flush()


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
