"""Keep every fetch inside its portal's allowed domains, redirects included.

Replaces Scrapy's ``OffsiteMiddleware`` (same place in the chain, priority 50) because a
multi-portal crawl needs a scope per portal and the crawl report needs to know what was
refused. Redirects come back through the engine as new requests, so checking every
request here also checks every redirect target (RedirectMiddleware and
MetaRefreshMiddleware both mark them with ``redirect_urls``).

Scope source, in order: the spider's ``portal_domains`` mapping (portal name -> domains)
for the request's ``govcrawl_portal``, then the spider's ``allowed_domains``. A domain
allows itself and its subdomains (``crawler.scope.in_scope``). A spider with neither
allows every host, like Scrapy's own middleware, and a warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.middlewares.events import PORTAL_META, fetch_refused, host_of
from crawler.scope import in_scope

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})


def _domains(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(d.strip(".").lower() for d in (values or ()) if d)


class ScopeMiddleware:
    """Downloader middleware: refuse non-HTTP(S) URLs and hosts outside the portal's scope."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._portal_scopes: dict[str, frozenset[str]] = {}
        self._default_scope: frozenset[str] = frozenset()
        self._logged_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SCOPE_ENABLED", True):
            raise NotConfigured("SCOPE_ENABLED is off")
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        self._default_scope = _domains(getattr(spider, "allowed_domains", None))
        portal_domains: Mapping[str, Iterable[str]] = getattr(spider, "portal_domains", {}) or {}
        self._portal_scopes = {name: _domains(d) for name, d in portal_domains.items()}
        if not self._default_scope and not self._portal_scopes:
            logger.warning(
                "scope: spider %s declares no allowed domains; every host is in scope", spider.name
            )

    def scope_for(self, request: Request) -> frozenset[str]:
        """The allowed domains for this request (empty: no restriction declared)."""
        portal = request.meta.get(PORTAL_META)
        if portal is not None and str(portal) in self._portal_scopes:
            return self._portal_scopes[str(portal)]
        return self._default_scope

    def process_request(self, request: Request) -> None:
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            self._refuse(request, "scope/scheme")
        allowed = self.scope_for(request)
        if allowed and not in_scope(request.url, allowed):
            reason = "scope/redirect" if request.meta.get("redirect_urls") else "scope/offsite"
            self._refuse(request, reason)

    def _refuse(self, request: Request, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"{reason}_refused")
        host = host_of(request.url)
        if host not in self._logged_hosts:
            # One line per host keeps the log readable on link-heavy portals.
            self._logged_hosts.add(host)
            logger.info("scope: refused %s (%s)", request.url, reason)
        self.crawler.signals.send_catch_log(signal=fetch_refused, request=request, reason=reason)
        raise IgnoreRequest(f"{reason}: {request.url}")
