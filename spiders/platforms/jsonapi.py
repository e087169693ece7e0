"""Column lists served as JSON: Guangdong's gkmlpt API and Hanweb jpaas embedded lists.

- gkmlpt (政府信息公开目录平台): the catalogue page ``/gkmlpt/index`` is a script app whose
  column links are fragments (``/gkmlpt/index#2751``); each column's records come from
  ``GET /gkmlpt/api/all/{column}?page=N&sid={site}`` answering
  ``{"articles": [...], "total": N}``. The site id is written into the page's script.
- jpaas (newer Hanweb): the column page embeds its first page as
  ``var listData = {articleList: [...]}`` and states the column size as
  ``channelsTagSelf.articleCount``; the pager script loads the rest.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import html as lxml_html

from spiders.model import ColumnLink, Listing, PageRequest
from spiders.platforms.common import json_items, json_total, load_json
from spiders.urls import canonical_url, clean_text

GK_SID = re.compile(r"\bsid\b[\"']?\s*[:=]\s*[\"']?(\d+)", re.I)
GK_COLUMN_HREF = re.compile(r"gkmlpt/index#(\d+)$")
GK_API = "/gkmlpt/api/all/{column}?{query}"
GK_FINGERPRINTS = ("gkmlpt",)
JPAAS_LIST = re.compile(r"articleList\s*:\s*")
JPAAS_COUNT = re.compile(r"channelsTagSelf\s*=\s*\{.*?\"articleCount\"\s*:\s*(\d+)", re.S)
JPAAS_FINGERPRINTS = ("articleList", "loadPageData(", "jpaas")
MAX_API_PAGES = 200


def gk_api_request(page_url: str, column: str, sid: str | None, page: int = 1) -> PageRequest:
    """The gkmlpt API request for one page of a column."""
    params: dict[str, Any] = {"page": page}
    if sid:
        params["sid"] = sid
    path = GK_API.format(column=column, query=urlencode(params))
    return PageRequest(canonical_url(urljoin(page_url, path)), expects="json", platform="gkmlpt")


def parse_gk_page(text: str, tree: lxml_html.HtmlElement, url: str) -> Listing | None:
    """A gkmlpt catalogue page: its columns, as API requests the spider may choose."""
    if "gkmlpt" not in text and "gkmlpt" not in url:
        return None
    sid_m = GK_SID.search(text)
    sid = sid_m.group(1) if sid_m else None
    columns: list[ColumnLink] = []
    seen: set[str] = set()
    for el in tree.iter("a"):
        href = (el.get("href") or "").strip()
        m = GK_COLUMN_HREF.search(href)
        if not m or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        text_ = clean_text(el.text_content()) or clean_text(el.get("title") or "")
        columns.append(ColumnLink(text_, gk_api_request(url, m.group(1), sid)))
    return Listing(
        platform="gkmlpt", column=canonical_url(url), columns=tuple(columns), script_driven=True
    )


def parse_gk_api(body: bytes | str, url: str) -> Listing:
    """One gkmlpt API answer; from page 1, the requests for the column's other pages."""
    data = load_json(body)
    items = json_items(data, url)
    total = json_total(data)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    column = parts.path.rstrip("/").rsplit("/", 1)[-1]
    pages: list[PageRequest] = []
    if query.get("page", "1") == "1" and total and items and total > len(items):
        for n in range(2, min(math.ceil(total / len(items)), MAX_API_PAGES) + 1):
            pages.append(gk_api_request(url, column, query.get("sid"), n))
    col_key = canonical_url(urljoin(url, f"/gkmlpt/api/all/{column}"))
    return Listing(
        platform="gkmlpt",
        column=col_key,
        items=tuple(items),
        pages=tuple(pages),
        declared_total=total,
    )


def parse_jpaas(text: str, url: str) -> Listing | None:
    """A jpaas column page: the embedded first page and the declared column size."""
    m = JPAAS_LIST.search(text)
    if m is None:
        return None
    try:
        data, _ = json.JSONDecoder().raw_decode(text, m.end())
    except ValueError:
        return None
    count = JPAAS_COUNT.search(text)
    return Listing(
        platform="jpaas",
        column=canonical_url(urljoin(url, "./")),
        items=tuple(json_items(data, url)),
        declared_total=int(count.group(1)) if count else json_total(data),
        script_driven="loadPageData(" in text,
    )
