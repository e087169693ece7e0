"""The frozen values passed between the normaliser's internal stages."""

from __future__ import annotations

from dataclasses import dataclass, field

Rows = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Block:
    """One line of text, or one table (rows x cells, spans expanded) with its text rendering."""

    text: str
    table: Rows | None = None

    @property
    def is_table(self) -> bool:
        return self.table is not None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A link to a file (PDF, DOCX...) of the document; ``block`` is where it sits in the blocks."""

    url: str  # canonical absolute URL
    text: str  # the link text (or its title attribute, or an image's alt text)
    block: int  # index of the block it precedes (len(blocks): after the content)
    type: str  # file type: "pdf", "docx", "jpg"...


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the page says about its (single) document outside the content area."""

    title: str | None = None
    title_source: str | None = None
    published: str | None = None  # ISO 8601 local
    published_source: str | None = None
    agency: str | None = None
    agency_source: str | None = None
    template: str | None = None  # the portal template whose content selector matched


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One item of a column listing page: title, absolute URL and the date shown."""

    title: str
    url: str
    date: str | None
    # Where the page keeps it: "html" (a visible link), "comment" (an HTML comment: the
    # static list a script redraws, UCAP), "script" (JSON in a script, Hanweb jpaas).
    source: str = "html"


@dataclass(frozen=True, slots=True)
class Extracted:
    """Result of the HTML stages: content blocks, page metadata and, for listings, the items."""

    blocks: tuple[Block, ...]
    meta: PageMeta
    attachments: tuple[Attachment, ...] = ()
    listing: tuple[ListingEntry, ...] = ()
    page_kind: str = "document"  # document | listing | empty
    truncated: bool = False  # the parser gave up part of the page (nesting too deep)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """Blocks after chrome and spam removal; ``removed`` maps kept positions to what went."""

    blocks: tuple[Block, ...]
    # (index in the kept blocks before which the line was removed, reason)
    removed: tuple[tuple[int, str], ...] = ()
    # For each input block, how many blocks were kept before it (input index -> kept index).
    kept_before: tuple[int, ...] = ()

    def kept_index(self, raw: int) -> int:
        """Where input block ``raw`` (or the end, ``raw == len(input)``) is in the kept blocks."""
        return self.kept_before[raw] if raw < len(self.kept_before) else len(self.blocks)


@dataclass(frozen=True, slots=True)
class Segment:
    """One document's share of the blocks, with the header lines the segmenter recognised."""

    start: int  # first block (inclusive) of the body
    end: int  # last block (exclusive)
    title: str | None
    title_joined: bool = False
    date_line: str | None = None  # ISO date from the document's own 时间/发布时间 line
    source_line: str | None = None  # 来源/发布机构 from the header lines
    from_page_meta: bool = False  # the title came from page metadata (a single-document page)
    subtitles: tuple[str, ...] = ()
    header_blocks: frozenset[int] = field(default_factory=frozenset)
    preamble: bool = False  # lines before the page's first title, too long to be a masthead
