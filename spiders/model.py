"""Typed results of discovery: what a page lists, what to fetch next, and why.

Platform parsers (spiders/platforms/) are pure functions from page text and URL to these
frozen objects; the portal spider turns them into Scrapy requests. Keeping them free of
Scrapy lets the parsers be tested on saved real pages without a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Platform = Literal["trs", "hanweb", "jpaas", "gkmlpt", "fjsearch", "ucap", "generic"]
PLATFORMS: tuple[Platform, ...] = (
    "trs",
    "hanweb",
    "jpaas",
    "gkmlpt",
    "fjsearch",
    "ucap",
    "generic",
)
Expects = Literal["html", "xml", "json"]
DocKind = Literal["annual_report", "guide"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """A followable link found on a page: absolute, canonical URL and its visible text.

    ``section`` is the heading of the block the link sits in (a link "2024" under a
    "政府信息公开年报" heading is that column's 2024 sub-column).
    """

    url: str
    text: str
    section: str = ""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A further request a platform needs (next listing page, XML/JSON list API).

    ``formdata`` is sent as an urlencoded POST body when ``method`` is POST.
    """

    url: str
    method: Literal["GET", "POST"] = "GET"
    formdata: tuple[tuple[str, str], ...] = ()
    expects: Expects = "html"
    platform: Platform = "generic"


@dataclass(frozen=True, slots=True)
class ListItem:
    """One document a listing shows: link, title and the date the listing displays."""

    url: str
    title: str
    date: str | None = None  # ISO yyyy-mm-dd as the listing showed it
    attachments: tuple[str, ...] = ()  # files the listing itself links (jpaas articleFiles)


@dataclass(frozen=True, slots=True)
class ColumnLink:
    """A platform column reached through an API rather than an HTML link (gkmlpt ``#2751``)."""

    text: str
    request: PageRequest


@dataclass(frozen=True, slots=True)
class Listing:
    """What one listing page (or list API answer) holds.

    ``declared_total`` is the number of records the column says it holds (TRS
    ``recordCount``, Hanweb ``totalrecord``, an API ``total``); the spider compares it with
    the records it found and the crawl report names any shortfall.
    ``column`` names the column for that bookkeeping (its first page URL, or API id).
    """

    platform: Platform
    column: str
    items: tuple[ListItem, ...] = ()
    pages: tuple[PageRequest, ...] = ()
    columns: tuple[ColumnLink, ...] = ()
    declared_total: int | None = None
    script_driven: bool = False
