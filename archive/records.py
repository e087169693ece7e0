"""From stored WARC records to index rows: the one derivation shared by the writer and reindex.

Because the live writer and ``reindex`` both call ``row_for`` / ``link`` on the records
as stored, the rebuilt index equals the live one by construction (and a test checks it).
"""

from __future__ import annotations

from dataclasses import replace

from archive.errors import CorruptWarc
from archive.index import IndexRow
from archive.metadata import F_FETCH, decode_fields
from archive.times import format_ts, parse_ts
from archive.urls import url_key
from archive.warcfile import WarcRecord, parse_http_head

INDEXED_TYPES = ("response", "resource")


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def row_for(record: WarcRecord, warc_file: str, offset: int, length: int) -> IndexRow:
    """The captures row of a response or resource record."""
    uri = record.header("WARC-Target-URI") or ""
    date = record.header("WARC-Date")
    if not uri or not date:
        raise CorruptWarc("record without WARC-Target-URI or WARC-Date")
    status: int | None = None
    content_type: str | None
    etag = last_modified = None
    payload_length = len(record.block)
    if record.record_type == "response":
        head = parse_http_head(record.block)
        parts = head.first_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        content_type = _header(head.headers, "Content-Type")
        etag = _header(head.headers, "ETag")
        last_modified = _header(head.headers, "Last-Modified")
        payload_length -= head.length
    else:
        content_type = record.header("Content-Type")
    return IndexRow(
        record_id=record.record_id,
        record_type=record.record_type,
        url=uri,
        urlkey=url_key(uri),
        fetched_at=format_ts(parse_ts(date)),
        status=status,
        content_type=content_type,
        warc_file=warc_file,
        offset=offset,
        length=length,
        payload_digest=record.header("WARC-Payload-Digest"),
        payload_length=payload_length,
        fetch_method="browser" if record.record_type == "resource" else "http",
        refers_to=record.header("WARC-Refers-To"),
        etag=etag,
        last_modified=last_modified,
    )


def link(row: IndexRow, record: WarcRecord, offset: int, length: int) -> IndexRow:
    """``row`` with a request or metadata record concurrent to it filled in."""
    if record.record_type == "request":
        return replace(row, request_record_id=record.record_id)
    if record.record_type == "metadata":
        fields = dict(decode_fields(record.block))
        return replace(
            row,
            metadata_record_id=record.record_id,
            metadata_offset=offset,
            metadata_length=length,
            fetch_method=fields.get(F_FETCH, row.fetch_method),
        )
    return row
