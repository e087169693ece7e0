"""Stage 7, infer: a document's kind, year, date and agency, each with where it came from.

Orders of evidence (the first that speaks wins; disagreements are kept as flags):
- report_year: the title, then the statistics-period sentence, then headings and body
  statements ("编制的2019年度政府信息公开年度报告"), then the listing's title.
- published: the document's own 时间/发布时间 line, then page metadata (only for the
  page's single document: a page date does not date every document on a multi-document
  page), then the listing's date. Never the URL's date.
- agency: the title, then the document's 来源 line, then page metadata, then the body
  (a signature line, else the office the text names itself by: 我局 -> ...局). A title
  naming the office without its place ("县政务服务管理局") takes the body's full name of
  the same office ("富源县政务服务管理局", source ``body``) when the body states one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from normalise import patterns as P
from normalise.model import Block, PageMeta, Rows, Segment
from normalise.segment import match_title
from normalise.text import cn_small_number, cn_year, compact, fold

_NUMERIC_LINE = re.compile(r"^[\d\s.,%+\-/|]*$")
# How far into a document the statistics period and kind cues are looked for.
LEAD_CHARS = 3000


@dataclass(frozen=True, slots=True)
class Body:
    """A document's text with its sections and tables."""

    text: str
    sections: tuple[dict[str, object], ...]
    tables: tuple[Rows, ...]


def assemble(blocks: tuple[Block, ...], seg: Segment) -> Body:
    """Join the document's blocks into text; find the 一…六 headings with their spans."""
    parts: list[str] = []
    tables: list[Rows] = []
    headings: list[tuple[int, str, str]] = []  # (offset, numeral, title)
    offset = 0
    indices = [j for j in range(seg.start, seg.end) if j not in seg.header_blocks]
    for k, j in enumerate(indices):
        block = blocks[j]
        if block.table is not None:
            tables.append(block.table)
        elif m := P.SECTION_HEADING.match(fold(block.text)):
            title = block.text[m.start("title") :].strip()
            following = [blocks[x] for x in indices[k + 1 : k + 3]]
            numeric_next = any(not b.is_table and _NUMERIC_LINE.match(b.text) for b in following)
            if compact(title) not in P.TABLE_ROW_LABELS and "\t" not in title and not numeric_next:
                headings.append((offset, m.group("num"), title))
        parts.append(block.text)
        offset += len(block.text) + 1
    text = "\n".join(parts)
    return Body(text, _sections(headings, len(text)), tuple(tables))


def _sections(headings: list[tuple[int, str, str]], length: int) -> tuple[dict[str, object], ...]:
    """The headings that form the document's outline, tolerant of a missing or repeated numeral.

    The outline is the best non-decreasing chain of numerals (dynamic programming over the
    candidate headings): each heading scores 1, more when its title is the standard one for
    its numeral (the report format fixes 一 总体情况 … 六 其他需要报告的事项); a skipped
    numeral or a repeated one costs a little. So 一、二、四、五 keeps 四 and 五 after the
    missing 三, a typo "三" written twice keeps both, and a list restarting at 一 inside a
    section does not outweigh the standard headings around it.
    """
    cands = [
        (offset, num, title, value)
        for offset, num, title in headings
        if (value := cn_small_number(num)) is not None and value >= 1
    ]
    if not cands:
        return ()
    weights = [1.0 + (P.SECTION_STANDARD_BONUS if _standard(v, t) else 0.0) for _, _, t, v in cands]
    best: list[float] = []
    back: list[int] = []
    # Best chain so far ending on each numeral value: (score, index). Numerals are < 100,
    # so this is linear in the headings (a page of 10,000 "一、" lines stays fast).
    ending: dict[int, tuple[float, int]] = {}
    for i, (_, _, _, value) in enumerate(cands):
        score, prev = weights[i] - P.SECTION_SKIP_COST * (value - 1), -1
        for before in sorted(v for v in ending if v <= value):
            if before == value:
                cost = P.SECTION_REPEAT_COST
            else:
                cost = P.SECTION_SKIP_COST * (value - before - 1)
            chained = ending[before][0] + weights[i] - cost
            if chained > score:
                score, prev = chained, ending[before][1]
        best.append(score)
        back.append(prev)
        if value not in ending or score > ending[value][0]:
            ending[value] = (score, i)
    # Highest score; on a tie the chain that starts earliest in the text (found first).
    end = max(range(len(cands)), key=lambda i: (best[i], -i))
    chosen: list[tuple[int, str, str]] = []
    while end >= 0:
        offset, num, title, _ = cands[end]
        chosen.append((offset, num, title))
        end = back[end]
    chosen.reverse()
    out = []
    for i, (offset, num, title) in enumerate(chosen):
        end_at = chosen[i + 1][0] - 1 if i + 1 < len(chosen) else length
        out.append({"number": num, "title": title, "start": offset, "end": max(end_at, offset)})
    return tuple(out)


def _standard(value: int, title: str) -> bool:
    """The heading is the one the report format puts under this numeral."""
    words = P.STANDARD_SECTION_WORDS.get(value)
    return bool(words) and any(w in compact(title) for w in words or ())


def infer_kind(title: str | None, text: str) -> str:
    """annual_report | guide | other, from the title; from the opening text without one."""
    if title:
        m = match_title(title)
        return m.kind if m else "other"
    lead = compact(text[:LEAD_CHARS])
    if P.STAT_PERIOD.search(lead) or "年度报告" in lead[:600]:
        return "annual_report"
    if "信息公开指南" in lead[:300]:
        return "guide"
    return "other"


@dataclass(frozen=True, slots=True)
class Year:
    value: int | None
    source: str | None
    conflict: bool


def infer_year(
    title: str | None, subtitles: tuple[str, ...], text: str, hint_title: str | None
) -> Year:
    """Report year with its source, and whether the page states different years."""
    stated: list[tuple[int, str]] = []
    if title and (m := match_title(title)) and m.year:
        stated.append((m.year, "title"))
    lead = compact(text[:LEAD_CHARS])
    if m2 := P.STAT_PERIOD.search(lead):
        y = cn_year(m2.group("year"))
        if y:
            stated.append((y, "statistics_period"))
    for sub in subtitles:
        if (m := match_title(sub)) and m.year:
            stated.append((m.year, "heading"))
    for m3 in P.BODY_YEAR_STATEMENT.finditer(compact(text)):
        y = cn_year(m3.group("year"))
        if y:
            stated.append((y, "body"))
    if not stated and hint_title and (m := match_title(hint_title)) and m.year:
        stated.append((m.year, "listing"))
    if not stated:
        return Year(None, None, False)
    value, source = stated[0]
    return Year(value, source, len({y for y, _ in stated}) > 1)


def _strip_noise(org: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in P.AGENCY_NOISE_PREFIXES:
            if org.startswith(prefix) and len(org) - len(prefix) >= 4:
                org = org[len(prefix) :]
                changed = True
    return org


def body_agency(text: str) -> str | None:
    """The office a document speaks for, from its signature or the names it uses."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines[-8:]):
        c = compact(line)
        if P.AGENCY_LINE.match(c):
            return c
    compact_text = compact(text)
    found = [_strip_noise(m.group("org")) for m in P.BODY_AGENCY.finditer(compact_text)]
    # Stripping lead words may leave a bare "县政管局": a name must still start with a place.
    found = [org for org in found if P.PLACE_START.match(org)]
    if not found:
        return None
    counts = Counter(found)
    for words, suffixes in P.SELF_REFERENCES:
        if any(w in compact_text for w in words):
            preferred = [org for org in found if org.endswith(suffixes)]
            if preferred:
                return max(preferred, key=lambda org: (counts[org], len(org), -found.index(org)))
    return max(found, key=lambda org: (counts[org], len(org), -found.index(org)))


@dataclass(frozen=True, slots=True)
class Sourced:
    value: str | None
    source: str | None


def infer_agency(title: str | None, seg: Segment, meta: PageMeta | None, text: str) -> Sourced:
    """Agency with its source: title, document header, page metadata, body."""
    if title and (m := match_title(title)) and m.agency:
        if not P.PLACE_START.match(m.agency):
            # A county portal's title may drop its own place ("县政务服务管理局…报告"); the
            # body names the office in full ("富源县政务服务管理局"): that name, as written.
            found = body_agency(text)
            if found and found.endswith(m.agency) and len(found) > len(m.agency):
                return Sourced(found, "body")
        return Sourced(m.agency, "title")
    if seg.source_line:
        return Sourced(seg.source_line, "document")
    if meta is not None and meta.agency:
        return Sourced(meta.agency, meta.agency_source or "page_meta")
    found = body_agency(text)
    return Sourced(found, "body" if found else None)


def infer_published(seg: Segment, meta: PageMeta | None, hint_date: str | None) -> Sourced:
    """Publication date with its source: the document's date line, page metadata, listing."""
    if seg.date_line:
        return Sourced(seg.date_line, "document")
    if meta is not None and meta.published:
        return Sourced(meta.published, meta.published_source or "page_meta")
    if hint_date:
        return Sourced(hint_date, "listing")
    return Sourced(None, None)
