"""The archive's data types: one exchange as received and where it was stored.

These are the contract between the crawler (which builds Captures) and the archive
(which stores them and answers with CaptureRefs). Nothing here knows Scrapy or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FetchMethod = Literal["http", "browser"]
HeaderList = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Why a URL was fetched: carried from the spider's request meta into the metadata record."""

    portal: str | None = None
    discovered_from: str | None = None
    link_text: str | None = None
    hops: str = ""  # Heritrix-style hop path, e.g. "LLP" (link, link, pagination)
    rule: str | None = None  # the discovery rule that made it a candidate
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Capture:
    """One HTTP exchange exactly as it went over the wire.

    ``response_headers`` keeps order, repeats and the server's spelling of names.
    ``body`` is the entity body as received: still Content-Encoded (gzip, br...),
    with any Transfer-Encoding chunking removed (see docs/warc.md).
    """

    url: str
    method: str
    request_target: str  # path + query, as sent on the request line
    request_headers: HeaderList
    request_body: bytes
    protocol: str  # "HTTP/1.1"
    status: int
    reason: str
    response_headers: HeaderList
    body: bytes
    fetched_at: datetime  # aware, UTC
    fetch_method: FetchMethod = "http"
    ip_address: str | None = None
    provenance: Provenance = field(default_factory=Provenance)
    charset_decision: str | None = None
    # HTTP version on the request line when it differs from the response's status line
    # (a client speaking HTTP/1.1 to an HTTP/1.0 server); None: the same as ``protocol``.
    request_protocol: str | None = None
    # Why the stored body is shorter than the entity the server announced, written as
    # WARC-Truncated: "length", "time", "disconnect" or "unspecified"; None: complete.
    truncated: str | None = None


@dataclass(frozen=True, slots=True)
class CaptureRef:
    """Where a capture lives in the archive; what the index stores and retrieval returns."""

    record_id: str  # WARC-Record-ID of the response (or resource) record, "<urn:uuid:...>"
    warc_file: str  # path relative to the archive directory
    offset: int
    length: int
    url: str
    fetched_at: datetime
    status: int | None
    content_type: str | None
    payload_digest: str | None
