"""The cascade: SourcePage -> records, through the named stages in order.

decode -> parse -> main content -> blocks -> clean -> segment -> infer -> records.
Plain text (and text from PDF/DOCX attachments) enters at "blocks". Bad input (empty,
binary, oversized, unparseable) raises NormaliseError carrying the page URL; nothing
else escapes, so one bad page never stops a run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from w3lib.url import canonicalize_url

from normalise import attachments as att
from normalise import patterns as P
from normalise.clean import clean
from normalise.decode import decode
from normalise.errors import NormaliseError
from normalise.html import extract
from normalise.infer import (
    Sourced,
    assemble,
    infer_agency,
    infer_kind,
    infer_published,
    infer_year,
)
from normalise.model import Attachment, Block, Cleaned, ListingEntry, PageMeta, Segment
from normalise.segment import segment
from normalise.text import clean_line, compact, iso_utc, parse_date
from normalise.types import Kind, ParentDocument, Record, SourcePage

# Pages above this size are refused (a report page is ~100 KB; 10 MB is a broken server).
MAX_PAGE_BYTES = 10 * 1024 * 1024
# Share of control characters above which decoded "HTML" is binary data.
BINARY_CONTROL_RATIO = 0.02
_MAGIC = (
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"BM", "bmp"),
    (b"Rar!", "rar"),
    (b"\xd0\xcf\x11\xe0", "ole2 (doc/xls)"),
    (b"7z\xbc\xaf", "7z"),
)


@dataclass(frozen=True, slots=True)
class PageResult:
    """Everything normalisation learnt about one page."""

    records: tuple[Record, ...]
    page_kind: str  # document | listing | empty | attachment | text
    charset_decision: str | None = None
    listing: tuple[ListingEntry, ...] = ()


def record_id(url: str, position: int, kind: str, title: str | None) -> str:
    """Stable id: the same document at the same place on the same page, whatever the capture."""
    key = "\x1f".join((canonicalize_url(url), str(position), kind, title or ""))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _media_type(page: SourcePage) -> str:
    ctype = (page.content_type or "").split(";")[0].strip().lower()
    body = page.body
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        return "docx" if att.is_docx(body) else "binary:zip"
    if ctype == "application/pdf":
        return "pdf"
    if ctype == att.DOCX_TYPE:
        return "docx"
    for magic, name in _MAGIC:
        if body.startswith(magic):
            return f"binary:{name}"
    if ctype == "text/plain" or (not ctype and page.url.lower().endswith(".txt")):
        return "text"
    return "html"


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f")
    return "\x00" in sample or controls / len(sample) > BINARY_CONTROL_RATIO


def text_blocks(text: str) -> tuple[Block, ...]:
    """Plain text to blocks: one per non-empty line (plain text enters the cascade here)."""
    return tuple(Block(line) for raw in text.splitlines() if (line := clean_line(raw)))


def _flags_for(cleaned: Cleaned, segments: list[Segment], index: int) -> set[str]:
    seg = segments[index]
    lo = 0 if index == 0 else seg.start
    last = index == len(segments) - 1
    flags = set()
    for pos, reason in cleaned.removed:
        if lo <= pos < seg.end or (last and pos >= seg.end):
            flags.add(reason)
    return flags


def _owner(segments: list[Segment], block: int) -> int:
    """The document whose span holds kept block ``block`` (before the first: the first)."""
    owner = 0
    for i, seg in enumerate(segments):
        if seg.start <= block:
            owner = i
    return owner


def attachment_entry(a: Attachment) -> dict[str, Any]:
    """A record's ``attachments`` item as normalisation knows it: the link alone.

    ``capture`` and ``record_ids`` are filled by whoever sees the archive (crawler.records):
    where the file was archived, and the records made from it.
    """
    return {"url": a.url, "text": a.text, "type": a.type, "capture": None, "record_ids": ()}


def is_stub(text: str, title: str | None, attachments: tuple[dict[str, Any], ...]) -> bool:
    """The document's own text only points to its attached file ("详见附件")."""
    if not any(a["type"] in P.DOCUMENT_EXTENSIONS for a in attachments):
        return False
    names = {compact(a["text"]) for a in attachments}
    own = compact(title or "")
    kept = []
    for line in text.splitlines():
        c = compact(line)
        if not c or c == own or c in names or (P.ATTACHMENT_LINE.match(c) and len(c) < 60):
            continue
        kept.append(c)
    rest = "".join(kept)
    if len(rest) <= P.STUB_MAX_CHARS:
        return True
    return len(rest) <= P.STUB_PHRASE_MAX_CHARS and any(p in rest for p in P.STUB_PHRASES)


def _build(
    page: SourcePage,
    cleaned: Cleaned,
    meta: PageMeta | None,
    attachments: tuple[Attachment, ...],
    extra_flags: set[str],
) -> tuple[Record, ...]:
    blocks = cleaned.blocks
    segments = segment(blocks, meta.title if meta else None)
    single = len(segments) == 1
    hint_date = parse_date(page.hint_date) if page.hint_date else None
    parent = page.parent
    capture = None
    if page.capture is not None:
        capture = {
            "record_id": page.capture.record_id,
            "warc_file": page.capture.warc_file,
            "offset": page.capture.offset,
        }
    owned: list[list[dict[str, Any]]] = [[] for _ in segments]
    seen: list[set[str]] = [set() for _ in segments]
    for a in attachments:
        i = _owner(segments, cleaned.kept_index(a.block))
        if a.url not in seen[i]:
            seen[i].add(a.url)
            owned[i].append(attachment_entry(a))
    records = []
    for position, seg in enumerate(segments):
        body = assemble(blocks, seg)
        flags = _flags_for(cleaned, segments, position) | extra_flags
        title = seg.title
        if title is None and single and page.hint_title:
            title = clean_line(page.hint_title)
            flags.add("title_from_listing")
        inherited = False
        if title is None and parent is not None and parent.text_in_attachment and position == 0:
            # The parent page only points here: this file is its document.
            title, inherited = parent.title, parent.title is not None
            flags.add("title_from_parent")
        if title is None:
            flags.add("title_missing")
        if seg.title_joined:
            flags.add("title_joined")
        if seg.preamble:
            flags.add("preamble")
        kind: Kind = infer_kind(title, body.text)  # type: ignore[assignment]
        page_meta = meta if (single or seg.from_page_meta) else None
        year = infer_year(title, seg.subtitles, body.text, page.hint_title if single else None)
        if year.conflict:
            flags.add("year_conflict")
        published = infer_published(seg, page_meta, hint_date if single else None)
        agency = infer_agency(title, seg, page_meta, body.text)
        year_source, agency_source = year.source, agency.source
        if inherited:
            # Facts read from the inherited title come from the parent, and say so.
            year_source = "parent" if year_source == "title" else year_source
            agency_source = "parent" if agency_source == "title" else agency_source
        if parent is not None:
            if published.value is None and parent.published:
                published = Sourced(parent.published, "parent")
            if agency.value is None and parent.agency:
                agency, agency_source = Sourced(parent.agency, "parent"), "parent"
        docs_attachments = tuple(owned[position])
        if not body.text.strip() and not body.tables:
            flags.add("empty_text")
        if docs_attachments and is_stub(body.text, title, docs_attachments):
            flags.add("text_in_attachment")
        records.append(
            Record(
                record_id=record_id(page.url, position, kind, title),
                kind=kind,
                agency=agency.value,
                agency_source=agency_source,
                report_year=year.value if kind == "annual_report" else None,
                year_source=year_source if kind == "annual_report" else None,
                published=published.value,
                published_source=published.source,
                title=title,
                text=body.text,
                source_url=page.url,
                fetched_at=iso_utc(page.fetched_at),
                capture=capture,
                position=position,
                sections=body.sections,
                tables=body.tables,
                attachments=docs_attachments,
                flags=tuple(sorted(flags)),
                parent_url=page.parent_url,
                parent_record_id=parent.record_id if parent is not None else None,
            )
        )
    return tuple(records)


def parent_document(record: Record) -> ParentDocument:
    """What an attachment of this record's document inherits from it."""
    return ParentDocument(
        record_id=record.record_id,
        title=record.title,
        kind=record.kind,
        agency=record.agency,
        published=record.published,
        text_in_attachment="text_in_attachment" in record.flags,
    )


def _analyse(page: SourcePage, max_bytes: int) -> PageResult:
    if not page.body or not page.body.strip():
        raise NormaliseError("empty body")
    if len(page.body) > max_bytes:
        raise NormaliseError(f"page too large: {len(page.body)} bytes (limit {max_bytes})")
    media = _media_type(page)
    if media.startswith("binary:"):
        raise NormaliseError(
            f"binary body ({media[7:]}) served as {page.content_type or 'unknown type'}"
        )
    if media in ("pdf", "docx"):
        blocks = att.pdf_blocks(page.body) if media == "pdf" else att.docx_blocks(page.body)
        if not blocks:
            raise NormaliseError(f"no text in {media} attachment")
        cleaned = clean(blocks)
        return PageResult(_build(page, cleaned, None, (), set()), "attachment")

    decoded = decode(page.body, page.declared_charset, sniff_meta=media == "html")
    if _looks_binary(decoded.text):
        raise NormaliseError(f"binary body served as {page.content_type or 'unknown type'}")
    flags = set()
    if decoded.replaced:
        flags.add("charset_replaced")
    if decoded.conflict:
        flags.add("charset_conflict")
    if media == "text":
        blocks = text_blocks(decoded.text)
        if not blocks:
            raise NormaliseError("empty body")
        records = _build(page, clean(blocks), None, (), flags)
        return PageResult(records, "text", decoded.decision)

    extracted = extract(decoded.text, page.url)
    if extracted.page_kind != "document" or not extracted.blocks:
        kind = extracted.page_kind if extracted.page_kind != "document" else "empty"
        return PageResult((), kind, decoded.decision, extracted.listing)
    if extracted.truncated:
        flags.add("parse_truncated")
    cleaned = clean(extracted.blocks)
    records = _build(page, cleaned, extracted.meta, extracted.attachments, flags)
    return PageResult(records, "document", decoded.decision)


def analyse_page(page: SourcePage, *, max_bytes: int = MAX_PAGE_BYTES) -> PageResult:
    """Normalise one page; NormaliseError (with the URL) for input that cannot be read."""
    try:
        return _analyse(page, max_bytes)
    except NormaliseError as exc:
        raise NormaliseError(str(exc), url=page.url) from exc
    except RecursionError as exc:
        raise NormaliseError("document nested too deeply", url=page.url) from exc
    except (ValueError, MemoryError, LookupError) as exc:  # malformed input reaching a library
        raise NormaliseError(
            f"unreadable page ({type(exc).__name__}: {exc})", url=page.url
        ) from exc


def normalise_page(page: SourcePage) -> list[Record]:
    """SourcePage -> one Record per document on it (the contract in docs/design.md)."""
    return list(analyse_page(page).records)
