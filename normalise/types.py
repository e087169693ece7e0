"""Normalisation's data types: the page it reads and the documents it finds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["annual_report", "guide", "other"]
SCHEMA_VERSION = "1.2.0"


@dataclass(frozen=True, slots=True)
class CaptureId:
    """Where the page's bytes live in the archive (opaque to normalisation)."""

    record_id: str
    warc_file: str
    offset: int


@dataclass(frozen=True, slots=True)
class ParentDocument:
    """For an attachment: the document (a record of the page linking it) it belongs to.

    ``text_in_attachment`` says the parent's own text is only a pointer ("详见附件"): the
    attachment holds the report, so it takes the parent's title (and with it kind, year
    and agency) when it has no title of its own.
    """

    record_id: str
    title: str | None
    kind: Kind
    agency: str | None
    published: str | None
    text_in_attachment: bool = False


@dataclass(frozen=True, slots=True)
class SourcePage:
    """The only input of normalisation; it cannot tell a live page from an archived one."""

    url: str
    body: bytes
    content_type: str | None = None  # e.g. "text/html", "text/plain", "application/pdf"
    declared_charset: str | None = None  # from the Content-Type header, if any
    fetched_at: datetime | None = None
    capture: CaptureId | None = None
    hint_title: str | None = None  # title shown by the listing that linked the page
    hint_date: str | None = None  # date shown by the listing, ISO 8601
    parent_url: str | None = None  # for attachments: the page that linked them
    parent: ParentDocument | None = None  # for attachments: the document that links them


@dataclass(frozen=True, slots=True)
class Record:
    """One document found on a page. Serialised by ``to_json``; schema in normalise/schema."""

    record_id: str
    kind: Kind
    agency: str | None
    agency_source: str | None
    report_year: int | None
    year_source: str | None
    published: str | None  # ISO 8601 local (+08:00 implied when written without offset)
    published_source: str | None
    title: str | None
    text: str
    source_url: str
    fetched_at: str | None
    capture: dict[str, Any] | None
    position: int
    sections: tuple[dict[str, Any], ...] = ()
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()
    attachments: tuple[dict[str, Any], ...] = ()
    flags: tuple[str, ...] = ()
    schema_version: str = field(default=SCHEMA_VERSION)
    parent_url: str | None = None  # for attachments: the page that linked them
    parent_record_id: str | None = None  # for attachments: the record of the linking document
