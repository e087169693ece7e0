"""The direct record serialiser (archive.warcfile.RecordWriter) against warcio's WARCWriter.

govcrawl writes WARC records without warcio's record builder (for speed); these tests
pin that the bytes are exactly what warcio writes for the same record, digests
included (warcio computes its own here), and that the digest and record-id helpers
match the standard library's forms.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import uuid
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warcfile import (
    SMALL_RECORD,
    RecordWriter,
    deflate_member,
    http_head_bytes,
    new_record_id,
    scan_members,
    sha1_digest,
)

from .conftest import warcio_check

DATE = "2024-05-01T08:00:00.123456Z"
URI = "http://www.example.gov.cn/xxgk/list.jsp?page=2&year=2023"


def _members(data: bytes) -> list[bytes]:
    out = []
    while data:
        d = zlib.decompressobj(31)
        out.append(d.decompress(data))
        assert d.eof
        data = d.unused_data
    return out


Http = tuple[str, str, list[tuple[str, str]]]  # protocol, rest of the first line, headers
Case = tuple[str, str, list[tuple[str, str]], bytes, Http | None, str]


def _warcio_bytes(case: Case, warc_headers: list[tuple[str, str]]) -> bytes:
    """What warcio's WARCWriter writes for the case (it computes the digests itself)."""
    record_type, uri, _extra, block, http, content_type = case
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="WARC/1.1")
    fields = [("WARC-Type", record_type), *warc_headers]
    if uri:
        fields.append(("WARC-Target-URI", uri))
    http_headers = None
    if http is not None:
        protocol, line, headers = http
        http_headers = StatusAndHeaders(line, headers, protocol=protocol)
    record = writer.create_warc_record(
        uri,
        record_type,
        payload=io.BytesIO(block),
        length=len(block),
        warc_content_type=content_type,
        warc_headers=StatusAndHeaders("", fields, protocol="WARC/1.1"),
        http_headers=http_headers,
    )
    writer.write_record(record)
    return out.getvalue()


CASES: list[Case] = [
    # (type, uri, extra WARC headers, block, (protocol, first line, HTTP headers), content type)
    (
        "warcinfo",
        "",
        [("WARC-Filename", "govcrawl-1.warc.gz")],
        b"software: govcrawl\r\nformat: WARC File Format 1.1\r\n",
        None,
        "application/warc-fields",
    ),
    (
        "response",
        URI,
        [("WARC-IP-Address", "127.0.0.1"), ("WARC-Warcinfo-ID", "<urn:uuid:1>")],
        b"\x1f\x8b\x08\x00compressed body bytes" * 50,
        (
            "HTTP/1.1",
            "200 OK",
            [("Content-Encoding", "gzip"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        ),
        "application/http; msgtype=response",
    ),
    (
        "request",
        URI,
        [("WARC-Concurrent-To", "<urn:uuid:2>")],
        b"",
        ("HTTP/1.1", "GET /xxgk/list.jsp?page=2&year=2023", [("Host", "www.example.gov.cn")]),
        "application/http; msgtype=request",
    ),
    (
        "request",
        URI,
        [],
        b"page=2&size=20",
        ("HTTP/1.1", "POST /api/list", [("Content-Length", "14")]),
        "application/http; msgtype=request",
    ),
    (
        "metadata",
        "http://www.example.gov.cn/报告.html",  # a non-ASCII IRI: UTF-8, as warcio writes it
        [("WARC-Concurrent-To", "<urn:uuid:3>")],
        "link-text: 年度报告\r\n".encode(),
        None,
        "application/warc-fields",
    ),
    ("resource", URI, [("WARC-Refers-To", "<urn:uuid:4>")], b"<html>dom</html>", None, ""),
    ("metadata", URI, [], b"", None, ""),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_record_bytes_equal_warcios(case: Case, tmp_path: Path) -> None:
    record_type, uri, extra, block, http, content_type = case
    warc_headers = [("WARC-Record-ID", new_record_id()), ("WARC-Date", DATE), *extra]
    http_head = None
    if http is not None:
        protocol, line, headers = http
        http_head = http_head_bytes(f"{protocol} {line}", headers)
    out = io.BytesIO()
    written = RecordWriter(out).write(
        record_type,
        uri=uri,
        warc_headers=warc_headers,
        block=block,
        http_head=http_head,
        content_type=content_type or None,
    )
    expected = _warcio_bytes(case, warc_headers)
    assert _members(out.getvalue()) == [expected]
    assert written.offset == 0
    assert written.length == len(out.getvalue())
    assert written.block_length == len(http_head or b"") + len(block)
    assert written.record_id == warc_headers[0][1]
    # warcio reads it back with the same headers and a verified digest.
    path = tmp_path / "one.warc.gz"
    path.write_bytes(out.getvalue())
    assert warcio_check([path]).returncode == 0
    read_back = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            read_back.append((record.rec_headers.headers, record.content_stream().read()))
    assert read_back == [(list(written.headers), block)]


def test_records_are_appended_at_tracked_offsets() -> None:
    out = io.BytesIO(b"prefix")
    out.seek(0, io.SEEK_END)
    writer = RecordWriter(out)
    first = writer.write("metadata", uri=URI, warc_headers=[("WARC-Date", DATE)], block=b"a: 1")
    second = writer.write("metadata", uri=URI, warc_headers=[("WARC-Date", DATE)], block=b"b: 2")
    assert (first.offset, second.offset) == (6, 6 + first.length)
    assert writer.position == len(out.getvalue())


def test_sha1_digest_is_warcs_base32_form() -> None:
    for data in (b"", b"abc", os.urandom(1000), os.urandom(65537)):
        expected = "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()
        assert sha1_digest(data) == expected


def test_record_ids_are_random_v4_uuids() -> None:
    ids = {new_record_id() for _ in range(1000)}
    assert len(ids) == 1000
    for rid in list(ids)[:50]:
        assert rid.startswith("<urn:uuid:")
        assert rid.endswith(">")
        parsed = uuid.UUID(rid[10:-1])
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == rid[10:-1]


@pytest.mark.parametrize("size", [0, 1, 700, 65535, 65536, 200_000])
def test_stored_members_are_gzip_that_every_reader_takes(size: int) -> None:
    data = os.urandom(size)
    member = deflate_member((data[: size // 3], data[size // 3 :], b""), 0)
    assert gzip.decompress(member) == data
    d = zlib.decompressobj(31)
    assert d.decompress(member) == data
    assert d.eof
    assert not d.unused_data
    scanned = list(scan_members(io.BytesIO(member + member)))
    assert [(m.offset, m.length, m.data) for m in scanned] == [
        (0, len(member), data),
        (len(member), len(member), data),
    ]
    assert len(member) <= size + size // 1000 + 64  # stored blocks: a few bytes each


def test_small_records_are_stored_and_large_ones_compressed() -> None:
    out = io.BytesIO()
    writer = RecordWriter(out, compress_level=3)
    small = writer.write("metadata", uri=URI, warc_headers=[("WARC-Date", DATE)], block=b"a: 1")
    text = b"<p>annual report</p>" * 500
    large = writer.write("resource", uri=URI, warc_headers=[("WARC-Date", DATE)], block=text)
    raw = out.getvalue()
    small_member = raw[small.offset : small.offset + small.length]
    large_member = raw[large.offset : large.offset + large.length]
    assert len(small_member) < SMALL_RECORD
    assert b"WARC-Type: metadata" in small_member  # stored: the record is there verbatim
    assert b"WARC-Type: resource" not in large_member  # deflated
    assert large.length < len(text) // 10
    assert _members(raw)[1].endswith(text + b"\r\n\r\n")
