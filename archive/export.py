"""Export for other tools: a CDXJ index (pywb, cdxj-indexer) and a WACZ package (wacz).

Both work on sealed files only: a ``*.open`` file's name will change when it is sealed,
so an index pointing into it would go stale (the caller is told what was left out).

Damaged regions (garbage, a truncated tail) are skipped with a warning, as ``reindex``
skips them, and everything else is exported: warcio stops at the first unreadable byte,
so a damaged file is given to the indexers as its runs of sound gzip members (CDXJ: read
in place, offsets shifted back to the file's own; WACZ: a copy of the sound members,
since the package holds its own files).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cdxj_indexer.main import CDXJIndexer
from wacz.main import main as wacz_main

from archive.errors import ArchiveError, CorruptWarc
from archive.index import IndexRow
from archive.layout import OPEN_SUFFIX, list_warcs
from archive.reader import Archive
from archive.warcfile import parse_record, scan_members

Warn = Callable[[str], None]


def _sealed_warcs(archive_dir: Path, warn: Warn | None) -> list[Path]:
    paths = list_warcs(archive_dir)
    sealed = [p for p in paths if not p.name.endswith(OPEN_SUFFIX)]
    if warn is not None:
        for p in paths:
            if p.name.endswith(OPEN_SUFFIX):
                warn(f"left out {p.name}: still being written (export again once it is sealed)")
    return sealed


@dataclass(frozen=True, slots=True)
class SoundRuns:
    """A WARC file's runs of readable records: (start, end) byte ranges, in file order."""

    path: Path
    runs: tuple[tuple[int, int], ...]
    damaged: bool


def sound_runs(path: Path, rel: str, warn: Warn | None) -> SoundRuns:
    """Scan ``path`` member by member; damaged regions are warned about and split the runs.

    A member counts as sound when it decompresses and parses as a WARC record: what the
    indexers will read. A zero-byte file has no run (and is not damaged).
    """
    runs: list[tuple[int, int]] = []
    damaged = False
    start: int | None = None
    end = 0
    with path.open("rb") as fh:
        for member in scan_members(fh):
            problem = member.error
            if member.data is not None:
                try:
                    parse_record(member.data)
                except CorruptWarc as exc:
                    problem = str(exc)
                else:
                    problem = None
            if problem is None:
                if start is None:
                    start = member.offset
                end = member.offset + member.length
                continue
            damaged = True
            if warn is not None:
                warn(f"{rel}: offset {member.offset}: skipped damaged region ({problem})")
            if start is not None:
                runs.append((start, end))
                start = None
    if start is not None:
        runs.append((start, end))
    return SoundRuns(path, tuple(runs), damaged)


class _Window(io.RawIOBase):
    """Bytes ``start``..``end`` of an open file, read-only and forward-only: a run of
    sound members handed to warcio as if it were a whole file."""

    def __init__(self, fh: IO[bytes], start: int, end: int) -> None:
        super().__init__()
        fh.seek(start)
        self._fh = fh
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        data = self._fh.read(min(len(buffer), self._left))
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _cdxj_lines(inputs: Sequence[str | IO[bytes]], archive_dir: Path, **kw: str) -> list[str]:
    buffer = io.StringIO()
    indexer = CDXJIndexer(
        output=buffer,
        inputs=inputs,
        sort=True,
        post_append=True,
        dir_root=str(archive_dir),
        **kw,
    )
    indexer.process_all()
    return buffer.getvalue().splitlines(keepends=True)


def _shift_offset(line: str, by: int) -> str:
    """A CDXJ line with its ``offset`` field moved ``by`` bytes (window -> file offsets)."""
    urlkey, ts, fields = line.rstrip("\n").split(" ", 2)
    data = json.loads(fields)
    data["offset"] = str(int(data["offset"]) + by)
    return f"{urlkey} {ts} {json.dumps(data)}\n"


def export_cdxj(archive_dir: Path, out: IO[str], *, warn: Warn | None = None) -> int:
    """Write a sorted CDXJ index of the sealed WARCs to ``out``; returns the line count.

    ``filename`` fields are relative to ``archive_dir`` (``warc/NAME.warc.gz``), so pywb
    finds the files with ``archive_paths`` set to the archive directory. POST requests get
    their body appended to the key (``post_append``), as pywb matches them. Damaged
    regions are left out with a warning; offsets still point into the original files.
    """
    Archive(archive_dir).close()  # one clear error if DIR is not an archive
    sound: list[str] = []
    lines: list[str] = []
    for path in _sealed_warcs(archive_dir, warn):
        rel = path.relative_to(archive_dir).as_posix()
        scanned = sound_runs(path, rel, warn)
        if not scanned.damaged:
            if scanned.runs:
                sound.append(str(path))
            continue
        with path.open("rb") as fh:
            for start, end in scanned.runs:
                window = io.BufferedReader(_Window(fh, start, end))
                for line in _cdxj_lines([window], archive_dir, filename=rel):
                    lines.append(_shift_offset(line, start))
    if sound:
        lines += _cdxj_lines(sound, archive_dir)
    lines.sort()  # the indexer's own order: plain text order of whole lines
    out.write("".join(lines))
    return len(lines)


def _sound_copy(scanned: SoundRuns, target: Path) -> None:
    """Write the sound runs of a damaged file to ``target`` (same name, inside the WACZ)."""
    with scanned.path.open("rb") as src, target.open("wb") as dst:
        for start, end in scanned.runs:
            src.seek(start)
            remaining = end - start
            while remaining:
                chunk = src.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                remaining -= len(chunk)


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


def _packable_warcs(archive_dir: Path, tmp: Path, warn: Warn | None) -> list[Path]:
    """The files the WACZ gets: sound files as they are, damaged ones as copies of their
    sound runs; files with no readable record are left out."""
    out: list[Path] = []
    copies = tmp / "warc"
    for path in _sealed_warcs(archive_dir, warn):
        rel = path.relative_to(archive_dir).as_posix()
        scanned = sound_runs(path, rel, warn)
        if not scanned.runs:
            if warn is not None:
                warn(f"left out {rel}: no readable record")
            continue
        if not scanned.damaged:
            out.append(path)
            continue
        copies.mkdir(exist_ok=True)
        copy = copies / path.name
        _sound_copy(scanned, copy)
        out.append(copy)
    return out


def export_wacz(
    archive_dir: Path, output: Path, *, title: str | None = None, warn: Warn | None = None
) -> int:
    """Package the sealed WARCs as a WACZ at ``output``; returns the number of pages listed.

    Damaged regions are left out with a warning (the package gets a copy of the sound
    records of such a file, under its own name).
    """
    with Archive(archive_dir) as archive:
        pages = report_pages(archive)
    with tempfile.TemporaryDirectory(prefix="govcrawl-wacz-") as tmp:
        warcs = _packable_warcs(archive_dir, Path(tmp), warn)
        if not warcs:
            raise ArchiveError(f"archive {archive_dir} has no sealed WARC file to export")
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
