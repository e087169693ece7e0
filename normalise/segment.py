"""Stage 6, segment: split a page's blocks into documents at title (+ date) anchors.

An anchor is a report or guide title line, possibly split over two lines (an agency
line, then "2020年政府信息公开工作年度报告"; or a title broken mid-word). A document
runs from its anchor to the next one. Two rules keep one document whole:

- a title repeated as a sub-title (same kind and year, compatible agency) before the
  document has real body text is the same document, not a new one;
- a short run of lines before the first title (a masthead: the agency's name alone above
  it) is page header: it joins the first document instead of becoming one, also when the
  page's own title names no document ("…指南及2016-2023年度…报告" over a 指南 and eight
  reports). A run of PREAMBLE_MAX_CHARS or more, or one that holds a sentence, is real
  content: it stays a record of its own (untitled, or under the page's title) flagged
  ``preamble``; nothing is dropped.

Pages with a title in their metadata (single-document HTML pages) start with a virtual
anchor carrying that title, so a body that repeats it is recognised as the same document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from normalise import patterns as P
from normalise.model import Block, Segment
from normalise.text import cn_year, compact, fold, parse_date

# Body text a document may have before a same-titled line still counts as its sub-title
# (a metadata table or a one-line lead between a title and its repetition).
SUBTITLE_BODY_CHARS = 200
# An untitled run of lines above the first title shorter than this joins that document.
PREAMBLE_MAX_CHARS = 60
# A line ending so is a sentence: content, not a masthead.
_SENTENCE_END = ("。", "!", "?", ";")
_HAS_YEAR = re.compile(r"(?:19|20)\d{2}年|[〇○零一二三四五六七八九]{4}年")


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """What a title says: kind, year and the agency written before the year."""

    kind: str
    year: int | None
    agency: str | None


def match_title(title: str) -> TitleMatch | None:
    """Parse a report or guide title (compact form); None for any other text."""
    c = compact(title)
    if len(c) > P.MAX_TITLE_CHARS or P.LIST_MARKER.match(c):
        return None
    if m := P.REPORT_TITLE.match(c):
        return TitleMatch(
            "annual_report", cn_year(m.group("year")), clean_agency(m.group("agency"))
        )
    if m := P.GUIDE_TITLE.match(c):
        return TitleMatch("guide", None, clean_agency(m.group("agency")))
    return None


def clean_agency(text: str | None) -> str | None:
    """The agency part of a title, without "关于" and similar lead words; None if empty."""
    if not text:
        return None
    for prefix in P.AGENCY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.strip("()《》“”\"' ").removesuffix("的")
    return text if len(text) >= 2 and re.search(r"[\u4e00-\u9fff]", text) else None


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    title: str
    match: TitleMatch
    joined: bool


def _title_text(line: str) -> str:
    """A title line as the page wrote it, minus the spaces used to centre or space it out."""
    return "".join(line.split())


def _short_text(block: Block) -> str | None:
    if block.is_table:
        return None
    text = block.text
    if len(text) > P.MAX_TITLE_CHARS or fold(text).rstrip().endswith(P.PROSE_ENDINGS):
        return None
    return text


def anchor_at(blocks: tuple[Block, ...], i: int) -> Anchor | None:
    """A title starting at block i (one line, or two lines joined)."""
    first = _short_text(blocks[i])
    if first is None:
        return None
    alone = match_title(first)
    if i + 1 < len(blocks) and (second := _short_text(blocks[i + 1])) is not None:
        c0 = compact(first)
        # The title's first half: an agency line, or the start of the title with its year.
        if (alone is None or alone.agency is None) and (
            P.AGENCY_LINE.match(c0) or (alone is None and _HAS_YEAR.search(c0))
        ):
            second_alone = match_title(second)
            if second_alone is None or second_alone.agency is None:
                joined = match_title(c0 + compact(second))
                if joined is not None and (alone is None or joined.agency):
                    return Anchor(i, i + 2, _title_text(first) + _title_text(second), joined, True)
    if alone is not None:
        return Anchor(i, i + 1, _title_text(first), alone, False)
    return None


def find_anchors(blocks: tuple[Block, ...]) -> list[Anchor]:
    anchors = []
    i = 0
    while i < len(blocks):
        a = anchor_at(blocks, i)
        if a is None:
            i += 1
        else:
            anchors.append(a)
            i = a.end
    return anchors


@dataclass
class _Open:
    start: int
    title: str | None
    match: TitleMatch | None
    joined: bool = False
    virtual: bool = False
    header_start: int = 0
    body_chars: int = 0
    date_line: str | None = None
    source_line: str | None = None
    subtitles: list[str] = field(default_factory=list)
    header: set[int] = field(default_factory=set)
    preamble: bool = False  # substantial lines before the first title, kept as a record
    prose: bool = False  # a body line ends a sentence (a masthead never does)

    def close(self, end: int) -> Segment:
        return Segment(
            start=self.start,
            end=end,
            title=self.title,
            title_joined=self.joined,
            date_line=self.date_line,
            source_line=self.source_line,
            from_page_meta=self.virtual,
            subtitles=tuple(self.subtitles),
            header_blocks=frozenset(self.header),
            preamble=self.preamble,
        )


def _leading(cur: _Open) -> bool:
    """``cur`` is what precedes the page's first title: untitled lines, or a document opened
    by a page title that names no report or guide (a page holding several documents)."""
    return cur.title is None or (cur.virtual and cur.match is None)


def _agencies_compatible(a: str | None, b: str | None) -> bool:
    return not a or not b or a in b or b in a


def _same_document(cur: _Open, anchor: Anchor) -> bool:
    if cur.match is None:
        return False
    m = anchor.match
    if cur.match.kind != m.kind:
        return False
    if cur.match.year is not None and m.year is not None and cur.match.year != m.year:
        return False
    if cur.body_chars == 0:
        return True
    return cur.body_chars < SUBTITLE_BODY_CHARS and _agencies_compatible(cur.match.agency, m.agency)


def segment(blocks: tuple[Block, ...], page_title: str | None = None) -> list[Segment]:
    """Documents of a page, in page order (empty virtual documents are left out)."""
    anchors = {a.start: a for a in find_anchors(blocks)}
    out: list[Segment] = []
    cur: _Open | None = None
    if page_title:
        cur = _Open(0, page_title, match_title(page_title), virtual=True)
    j = 0
    n = len(blocks)
    while j < n:
        anchor = anchors.get(j)
        if anchor is not None:
            if cur is not None and _same_document(cur, anchor):
                cur.subtitles.append(anchor.title)
                cur.header.update(range(anchor.start, anchor.end))
                cur.header_start = anchor.end
                j = anchor.end
                continue
            start = anchor.start
            header = set(range(anchor.start, anchor.end))
            if cur is not None and not (cur.virtual and cur.body_chars == 0):
                if _leading(cur) and cur.body_chars < PREAMBLE_MAX_CHARS and not cur.prose:
                    # Page header (a masthead: the agency's name alone above the first
                    # title), not a document: it joins the first document. A page title
                    # that names no document ("指南及2016-2023年度报告") goes with it.
                    start = cur.start
                    header |= cur.header
                else:
                    if _leading(cur):
                        cur.preamble = True
                    out.append(cur.close(anchor.start))
            cur = _Open(start, anchor.title, anchor.match, anchor.joined, header_start=anchor.end)
            cur.header = header
            j = anchor.end
            continue
        block = blocks[j]
        if cur is None:
            cur = _Open(j, None, None, header_start=j)
        in_header = (
            j - cur.header_start < P.HEADER_LINES and not block.is_table and len(block.text) <= 80
        )
        consumed = False
        if in_header:
            folded = fold(block.text)
            if cur.date_line is None and (m := P.DATE_LINE.search(folded)):
                iso = parse_date(m.group("v"))
                if iso:
                    cur.date_line = iso
                    consumed = True
            if (m := P.SOURCE_LINE.search(folded)) and cur.source_line is None:
                value = m.group("v")
                for label in P.DATE_LABELS:
                    value = value.split(label)[0]
                if value.strip() and value.strip() not in P.AGENCY_STOPWORDS and len(value) >= 2:
                    cur.source_line = value.strip()
                    consumed = True
        if consumed:
            cur.header.add(j)
        else:
            cur.body_chars += len(block.text)
            if not cur.prose and fold(block.text).rstrip().endswith(_SENTENCE_END):
                cur.prose = True
        j += 1
    if cur is not None and not (cur.virtual and cur.body_chars == 0 and not cur.subtitles):
        out.append(cur.close(n))
    return out
