"""Refuse fetches that would reach private, loopback, link-local or other non-public addresses.

A portal page (or a redirect, or a hostile DNS answer) can point the crawler at
``127.0.0.1``, ``10.x``, ``169.254.169.254`` or ``[::1]``; a crawl must never fetch those
unless ``SCOPE_ALLOW_PRIVATE`` is set (tests and the demo run on loopback).

The host is resolved with ``getaddrinfo`` (every address family) and *every* address must
be public: a name that resolves to one public and one private address is refused. Host
names in odd spellings (``2130706433``, ``0x7f.1``) are caught because the check looks at
what the resolver returns, not at the spelling. Answers are cached per host for
``SSRF_CACHE_SECONDS``.

Scrapy's download handler resolves the name again when it connects, so a DNS server
that answers differently seconds later (DNS rebinding) is not caught by the middleware
alone. ``PublicOnlyResolver`` closes that gap for aiohttp-based download handlers
(govcrawl's): given to the ``aiohttp.TCPConnector`` as its resolver, it refuses to hand
out non-public addresses at connect time. It must not be used when an ``http_proxy``
on a private address is configured (aiohttp resolves the proxy's host with it).

A host that does not resolve is let through: there is nothing to connect to locally, and
behind an ``http_proxy`` only the proxy can resolve it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from typing import Self
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.middlewares.events import fetch_refused

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: str) -> bool:
    """True when the address is globally routable unicast (not private, loopback, etc.)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 embedded in IPv6 (::ffff:127.0.0.1, 6to4, Teredo) is judged by its IPv4 part.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


class SsrfMiddleware:
    """Downloader middleware: resolve each new host once and refuse non-public addresses."""

    def __init__(self, crawler: Crawler, cache_seconds: float) -> None:
        self.crawler = crawler
        self.cache_seconds = cache_seconds
        self._verdicts: dict[str, tuple[float, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("SSRF_ENABLED", True) or settings.getbool("SCOPE_ALLOW_PRIVATE"):
            raise NotConfigured("SCOPE_ALLOW_PRIVATE is set or SSRF_ENABLED is off")
        return cls(crawler, settings.getfloat("SSRF_CACHE_SECONDS", 300.0))

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        host = (parts.hostname or "").strip(".").lower()
        if not host:
            return
        bad = await self._private_address(host, parts.port)
        if bad is not None:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("ssrf/refused")
            logger.warning("ssrf: refused %s: %s resolves to non-public %s", request.url, host, bad)
            self.crawler.signals.send_catch_log(
                signal=fetch_refused, request=request, reason="ssrf"
            )
            raise IgnoreRequest(f"ssrf: {host} resolves to non-public address {bad}")

    async def _private_address(self, host: str, port: int | None) -> str | None:
        """The first non-public address the host resolves to, or None."""
        now = time.monotonic()
        cached = self._verdicts.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port or 80, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            infos = []
        addresses = [str(info[4][0]) for info in infos]
        verdict = next((a for a in addresses if not is_public_address(a)), None)
        if len(self._verdicts) > 10_000:
            self._verdicts.clear()  # bounded memory on very wide crawls; cheap to refill
        self._verdicts[host] = (now + self.cache_seconds, verdict)
        return verdict


class PublicOnlyResolver(AbstractResolver):
    """An aiohttp resolver that fails for names resolving to any non-public address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not is_public_address(result["host"]):
                raise OSError(f"ssrf: {host} resolves to non-public address {result['host']}")
        return results

    async def close(self) -> None:
        await self._inner.close()
