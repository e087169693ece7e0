"""UCAP (开普云) column pages and their page bar.

The page bar is ``createPageHTML('page_div', pages, current, 'zwgklist', 'shtml', total)``.

Page 1 is ``zwgklist.shtml``, page n is ``zwgklist_n.shtml``; the sixth argument is the
column's record count. Report columns are often split by year into sub-columns
(``/c250121/zwgklist.shtml`` titled "2024"), which the spider walks as year sub-columns.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from spiders.model import Listing, PageRequest
from spiders.platforms.common import generic_items
from spiders.urls import canonical_url

CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*[\"'][\w-]+[\"']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w.-]+)[\"']\s*,"
    r"\s*[\"'](\w+)[\"']\s*(?:,\s*(\d+))?"
)
FINGERPRINTS = ("createPageHTML('page_div'", "ucapcontent", "/xhtml/js/page.js", "zwgklist")


def parse_listing(text: str, tree: lxml_html.HtmlElement, url: str) -> Listing:
    """A UCAP column page: its documents, its further pages and declared size."""
    pages: tuple[PageRequest, ...] = ()
    declared: int | None = None
    # The page bar call may sit in a live script or (as saved pages show) commented out
    # next to a live copy; either way it states the same numbers.
    m = CREATE_PAGE.search(text)
    if m:
        count, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
        pages = tuple(
            PageRequest(canonical_url(urljoin(url, f"{prefix}_{n}.{ext}")), platform="ucap")
            for n in range(2, count + 1)
        )
        declared = int(m.group(5)) if m.group(5) else None
    return Listing(
        platform="ucap",
        column=canonical_url(urljoin(url, "./")),
        items=tuple(generic_items(tree, url)),
        pages=pages,
        declared_total=declared,
    )
