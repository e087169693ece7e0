"""Export for other tools: a CDXJ index (pywb, cdxj-indexer) and a WACZ package (wacz).

Both work on sealed files only: a ``*.open`` file's name will change when it is sealed,
so an index pointing into it would go stale (the caller is told what was left out).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cdxj_indexer.main import CDXJIndexer
from wacz.main import main as wacz_main

from archive.errors import ArchiveError
from archive.index import IndexRow
from archive.layout import OPEN_SUFFIX, list_warcs
from archive.reader import Archive

Warn = Callable[[str], None]


def _sealed_warcs(archive_dir: Path, warn: Warn | None) -> list[Path]:
    paths = list_warcs(archive_dir)
    sealed = [p for p in paths if not p.name.endswith(OPEN_SUFFIX)]
    if warn is not None:
        for p in paths:
            if p.name.endswith(OPEN_SUFFIX):
                warn(f"left out {p.name}: still being written (export again once it is sealed)")
    return sealed


def export_cdxj(archive_dir: Path, out: IO[str], *, warn: Warn | None = None) -> int:
    """Write a sorted CDXJ index of the sealed WARCs to ``out``; returns the line count.

    ``filename`` fields are relative to ``archive_dir`` (``warcs/NAME.warc.gz``), so pywb
    finds the files with ``archive_paths`` set to the archive directory. POST requests get
    their body appended to the key (``post_append``), as pywb matches them.
    """
    Archive(archive_dir).close()  # one clear error if DIR is not an archive
    warcs = _sealed_warcs(archive_dir, warn)
    buffer = io.StringIO()
    if warcs:
        indexer = CDXJIndexer(
            output=buffer,
            inputs=[str(p) for p in warcs],
            sort=True,
            post_append=True,
            dir_root=str(archive_dir),
        )
        indexer.process_all()
    text = buffer.getvalue()
    out.write(text)
    return text.count("\n")


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    ts: str
    title: str


def report_pages(archive: Archive) -> list[Page]:
    """The pages a WACZ viewer should list: report candidates (a rule in their metadata),
    or every HTML page when no capture carries a rule. Successful responses only.
    """
    candidates: list[Page] = []
    html: list[Page] = []
    for row in archive.rows():
        if row.record_type != "response" or row.status is None or not 200 <= row.status < 300:
            continue
        page = _page(archive, row)
        if page is None:
            continue
        rule_page, is_html = page
        if rule_page is not None:
            candidates.append(rule_page)
        if is_html is not None:
            html.append(is_html)
    chosen = candidates or html
    latest = {page.url: page for page in chosen}  # one entry per URL: its latest capture
    return sorted(latest.values(), key=lambda p: (p.url, p.ts))


def _page(archive: Archive, row: IndexRow) -> tuple[Page | None, Page | None] | None:
    prov, _ = archive.provenance(row)  # the metadata record only, not the page
    title = " ".join(((prov.link_text if prov else None) or row.url).split())
    page = Page(url=row.url, ts=row.fetched_at, title=title)
    is_html = (row.content_type or "").split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    )
    return (page if prov is not None and prov.rule else None, page if is_html else None)


def _pages_jsonl(pages: list[Page]) -> Iterator[str]:
    yield json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Report pages"})
    for page in pages:
        yield json.dumps({"url": page.url, "ts": page.ts, "title": page.title}, ensure_ascii=False)


def export_wacz(
    archive_dir: Path, output: Path, *, title: str | None = None, warn: Warn | None = None
) -> int:
    """Package the sealed WARCs as a WACZ at ``output``; returns the number of pages listed."""
    with Archive(archive_dir) as archive:
        pages = report_pages(archive)
    warcs = _sealed_warcs(archive_dir, warn)
    if not warcs:
        raise ArchiveError(f"archive {archive_dir} has no sealed WARC file to export")
    with tempfile.TemporaryDirectory(prefix="govcrawl-wacz-") as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        pages_path.write_text("\n".join(_pages_jsonl(pages)) + "\n", encoding="utf-8")
        args = ["create", "-o", str(output), "--copy-pages", "--pages", str(pages_path)]
        if title:
            args += ["--title", title]
        chatter = io.StringIO()  # wacz prints progress to stdout; keep ours clean
        with contextlib.redirect_stdout(chatter):
            status = wacz_main(args + [str(p) for p in warcs])
        if status not in (0, None):
            last = chatter.getvalue().strip().splitlines()[-1:] or ["no output"]
            raise ArchiveError(f"wacz could not create {output}: {last[0]}")
    return len(pages)
