"""Helpers shared by the platform parsers: generic list items, dates, JSON list walking."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lxml import html as lxml_html

from spiders.classify import REPORT_URL_HINTS, classify_title, is_column_name, year_only
from spiders.model import ListItem
from spiders.urls import absolute_url, clean_text, extract_anchors, page_base

DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Article URL shapes of the platforms we know; a link of one of these shapes is a document.
ARTICLE_URL = re.compile(
    r"/\d{6}/t\d{8}_\d+\.s?html?$"  # TRS WCM
    r"|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"  # Hanweb jcms
    r"|/content/(?:post|content)_\d+\.html$|/post_\d+\.html$"  # gkmlpt, jpaas
    r"|/c\d+/\d{6}/\d+\.shtml$"  # UCAP
    r"|/\d{6}/\d+\.s?html?$",
    re.I,
)
CHINA_TZ = timezone(timedelta(hours=8))


def iso_date(text: str) -> str | None:
    """The first date written in ``text`` as ISO yyyy-mm-dd, or None."""
    m = DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def date_from_value(value: Any) -> str | None:
    """A date from an API field: epoch seconds/milliseconds or a date string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC).astimezone(CHINA_TZ).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return iso_date(str(value))


def _row_text(el: lxml_html.HtmlElement) -> str:
    """Text of the list row holding a link (li, tr, dl, or the nearest block parent)."""
    node: lxml_html.HtmlElement | None = el
    for _ in range(4):
        node = node.getparent() if node is not None else None
        if node is None:
            break
        if node.tag in ("li", "tr", "dl", "p", "div"):
            return clean_text(node.text_content())
    return ""


def generic_items(tree: lxml_html.HtmlElement, url: str) -> list[ListItem]:
    """Documents a listing page shows: links of a known article shape, or titled like reports.

    The date is read from the link's row (``<li>…<span>2024-01-15</span></li>``).
    """
    base = page_base(tree, url)
    out: list[ListItem] = []
    seen: set[str] = set()
    for el in tree.iter("a"):
        href = el.get("href")
        target = absolute_url(href, base) if href else None
        if target is None or target in seen:
            continue
        text = clean_text(el.text_content())
        title = clean_text(el.get("title") or "")
        if len(title) > len(text):
            text = title
        if not (ARTICLE_URL.search(target) or classify_title(text)):
            continue
        if any(h in target.lower() for h in REPORT_URL_HINTS):
            continue  # a report module (xxgkAnnualReport.jsp) lists reports; it is not one
        if not ARTICLE_URL.search(target) and (year_only(text) is not None or is_column_name(text)):
            continue  # a bare year or column name links a (sub-)column, not a document
        seen.add(target)
        out.append(ListItem(target, text, iso_date(_row_text(el))))
    return out


def anchors_of(tree: lxml_html.HtmlElement, url: str) -> list[Any]:
    """Re-export of ``extract_anchors`` for parsers that need every link."""
    return extract_anchors(tree, url)


def fragment_items(fragment: str, url: str) -> list[ListItem]:
    """List items from an HTML fragment (Hanweb ``<record>`` CDATA, rendered snippets)."""
    if not fragment.strip():
        return []
    try:
        tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return []
    out: list[ListItem] = []
    for el in tree.iter("a"):
        href = el.get("href")
        target = absolute_url(href, url) if href else None
        if target is None:
            continue
        text = clean_text(el.text_content())
        title = clean_text(el.get("title") or "")
        if len(title) > len(text):
            text = title
        out.append(ListItem(target, text, iso_date(clean_text(tree.text_content()))))
    return out


# --- JSON list APIs ----------------------------------------------------------------------

TITLE_KEYS = ("title", "doctitle", "docTitle", "showTitle", "name", "DOCTITLE", "biaoti")
URL_KEYS = (
    "url",
    "chnldocurl",
    "docpuburl",
    "DOCPUBURL",
    "link",
    "pcUrl",
    "href",
    "urls",
    "docurl",
    "path",
)
DATE_KEYS = (
    "first_publish_time",
    "publish_time",
    "docreltime",
    "DOCRELTIME",
    "pubDate",
    "publishedTime",
    "publishTime",
    "date",
    "time",
    "created_at",
    "fbrq",
)
TOTAL_KEYS = (
    "total",
    "totalCount",
    "total_count",
    "totalRecord",
    "recordCount",
    "count",
    "totalElements",
    "totalNum",
)
_TAGS = re.compile(r"<[^>]+>")


def _dicts_with_titles(value: Any) -> Iterator[list[dict[str, Any]]]:
    if isinstance(value, list):
        dicts = [v for v in value if isinstance(v, dict)]
        if dicts and any(any(k in d for k in TITLE_KEYS) for d in dicts):
            yield dicts
        for v in value:
            yield from _dicts_with_titles(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _dicts_with_titles(v)


def _url_of(entry: dict[str, Any]) -> str | None:
    for key in URL_KEYS:
        v = entry.get(key)
        if isinstance(v, str) and v.strip():
            if v.lstrip().startswith("{"):  # jpaas: urls = '{"pc": "/x/content_1.html"}'
                try:
                    inner = json.loads(v)
                except ValueError:
                    continue
                if isinstance(inner, dict):
                    for sub in ("pc", "url", "h5"):
                        if isinstance(inner.get(sub), str):
                            return str(inner[sub])
                continue
            return v
    return None


def json_items(data: Any, url: str) -> list[ListItem]:
    """List items from a JSON list answer, whatever its envelope (first titled list wins)."""
    for entries in _dicts_with_titles(data):
        out: list[ListItem] = []
        for entry in entries:
            raw = _url_of(entry)
            target = absolute_url(raw, url) if raw else None
            if target is None:
                continue
            title = ""
            for key in TITLE_KEYS:
                if isinstance(entry.get(key), str) and entry[key].strip():
                    title = clean_text(_TAGS.sub("", entry[key]))
                    break
            date = None
            for key in DATE_KEYS:
                if key in entry:
                    date = date_from_value(entry[key])
                    if date:
                        break
            files: list[str] = []
            for f in entry.get("articleFiles") or entry.get("attachments") or []:
                if isinstance(f, dict):
                    fu = f.get("filePath") or f.get("url")
                    fa = absolute_url(fu, url) if isinstance(fu, str) else None
                    if fa:
                        files.append(fa)
            out.append(ListItem(target, title, date, tuple(files)))
        if out:
            return out
    return []


def json_total(data: Any) -> int | None:
    """The record count a JSON list answer declares, searched breadth-first."""
    queue: list[Any] = [data]
    while queue:
        value = queue.pop(0)
        if isinstance(value, dict):
            for key in TOTAL_KEYS:
                v = value.get(key)
                if isinstance(v, int) and not isinstance(v, bool):
                    return v
                if isinstance(v, str) and v.isdigit():
                    return int(v)
            queue.extend(v for v in value.values() if isinstance(v, dict | list))
    return None


def load_json(body: bytes | str) -> Any:
    """Parsed JSON (also from a JSONP wrapper ``cb({...})``), or None."""
    if isinstance(body, bytes):
        # JSON is UTF-8 by definition, but some portal APIs answer in GBK.
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("gb18030", "replace")
    else:
        text = body
    text = text.strip().lstrip("\ufeff")
    if text and text[0] not in "[{":
        m = re.match(r"^[\w$.]+\s*\((.*)\)\s*;?$", text, re.S)
        if m:
            text = m.group(1)
    try:
        return json.loads(text)
    except ValueError:
        return None
