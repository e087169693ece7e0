"""TRS WCM column pages, and the Fujian platform's document search behind them.

TRS WCM publishes a column as static pages ``index.html``, ``index_1.html``… and writes the
page bar with ``createPageHTML(count, current, "index", "html")`` (``current`` counts from
0). Articles sit at ``./YYYYMM/tYYYYMMDD_ID.html``.

On Fujian's intensive platform (pingtan.gov.cn and its siblings) a column's static HTML
holds only the newest ``prepage`` records (``maxStaticIndex``); the script
``list2.trsapi`` fetches the rest from the site's document search, ``POST /fjdzapp/search``
with the site's ``searchId`` as ``channelid`` and the column filter ``classsql``. The
template declares the column's size as ``recordCount``.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from spiders.model import Listing, PageRequest
from spiders.platforms.common import generic_items, json_items, json_total, load_json
from spiders.urls import canonical_url

CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w.-]+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
COUNT_VARS = re.compile(r"var\s+countPage\s*=\s*(\d+).*?var\s+currentPage\s*=\s*(\d+)", re.S)
RECORD_COUNT = re.compile(r"recordCount\s*[:=]\s*[\"']?(\d+)")
PREPAGE = re.compile(r"prepage\s*:\s*[\"']?(\d+)")
SEARCH_ID = re.compile(r"searchId\s*:\s*[\"']?(\d+)")
CLASS_SQL = re.compile(r"classsql\s*:\s*(?:\"\"\s*\|\|\s*)?[\"']([^\"']+)[\"']")
SORT_FIELD = re.compile(r"sortfield\s*:\s*[\"']([^\"']+)[\"']")
SEARCH_PATH = "/fjdzapp/search"
FINGERPRINTS = ("createPageHTML(", "TRS_Editor", "trs_editor", "TRS_UEDITOR")
FJ_FINGERPRINTS = ("list2.trsapi", "fjdzapp")


def _page_urls(url: str, count: int, prefix: str, ext: str) -> tuple[PageRequest, ...]:
    return tuple(
        PageRequest(canonical_url(urljoin(url, f"{prefix}_{n}.{ext}")), platform="trs")
        for n in range(1, count)
    )


def parse_listing(text: str, tree: lxml_html.HtmlElement, url: str) -> Listing:
    """A TRS column page: its articles, its further static pages and declared size."""
    pages: tuple[PageRequest, ...] = ()
    m = CREATE_PAGE.search(text)
    if m:
        count, _current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        pages = _page_urls(url, count, prefix, ext)
    else:
        v = COUNT_VARS.search(text)
        if v:
            pages = _page_urls(url, int(v.group(1)), "index", "html")
    declared = RECORD_COUNT.search(text)
    return Listing(
        platform="trs",
        column=column_of(url),
        items=tuple(generic_items(tree, url)),
        pages=pages,
        declared_total=int(declared.group(1)) if declared else None,
    )


def column_of(url: str) -> str:
    """The column a TRS page belongs to: its directory (``…/zfxxgknb/``)."""
    return canonical_url(urljoin(url, "./"))


def parse_fj_listing(text: str, url: str) -> Listing | None:
    """The search API requests a Fujian column needs beyond its static records."""
    if "list2.trsapi" not in text:
        return None
    total_m, sid_m = RECORD_COUNT.search(text), SEARCH_ID.search(text)
    if not (total_m and sid_m):
        return None
    total = int(total_m.group(1))
    prepage_m = PREPAGE.search(text)
    prepage = int(prepage_m.group(1)) if prepage_m else 10
    classsql_m, sort_m = CLASS_SQL.search(text), SORT_FIELD.search(text)
    base = [("channelid", sid_m.group(1))]
    if classsql_m:
        base.append(("classsql", classsql_m.group(1)))
    if sort_m:
        base.append(("sortfield", sort_m.group(1)))
    pages = tuple(
        PageRequest(
            canonical_url(urljoin(url, SEARCH_PATH)),
            method="POST",
            formdata=(*base, ("page", str(n)), ("prepage", str(prepage))),
            expects="json",
            platform="fjsearch",
        )
        # Page 1 is the static HTML; the API serves the column from page 2 on.
        for n in range(2, math.ceil(total / prepage) + 1)
    )
    return Listing(platform="fjsearch", column=column_of(url), pages=pages, declared_total=total)


def parse_fj_api(body: bytes | str, url: str, column: str) -> Listing:
    """One answer of the Fujian document search: its records (links are absolute)."""
    data = load_json(body)
    return Listing(
        platform="fjsearch",
        column=column,
        items=tuple(json_items(data, url)),
        declared_total=json_total(data),
    )
