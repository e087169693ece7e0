"""The HTTP download handler that records what went over the wire, for faithful capture.

Scrapy's default Twisted handler (``HTTP11DownloadHandler``) loses what an archive must
keep: the reason phrase, header names as the server spelled them and the interleaving
of repeated headers (Twisted's ``Headers`` canonicalises names and groups values).
Scrapy 2.19 ships an aiohttp-based handler whose client keeps exactly these: aiohttp's
``ClientResponse.raw_headers`` is the header block as parsed (server case, order,
repeats), ``reason`` is the server's phrase, and ``request_info.headers`` are the
request headers as serialised on the wire (``Host``, ``Content-Length``... included).
Scrapy configures that client with ``auto_decompress=False``, so bodies stay as
received (still gzip/deflate/br); aiohttp removes Transfer-Encoding chunking.

This module subclasses that handler and, for every response it reads, stores a
:class:`WireExchange` in ``request.meta[WIRE_META_KEY]``. The capture extension
(``crawler.capture``) pops it on the ``response_downloaded`` signal, which fires before
any downloader middleware (HttpCompressionMiddleware included) has touched the
response. Nothing here writes to the archive: one responsibility, recording the wire.

Header strings are the latin-1 decoding of the bytes on the wire, so
``value.encode("latin-1")`` gives back the exact bytes (non-ASCII header values such as
GBK file names in Content-Disposition survive). ``Proxy-Authorization`` (the proxy's
credentials) is never recorded.

Coupling: this relies on private parts of Scrapy 2.19's aiohttp handler
(``scrapy.core.downloader.handlers._aiohttp``, ``_read_response``, ``_extract_headers``,
``_session``, ``_ClientResponse._peername``); requirements.lock pins Scrapy, and the
byte-level tests (tests/crawler/test_wire_fidelity.py) fail if an upgrade changes them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from scrapy.core.downloader.handlers._aiohttp import AiohttpDownloadHandler, _ClientResponse
from scrapy.http import Headers

from crawler.middlewares.ssrf import PublicOnlyResolver

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

HeaderList = tuple[tuple[str, str], ...]

WIRE_META_KEY = "_govcrawl_wire"
"""Request meta key under which the handler leaves the :class:`WireExchange`."""

logger = logging.getLogger(__name__)

# Sent to a proxy, not to the origin, and a secret: never archived. (aiohttp puts the
# proxy's credentials among the request headers of a plain-HTTP proxied request.)
PRIVATE_REQUEST_HEADERS = frozenset({"proxy-authorization"})


@dataclass(frozen=True, slots=True)
class WireExchange:
    """One exchange as the HTTP client saw it on the wire (before any middleware)."""

    method: str
    request_target: str  # origin-form path + query, exactly as encoded on the wire
    request_headers: HeaderList  # as sent, in order, including the client's own (Host...)
    protocol: str  # "HTTP/1.1"
    status: int
    reason: str
    response_headers: HeaderList  # as received: server case, order, repeats
    ip_address: str | None  # the origin's address; None when a proxy was in between
    started_at: datetime  # aware UTC: when the request was sent
    via_proxy: bool = False
    request_protocol: str = "HTTP/1.1"  # version on the request line (the client's)


def _latin1(value: bytes | str) -> str:
    # aiohttp serialises str header values as UTF-8 (http_writer); turning them back into
    # bytes and decoding latin-1 keeps one convention for every header string: bytes
    # round-trip through .encode("latin-1").
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("latin-1")
    return value.decode("latin-1")


def wire_exchange_from(
    response: _ClientResponse,
    request: Request,
    started_at: datetime,
    request_protocol: str = "HTTP/1.1",
) -> WireExchange:
    """Build a :class:`WireExchange` from an aiohttp response and the Scrapy request."""
    info = response.request_info
    version = response.version
    protocol = f"HTTP/{version.major}.{version.minor}" if version else "HTTP/1.1"
    via_proxy = bool(request.meta.get("proxy"))
    peer = response._peername
    return WireExchange(
        method=info.method,
        # aiohttp writes raw_path_qs on the request line (absolute-form through a plain
        # HTTP proxy); the archive keeps the origin-form target, the full URL being in
        # WARC-Target-URI.
        request_target=info.url.raw_path_qs,
        request_headers=tuple(
            (_latin1(k), _latin1(v))
            for k, v in info.headers.items()
            if k.lower() not in PRIVATE_REQUEST_HEADERS
        ),
        protocol=protocol,
        status=response.status,
        # aiohttp decodes the reason phrase as UTF-8 with surrogateescape: back to bytes,
        # then latin-1, like every other header string.
        reason=_latin1(response.reason or ""),
        response_headers=tuple((_latin1(k), _latin1(v)) for k, v in response.raw_headers),
        ip_address=None if via_proxy or peer is None else str(peer[0]),
        started_at=started_at,
        via_proxy=via_proxy,
        request_protocol=request_protocol,
    )


class WireHttpDownloadHandler(AiohttpDownloadHandler):
    """Scrapy's aiohttp handler, plus a :class:`WireExchange` in the request's meta.

    Scrapy marks its aiohttp handler experimental and logs a warning per crawl; govcrawl
    relies on it deliberately (the Twisted client cannot give the wire facts above) and
    pins its behaviour with byte-level tests (tests/crawler/test_wire_fidelity.py), so
    the warning is turned off here.
    """

    experimental: ClassVar[bool] = False
    # aiohttp's ClientSession must be created inside the running event loop; a lazy
    # handler is built on the first request, when the reactor's loop runs.
    lazy: ClassVar[bool] = True  # type: ignore[misc]

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if ssrf_resolver_wanted(
            crawler.settings.getbool("SSRF_ENABLED", True),
            crawler.settings.getbool("SCOPE_ALLOW_PRIVATE"),
        ):
            # The SSRF middleware checks a host before the request is queued; a name that
            # re-resolves to a private address at connect time (DNS rebinding) is refused
            # here, where the connection is made. aiohttp takes a resolver only at
            # construction (Scrapy builds the connector), hence the wrap of its own one.
            connector = self._session.connector
            assert connector is not None
            inner = connector._resolver  # type: ignore[attr-defined]
            connector._resolver = PublicOnlyResolver(inner)  # type: ignore[attr-defined]

    async def download_request(self, request: Request) -> Response:
        # A retried or redirected request carries a copy of its predecessor's meta: drop
        # any wire facts left there by an attempt that failed after its head arrived.
        request.meta.pop(WIRE_META_KEY, None)
        return await super().download_request(request)

    @staticmethod
    def _extract_headers(response: _ClientResponse) -> Headers:
        # Scrapy's version re-encodes aiohttp's str headers as UTF-8 and fails on the
        # non-UTF-8 bytes Chinese portals send (GBK file names in Content-Disposition).
        # The raw bytes go into Scrapy's Headers unchanged instead.
        return Headers(list(response.raw_headers))

    async def _read_response(self, response: _ClientResponse, request: Request) -> Response:
        latency = float(request.meta.get("download_latency") or 0.0)
        started_at = datetime.now(UTC) - timedelta(seconds=latency)
        # Record the wire facts before the body is read: a response cut short by
        # DOWNLOAD_MAXSIZE or data loss still has its head on record.
        # The request line's version is the session's (aiohttp's default, HTTP/1.1); the
        # server may answer with another (HTTP/1.0).
        major, minor = self._session.version
        request.meta[WIRE_META_KEY] = wire_exchange_from(
            response, request, started_at, f"HTTP/{major}.{minor}"
        )
        return await super()._read_response(response, request)


def ssrf_resolver_wanted(ssrf_enabled: bool, allow_private: bool) -> bool:
    """Whether connections resolve through :class:`PublicOnlyResolver`.

    Not when private addresses are allowed, nor behind a proxy: the resolver would then
    see only the proxy's name (often a private address) while the proxy resolves the
    origin, which the SSRF middleware has checked before the request was sent.
    """
    proxied = any(
        os.environ.get(k) for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
    )
    return ssrf_enabled and not allow_private and not proxied
