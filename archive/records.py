"""From stored WARC records to index rows: the one derivation shared by the writer and reindex.

The live writer calls ``row_from`` on the WARC headers and HTTP head it has just written,
``reindex`` calls it (through ``row_for`` / ``link``) on the records read back, so the
rebuilt index equals the live one by construction (and a test checks it).
"""

from __future__ import annotations

from dataclasses import replace

from archive.errors import CorruptWarc
from archive.index import IndexRow
from archive.metadata import F_FETCH, decode_fields
from archive.times import format_ts, parse_ts
from archive.urls import url_key
from archive.warcfile import Headers, HttpHead, WarcRecord, parse_http_head

INDEXED_TYPES = ("response", "resource")


def row_from(
    headers: Headers,
    head: HttpHead | None,
    block_length: int,
    *,
    warc_file: str,
    offset: int,
    length: int,
    request_record_id: str | None = None,
    metadata: tuple[str, int, int] | None = None,
    fetch_method: str | None = None,
) -> IndexRow:
    """The captures row of a response or resource record, from its WARC headers, its HTTP
    head (parsed; None for a resource) and the length of its block (head + payload).

    The live writer calls this with what it has just written, and passes what ``link``
    would add (the request record's id; the metadata record's id, offset and length;
    the fetch method its metadata names); reindex calls it through ``row_for`` with
    what it read back: the same function on the same values.
    """
    warc: dict[str, str] = {}
    for key, value in headers:
        warc.setdefault(key.lower(), value)
    uri = warc.get("warc-target-uri", "")
    date = warc.get("warc-date")
    if not uri or not date:
        raise CorruptWarc("record without WARC-Target-URI or WARC-Date")
    record_type = warc.get("warc-type", "")
    status: int | None = None
    content_type: str | None
    etag = last_modified = None
    payload_length = block_length
    if record_type == "response":
        if head is None:
            raise CorruptWarc("response record without an HTTP head")
        parts = head.first_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        http: dict[str, str] = {}
        for key, value in head.headers:
            http.setdefault(key.lower(), value)
        content_type = http.get("content-type")
        etag = http.get("etag")
        last_modified = http.get("last-modified")
        payload_length -= head.length
    else:
        content_type = warc.get("content-type")
    return IndexRow(
        record_id=warc.get("warc-record-id", ""),
        record_type=record_type,
        url=uri,
        urlkey=url_key(uri),
        fetched_at=format_ts(parse_ts(date)),
        status=status,
        content_type=content_type,
        warc_file=warc_file,
        offset=offset,
        length=length,
        payload_digest=warc.get("warc-payload-digest"),
        payload_length=payload_length,
        fetch_method=fetch_method or ("browser" if record_type == "resource" else "http"),
        request_record_id=request_record_id,
        metadata_record_id=metadata[0] if metadata else None,
        metadata_offset=metadata[1] if metadata else None,
        metadata_length=metadata[2] if metadata else None,
        refers_to=warc.get("warc-refers-to"),
        etag=etag,
        last_modified=last_modified,
    )


def row_for(record: WarcRecord, warc_file: str, offset: int, length: int) -> IndexRow:
    """The captures row of a response or resource record read back from a WARC file."""
    head = parse_http_head(record.block) if record.record_type == "response" else None
    return row_from(
        record.headers, head, len(record.block), warc_file=warc_file, offset=offset, length=length
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
