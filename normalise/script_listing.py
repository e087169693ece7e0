"""Listing items a page keeps as JSON in a script, not as links: Hanweb jpaas columns
(``var listData = {articleList: [...]}``) and other client-side templates fed inline data.

The raw page text is scanned for JSON arrays of objects; an array whose objects carry a
title, a URL and a date is a list of items (channel and menu data carry no dates). Each
array is decoded once (``json.JSONDecoder.raw_decode``) and the scan resumes after it,
so nested arrays are not decoded again; the number of arrays tried is bounded.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from normalise import patterns as P
from normalise.model import ListingEntry
from normalise.text import clean_line, parse_date

_ARRAY_OF_OBJECTS = re.compile(r"\[\s*\{\s*\"")
_TAG = re.compile(r"<[^>]+>")
MAX_ARRAYS = 40  # JSON arrays tried per page (a page holds a handful of data scripts)
_DECODER = json.JSONDecoder()


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = item.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _url(value: Any) -> str | None:
    """A URL field: a string, or (jpaas) a JSON object of URLs per device, {"pc": "/a.html"}."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if isinstance(value, dict):
        value = value.get("pc") or next((v for v in value.values() if isinstance(v, str)), None)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return None if value.startswith(("javascript:", "#", "mailto:")) else value


def _entry(item: dict[str, Any], base_url: str) -> ListingEntry | None:
    title_value = _first(item, P.SCRIPT_TITLE_KEYS)
    url = _url(_first(item, P.SCRIPT_URL_KEYS))
    if not isinstance(title_value, str) or url is None:
        return None
    title = clean_line(_TAG.sub("", title_value))
    if len(title) < P.MIN_LINK_TEXT:
        return None
    date_value = _first(item, P.SCRIPT_DATE_KEYS)
    iso = parse_date(date_value) if isinstance(date_value, str) else None
    if iso is None:  # items of a list show their date; navigation data (channels) does not
        return None
    return ListingEntry(title, urljoin(base_url, url), iso[:10], "script")


def script_listing(text: str, base_url: str, seen: set[str]) -> tuple[ListingEntry, ...]:
    """Items of the JSON lists in the page's scripts (URLs in ``seen`` are left out)."""
    out: list[ListingEntry] = []
    pos = tried = 0
    while tried < MAX_ARRAYS and (m := _ARRAY_OF_OBJECTS.search(text, pos)):
        tried += 1
        try:
            value, end = _DECODER.raw_decode(text, m.start())
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            pos = m.end()
            continue
        pos = end
        objects = [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
        entries = [e for v in objects if (e := _entry(v, base_url)) is not None]
        if not entries or 2 * len(entries) < len(objects):
            continue
        for e in entries:
            if e.url not in seen:
                seen.add(e.url)
                out.append(e)
    return tuple(out)
