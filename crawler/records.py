"""The glue between archive and normalise: archived captures -> SourcePages -> JSON lines.

Both the live crawl (after it finishes) and ``govcrawl normalise --archive`` derive the
records here, from the archived bytes only, so the two paths cannot disagree. Output is
deterministic: the latest capture of each URL is used, records are ordered by source
URL and position, and the file is replaced atomically (re-running gives the same bytes).

Attachments are joined here, the only place that sees the whole archive: pages are
normalised first; each attachment file (PDF, DOCX) is then normalised knowing the
document that links it (its parent record: a stub page's title passes to the file that
holds the report); last, every document's attachment entries get the capture of the
file (after redirects) and the ids of the records made from it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import archive
from archive.errors import ArchiveError, CorruptWarc
from archive.index import IndexRow
from archive.reader import Archive, StoredCapture
from archive.urls import url_key
from crawler.middlewares.challenges import detect_challenge
from normalise import CaptureId, NormaliseError, ParentDocument, Record, SourcePage
from normalise.attachments import DOCX_TYPE, PDF_TYPE, is_docx
from normalise.pipeline import analyse_page, parent_document
from normalise.serialise import record_to_line

RECORDS_FILE = "records.jsonl"
# Media types that can hold a document; everything else (images, CSS, JS) is skipped.
DOCUMENT_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", PDF_TYPE, DOCX_TYPE, ""}
)
# What download modules call any file: the bytes say whether it is a PDF or a DOCX.
GENERIC_FILE_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/x-download",
        "application/force-download",
        "application/download",
        "binary/octet-stream",
    }
)
ATTACHMENT_TYPES = frozenset({PDF_TYPE, DOCX_TYPE})
# Redirects followed from an attachment link to the archived file.
MAX_REDIRECTS = 5
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^;\s\"']+)", re.I)


@dataclass
class NormaliseReport:
    """What a run did: slash-named counters and every failure with its URL."""

    stats: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def _media(sc: StoredCapture) -> str:
    ctype_header = sc.header("Content-Type") or sc.content_type or ""
    return ctype_header.split(";")[0].strip().lower()


def _sniffed(body: bytes) -> str | None:
    """PDF or DOCX when a generic download type hides one; None when it is neither."""
    if body.startswith(b"%PDF-"):
        return PDF_TYPE
    if body.startswith(b"PK\x03\x04") and is_docx(body):
        return DOCX_TYPE
    return None


def source_page(sc: StoredCapture, parent: ParentDocument | None = None) -> SourcePage | None:
    """The SourcePage of an archived capture, or None when it cannot hold a document."""
    if sc.status is not None and not 200 <= sc.status < 300:
        return None
    ctype_header = sc.header("Content-Type") or sc.content_type or ""
    media = ctype_header.split(";")[0].strip().lower()
    if urlsplit(sc.ref.url).path == "/robots.txt":
        return None
    if media in GENERIC_FILE_TYPES:
        sniffed = _sniffed(sc.body())
        if sniffed is None:
            return None
        media = sniffed
    if media not in DOCUMENT_TYPES:
        return None
    body = sc.body()
    if detect_challenge(sc.status or 200, body, sc.ref.url) is not None:
        return None
    charset = m.group(1) if (m := _CHARSET.search(ctype_header)) else None
    extra = dict(sc.provenance.extra) if sc.provenance is not None else {}
    via = sc.provenance.discovered_from if sc.provenance is not None else None
    return SourcePage(
        url=sc.ref.url,
        body=body,
        content_type=media or None,
        declared_charset=charset,
        fetched_at=sc.ref.fetched_at,
        capture=CaptureId(sc.ref.record_id, sc.ref.warc_file, sc.ref.offset),
        hint_title=extra.get("hint_title"),
        hint_date=extra.get("hint_date"),
        parent_url=via if media in ATTACHMENT_TYPES else None,
        parent=parent if media in ATTACHMENT_TYPES else None,
    )


def is_attachment_file(sc: StoredCapture) -> bool:
    """A PDF or DOCX (also behind a generic download type): normalised after the pages."""
    media = _media(sc)
    if media in ATTACHMENT_TYPES:
        return True
    if media in GENERIC_FILE_TYPES and sc.status is not None and 200 <= sc.status < 300:
        try:
            return _sniffed(sc.body()) is not None
        except ArchiveError:
            return False
    return False


def records_for(
    sc: StoredCapture, report: NormaliseReport, parent: ParentDocument | None = None
) -> list[Record]:
    """Records of one capture; failures are counted and kept with the URL, never raised."""
    try:
        page = source_page(sc, parent)
    except ArchiveError as exc:
        report.stats["normalise/errors"] += 1
        report.errors.append((sc.ref.url, str(exc)))
        return []
    if page is None:
        report.stats["normalise/skipped"] += 1
        return []
    report.stats["normalise/pages"] += 1
    try:
        result = analyse_page(page)
    except NormaliseError as exc:
        report.stats["normalise/errors"] += 1
        report.errors.append((sc.ref.url, exc.reason))
        return []
    report.stats[f"normalise/pages_{result.page_kind}"] += 1
    report.stats["normalise/records"] += len(result.records)
    for rec in result.records:
        report.stats[f"normalise/records_{rec.kind}"] += 1
    return list(result.records)


def _newest_rows(a: Archive) -> dict[str, list[IndexRow]]:
    """Every URL's index rows, newest first (later WARC position breaks time ties)."""
    rows: dict[str, list[tuple[tuple[str, int], IndexRow]]] = {}
    for n, row in enumerate(a.rows()):
        ref = row.ref()
        rows.setdefault(ref.url, []).append(((ref.fetched_at.isoformat(), n), row))
    return {
        url: [row for _, row in sorted(found, key=lambda kv: kv[0], reverse=True)]
        for url, found in rows.items()
    }


def _load_newest(a: Archive, rows: list[IndexRow], report: NormaliseReport) -> StoredCapture | None:
    """The newest readable capture among ``rows``; unreadable ones are reported."""
    for row in rows:
        try:
            return a.load(row)
        except CorruptWarc as exc:
            report.stats["normalise/errors"] += 1
            report.errors.append(("(archive)", str(exc)))
    return None


def _capture_entry(row: IndexRow) -> dict[str, Any]:
    ref = row.ref()
    return {
        "record_id": ref.record_id,
        "warc_file": ref.warc_file,
        "offset": ref.offset,
        "url": ref.url,
        "content_type": ref.content_type,
        "status": ref.status,
    }


@dataclass
class _Join:
    """What the attachment join knows: newest capture per URL key, records per URL."""

    archive: Archive
    rows: dict[str, list[IndexRow]]  # url_key -> newest-first rows
    report: NormaliseReport
    records: dict[str, list[Record]] = field(default_factory=dict)  # source URL -> records

    def resolve(self, url: str) -> IndexRow | None:
        """The archived file a link leads to: its newest capture, through archived redirects.

        Only the index is read, except for a redirect, whose Location header is needed:
        files are not loaded to be named.
        """
        key = _key(url)
        rows = self.rows.get(key) if key is not None else None
        row = rows[0] if rows else None
        for _ in range(MAX_REDIRECTS):
            if row is None or row.status is None or not 300 <= row.status < 400:
                break
            try:
                location = self.archive.load(row).header("Location")
            except CorruptWarc:
                break
            if not location:
                break
            try:
                target = _key(urljoin(row.url, location.strip()))
            except ValueError:  # a hostile Location header
                break
            nxt = self.rows.get(target) if target is not None else None
            if not nxt:
                break
            row = nxt[0]
        return row


def _key(url: str) -> str | None:
    """The index key of a URL taken from page content, or None when it is malformed
    (a link like ``http://[::1/a.pdf`` names nothing that can have been archived)."""
    try:
        return url_key(url)
    except ValueError:  # archive.urls.BadUrl is a ValueError
        return None


def _parent_for(sc: StoredCapture, linked_from: dict[str, list[Record]]) -> Record | None:
    """The document an attachment belongs to: a record linking it (the crawl's via page
    first), else the single document of the via page."""
    keys = [url_key(sc.ref.url)]
    extra = dict(sc.provenance.extra) if sc.provenance is not None else {}
    keys += [url_key(u) for u in extra.get("redirect_chain", "").split() if u]
    via = sc.provenance.discovered_from if sc.provenance is not None else None
    candidates = [rec for key in keys for rec in linked_from.get(key, [])]
    for rec in candidates:
        if via and url_key(rec.source_url) == url_key(via):
            return rec
    return candidates[0] if candidates else None


def iter_records(archive_dir: Path, report: NormaliseReport) -> Iterator[Record]:
    """Every record the archive yields, ordered by source URL and position on the page."""
    with archive.open(archive_dir) as a:
        urls = _newest_rows(a)
        by_key: dict[str, list[IndexRow]] = {}
        for url in sorted(urls):
            # Several spellings of one URL: the newest capture of any of them.
            by_key.setdefault(url_key(url), []).extend(urls[url])
        for rows in by_key.values():
            rows.sort(key=lambda r: r.ref().fetched_at, reverse=True)  # stable: ties keep order
        join = _Join(a, by_key, report)
        files: list[str] = []
        for url in sorted(urls):
            sc = _load_newest(a, urls[url], report)
            if sc is None:
                continue
            if is_attachment_file(sc):
                files.append(url)  # normalised once every page is (bodies not kept meanwhile)
            else:
                join.records[url] = records_for(sc, report)
        # Which documents link which files (in output order: deterministic first parent).
        linked_from: dict[str, list[Record]] = {}
        for url in sorted(join.records):
            for rec in join.records[url]:
                for att in rec.attachments:
                    if (key := _key(att["url"])) is not None:
                        linked_from.setdefault(key, []).append(rec)
        via_records = {url_key(u): recs for u, recs in join.records.items()}
        for url in files:
            sc = _load_newest(a, urls[url], report)
            if sc is None:
                continue
            parent = _parent_for(sc, linked_from)
            if parent is None and sc.provenance is not None and sc.provenance.discovered_from:
                page_records = via_records.get(url_key(sc.provenance.discovered_from), [])
                parent = page_records[0] if len(page_records) == 1 else None
            recs = records_for(sc, report, parent_document(parent) if parent else None)
            join.records[sc.ref.url] = recs
            if parent is not None:
                report.stats["normalise/attachments_linked"] += 1
        ids_by_key: dict[str, tuple[str, ...]] = {}
        for url, recs in join.records.items():
            if recs:
                ids_by_key[url_key(url)] = tuple(r.record_id for r in recs)
        for url in sorted(join.records):
            for rec in join.records[url]:
                yield _with_captures(rec, join, ids_by_key, report) if rec.attachments else rec


def _with_captures(
    rec: Record, join: _Join, ids_by_key: dict[str, tuple[str, ...]], report: NormaliseReport
) -> Record:
    """The record with each attachment's archived capture and the records made from it."""
    entries = []
    for att in rec.attachments:
        row = join.resolve(att["url"])
        entry = dict(att)
        if row is not None:
            entry["capture"] = _capture_entry(row)
            entry["record_ids"] = ids_by_key.get(url_key(row.url), ())
            report.stats["normalise/attachments_archived"] += 1
        else:
            report.stats["normalise/attachments_not_archived"] += 1
        entries.append(entry)
    return replace(rec, attachments=tuple(entries))


def write_records(archive_dir: Path, out: Path | None = None) -> NormaliseReport:
    """Write DIR/records.jsonl (or ``out``) atomically; return counters and failures."""
    archive_dir = Path(archive_dir)
    out = Path(out) if out is not None else archive_dir / RECORDS_FILE
    report = NormaliseReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 would carry over to the output, which is shared like any other
    # file; an exclusive create with 0666 lets the umask decide (0644 as a rule).
    tmp = out.parent / f".{out.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for rec in iter_records(archive_dir, report):
                fh.write(record_to_line(rec))
                fh.write("\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a ``records.jsonl`` file, as JSON objects in file order."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
