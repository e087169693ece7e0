"""Hanweb jcms column pages, their ``dataproxy.jsp`` paging, and the annual-report module.

A jcms column page carries its first records inline, as
``<script type="text/xml"><datastore>…<record><![CDATA[<li>…</li>]]></record>…``, next to
the jpage pager call that states ``perPage`` and ``totalRecord``. Further records come from
``POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`` with the
column's form fields (``col, appid, webid, path, columnid, sourceContentType, unitid,
webname, permissiontype``: read from the ``<nextgroup>`` link and the pager call), which
answers with the same XML. jpage fetches groups of three pages at a time; so do we.

The information-disclosure annual report module lists every unit's report of one year:
``/module/xxgk/xxgkAnnualReport.jsp?area=…&fbtime=YEAR``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import html as lxml_html

from spiders.model import Listing, ListItem, PageRequest
from spiders.platforms.common import fragment_items
from spiders.urls import canonical_url

DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*[\"']?(\d+)", re.I)
PER_PAGE = re.compile(r"perPage\s*[:=]\s*[\"']?(\d+)", re.I)
HREF = re.compile(r"href\s*=\s*[\"']([^\"']+)[\"']", re.I)
JPAGE_FIELD = re.compile(
    r"\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*"
    r"[\"']?([^\"',}\s]*)[\"']?"
)
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
FORM_FIELDS = (
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "sourceContentType",
    "unitid",
    "webname",
    "permissiontype",
)
GROUP_PAGES = 3  # jpage's default: each proxy call fetches three pages' worth of records
MAX_GROUPS = 200  # bound when a column does not state its size
ANNUAL_MODULE = re.compile(r"[\w/.-]*xxgkAnnualReport\.jsp\?[^\"'\s<>]*", re.I)
OPTION_YEAR = re.compile(r"<option[^>]*value\s*=\s*[\"']?((?:19|20)\d{2})[\"'>\s]", re.I)
FINGERPRINTS = (
    "<datastore>",
    "dataproxy.jsp",
    "/module/web/jpage/",
    "xxgkAnnualReport.jsp",
    "/art/20",
    "hanweb",
)


def _form_fields(text: str, nextgroup_href: str | None) -> list[tuple[str, str]]:
    fields: dict[str, str] = {}
    if nextgroup_href:
        for k, v in parse_qsl(
            urlsplit(nextgroup_href.replace("&amp;", "&")).query, keep_blank_values=True
        ):
            if k in FORM_FIELDS:
                fields[k] = v
    for k, v in JPAGE_FIELD.findall(text):
        fields.setdefault(k, v)
    fields.setdefault("col", "1")
    fields.setdefault("appid", "1")
    fields.setdefault("sourceContentType", "1")
    fields.setdefault("permissiontype", "0")
    return [(k, fields[k]) for k in FORM_FIELDS if k in fields]


def proxy_request(
    url: str, fields: list[tuple[str, str]], start: int, end: int, per_page: int
) -> PageRequest:
    """The POST that asks dataproxy.jsp for records ``start``..``end`` (1-based, inclusive)."""
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
    return PageRequest(
        canonical_url(urljoin(url, f"{PROXY_PATH}?{query}")),
        method="POST",
        formdata=tuple(fields),
        expects="xml",
        platform="hanweb",
    )


def _records(xml: str, url: str) -> list[ListItem]:
    items: list[ListItem] = []
    for fragment in RECORD.findall(xml):
        items.extend(fragment_items(fragment, url))
    return items


def _total(text: str) -> int | None:
    m = TOTAL.search(text)
    return int(m.group(1) or m.group(2)) if m else None


COLUMN_IN_URL = re.compile(r"/col/col(\d+)/")


def _jpage_config(text: str, unitid: str | None) -> str:
    """The options of the jpage call for this unit (``$('#UNIT').jpage({...})``), else the
    whole page (pages with a single list state them once)."""
    if unitid:
        m = re.search(
            r"[\"']#" + re.escape(unitid) + r"[\"']\s*\)\s*\.jpage\(\s*\{(.*?)\}\s*\)", text, re.S
        )
        if m:
            return m.group(1)
    return text


def parse_listing(text: str, tree: lxml_html.HtmlElement, url: str) -> Listing | None:
    """A jcms column page: inline records of every list, proxy requests for the column's.

    A page may carry several lists (the column, and sidebars of other columns), each a
    ``<datastore>`` with its own ``<nextgroup>`` link. Items come from all of them; paging
    and the declared size only from the column's own list: the one whose ``columnid`` is
    the page's ``/col/colNNN/``, else the largest.
    """
    stores = DATASTORE.findall(text)
    if not stores:
        return None
    url_col_m = COLUMN_IN_URL.search(url)
    url_col = url_col_m.group(1) if url_col_m else None
    parsed: list[tuple[list[ListItem], str | None, list[tuple[str, str]]]] = []
    for xml in stores:
        ng = NEXTGROUP.search(xml)
        ng_href_m = HREF.search(ng.group(1)) if ng else None
        href = ng_href_m.group(1) if ng_href_m else None
        unit = (
            dict(parse_qsl(urlsplit(href.replace("&amp;", "&")).query)).get("unitid")
            if href
            else None
        )
        config = _jpage_config(text, unit)
        parsed.append((_records(xml, url), href, _form_fields(config, href)))
    main = max(
        range(len(parsed)),
        key=lambda i: (
            url_col is not None and dict(parsed[i][2]).get("columnid") == url_col,
            len(parsed[i][0]),
        ),
    )
    items, href, fields = parsed[main]
    unit = dict(fields).get("unitid")
    config = _jpage_config(text, unit)
    total = _total(config)
    if total is None:
        total = _total(stores[main])
    per_m = PER_PAGE.search(config)
    per_page = int(per_m.group(1)) if per_m else 15
    column = _column(fields, url)
    group = per_page * GROUP_PAGES
    pages: list[PageRequest] = []
    start = len(items) + 1
    if any(k == "columnid" for k, _ in fields):
        if total is not None:
            while start <= total and len(pages) < MAX_GROUPS:
                pages.append(
                    proxy_request(url, fields, start, min(start + group - 1, total), per_page)
                )
                start += group
        elif href is not None and items:
            # Size unknown: ask for the next group; parse_proxy continues while groups fill.
            pages.append(proxy_request(url, fields, start, start + group - 1, per_page))
    all_items = [it for store_items, _, _ in parsed for it in store_items]
    return Listing(
        platform="hanweb",
        column=column,
        items=tuple(all_items),
        pages=tuple(pages),
        declared_total=total,
    )


def _column(fields: list[tuple[str, str]], url: str) -> str:
    d = dict(fields)
    if "columnid" in d:
        return canonical_url(urljoin(url, f"/col/col{d['columnid']}/index.html"))
    return canonical_url(urljoin(url, "./"))


XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding=[\"']([\w-]+)[\"']", re.I)


def decode_xml(body: bytes) -> str:
    """XML text by its declared encoding (jcms sites answer in UTF-8 or GBK), else UTF-8."""
    m = XML_ENCODING.search(body[:200])
    encoding = m.group(1).decode("ascii").lower() if m else "utf-8"
    if encoding in ("gbk", "gb2312"):
        encoding = "gb18030"  # GBK and GB2312 are subsets: decode as their superset
    try:
        return body.decode(encoding, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def parse_proxy(
    body: bytes | str,
    url: str,
    formdata: tuple[tuple[str, str], ...],
    column: str,
    size_known: bool,
) -> Listing:
    """One dataproxy.jsp answer; when the column's size is unknown and the group came back
    full, the request for the next group."""
    xml = body if isinstance(body, str) else decode_xml(body)
    items = _records(xml, url)
    q = dict(parse_qsl(urlsplit(url).query))
    pages: tuple[PageRequest, ...] = ()
    try:
        start, end, per_page = int(q["startrecord"]), int(q["endrecord"]), int(q["perpage"])
    except (KeyError, ValueError):
        start = end = per_page = 0
    total = _total(xml)
    if not size_known and per_page and items and len(items) >= end - start + 1:
        nstart = end + 1
        if total is None or nstart <= total:
            nend = end + (end - start + 1)
            if total is not None:
                nend = min(nend, total)
            pages = (proxy_request(url, list(formdata), nstart, nend, per_page),)
    return Listing(
        platform="hanweb", column=column, items=tuple(items), pages=pages, declared_total=total
    )


def annual_report_requests(text: str, url: str) -> tuple[PageRequest, ...]:
    """One request per year offered by the ``xxgkAnnualReport.jsp`` module on this page."""
    out: list[PageRequest] = []
    seen: set[str] = set()
    years = sorted(set(OPTION_YEAR.findall(text)))
    for raw in ANNUAL_MODULE.findall(text):
        target = urljoin(url, raw.replace("&amp;", "&"))
        q = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
        variants = [target]
        if years and "area" in q:
            base = target.split("?", 1)[0]
            variants = [f"{base}?{urlencode({**q, 'fbtime': y})}" for y in years]
        for v in variants:
            c = canonical_url(v)
            if c not in seen:
                seen.add(c)
                out.append(PageRequest(c, platform="hanweb"))
    return tuple(out)
