"""Link hygiene on what spiders yield: drop non-HTTP links, strip session ids from URLs.

- ``javascript:``, ``mailto:``, ``tel:``, ``data:``, ``ftp://`` and other non-HTTP(S) links
  are never requests (``links/dropped_scheme``); the scope middleware refuses any that get
  past. Scrapy cannot even build a Request from ``javascript:void(0)`` or ``mailto:x``
  (no ``://``), so spiders check links with ``followable()`` before making requests.
- Session ids make one page look like endless different URLs: ``;jsessionid=...`` path
  parameters, ``(S(...))`` ASP.NET cookieless segments and query parameters such as
  ``jsessionid``, ``PHPSESSID``, ``ASPSESSIONIDxxxx``, ``sessionid``, ``CFID``/``CFTOKEN``
  are removed (``links/session_id_stripped``). ``sid`` is removed only when its value
  looks like a token (16+ letters and digits): Chinese CMSs also use ``sid`` for a site
  or column id, which must stay.

Duplicate detection uses Scrapy's request fingerprint, which already canonicalises the
URL with w3lib (query order, percent-encoding, fragment); the URL actually fetched keeps
the server's own query order, as Heritrix does, because some portal scripts depend on it.
"""

from __future__ import annotations

import re
from typing import Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from w3lib.url import safe_url_string

_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.I)
_ASPNET_COOKIELESS = re.compile(r"/\([A-Z]\([A-Za-z0-9]{16,}\)\)", re.I)
_SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sessionid", "session_id", "cfid", "cftoken"}
)
_TOKEN = re.compile(r"[A-Za-z0-9]{16,}")


FOLLOWABLE_SCHEMES = ("http", "https")


def followable(url: str) -> bool:
    """True for absolute http(s) URLs: what a spider may turn into a request."""
    return urlsplit(url.strip()).scheme.lower() in FOLLOWABLE_SCHEMES


def _is_session_param(name: str, value: str) -> bool:
    low = name.lower()
    if low in _SESSION_PARAMS or low.startswith("aspsessionid"):
        return True
    return low == "sid" and bool(_TOKEN.fullmatch(value))


def strip_session_ids(url: str) -> str:
    """The URL without session ids (path parameters, cookieless segments, query parameters)."""
    parts = urlsplit(url)
    path = _ASPNET_COOKIELESS.sub("", _PATH_SESSION.sub("", parts.path))
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_session_param(k, v)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


class LinkHygieneMiddleware(BaseSpiderMiddleware):
    """Spider middleware: drop non-HTTP(S) requests, strip session ids from the rest."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("LINKS_HYGIENE_ENABLED", True):
            raise NotConfigured("LINKS_HYGIENE_ENABLED is off")
        return cls(crawler)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        stats = self.crawler.stats
        assert stats is not None
        if not followable(request.url):
            stats.inc_value("links/dropped_scheme")
            return None
        clean = strip_session_ids(request.url)
        if clean == request.url:
            return request
        stats.inc_value("links/session_id_stripped")
        return request.replace(url=safe_url_string(clean))
