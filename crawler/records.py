"""The glue between archive and normalise: archived captures -> SourcePages -> JSON lines.

Both the live crawl (after it finishes) and ``govcrawl normalise --archive`` derive the
records here, from the archived bytes only, so the two paths cannot disagree. Output is
deterministic: the latest capture of each URL is used, records are ordered by source
URL and position, and the file is replaced atomically (re-running gives the same bytes).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import archive
from archive.errors import ArchiveError
from archive.reader import StoredCapture
from crawler.middlewares.challenges import detect_challenge
from normalise import CaptureId, NormaliseError, Record, SourcePage
from normalise.attachments import DOCX_TYPE, PDF_TYPE
from normalise.pipeline import analyse_page
from normalise.serialise import record_to_line

RECORDS_FILE = "records.jsonl"
# Media types that can hold a document; everything else (images, CSS, JS) is skipped.
DOCUMENT_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", PDF_TYPE, DOCX_TYPE, ""}
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^;\s\"']+)", re.I)


@dataclass
class NormaliseReport:
    """What a run did: slash-named counters and every failure with its URL."""

    stats: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def source_page(sc: StoredCapture) -> SourcePage | None:
    """The SourcePage of an archived capture, or None when it cannot hold a document."""
    if sc.status is not None and not 200 <= sc.status < 300:
        return None
    ctype_header = sc.header("Content-Type") or sc.content_type or ""
    media = ctype_header.split(";")[0].strip().lower()
    if media not in DOCUMENT_TYPES or urlsplit(sc.ref.url).path == "/robots.txt":
        return None
    body = sc.body()
    if detect_challenge(sc.status or 200, body, sc.ref.url) is not None:
        return None
    charset = m.group(1) if (m := _CHARSET.search(ctype_header)) else None
    extra = dict(sc.provenance.extra) if sc.provenance is not None else {}
    parent = sc.provenance.discovered_from if sc.provenance is not None else None
    return SourcePage(
        url=sc.ref.url,
        body=body,
        content_type=media or None,
        declared_charset=charset,
        fetched_at=sc.ref.fetched_at,
        capture=CaptureId(sc.ref.record_id, sc.ref.warc_file, sc.ref.offset),
        hint_title=extra.get("hint_title"),
        hint_date=extra.get("hint_date"),
        parent_url=parent if media in (PDF_TYPE, DOCX_TYPE) else None,
    )


def records_for(sc: StoredCapture, report: NormaliseReport) -> list[Record]:
    """Records of one capture; failures are counted and kept with the URL, never raised."""
    try:
        page = source_page(sc)
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


def latest_captures(archive_dir: Path, report: NormaliseReport) -> list[StoredCapture]:
    """The newest readable capture of every URL (later WARC position breaks time ties)."""
    latest: dict[str, tuple[tuple[str, int], StoredCapture]] = {}
    with archive.open(archive_dir) as a:
        for n, sc in enumerate(a.iter_captures()):
            key = (sc.ref.fetched_at.isoformat(), n)
            if sc.ref.url not in latest or key >= latest[sc.ref.url][0]:
                latest[sc.ref.url] = (key, sc)
        for problem in getattr(a, "skipped", []):
            report.stats["normalise/errors"] += 1
            report.errors.append(("(archive)", problem))
    return [latest[url][1] for url in sorted(latest)]


def iter_records(archive_dir: Path, report: NormaliseReport) -> Iterator[Record]:
    """Every record the archive yields, ordered by source URL and position on the page."""
    for sc in latest_captures(archive_dir, report):
        yield from records_for(sc, report)


def write_records(archive_dir: Path, out: Path | None = None) -> NormaliseReport:
    """Write DIR/records.jsonl (or ``out``) atomically; return counters and failures."""
    archive_dir = Path(archive_dir)
    out = Path(out) if out is not None else archive_dir / RECORDS_FILE
    report = NormaliseReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".records-", suffix=".jsonl.tmp", dir=out.parent)
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
