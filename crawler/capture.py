"""The capture component: every HTTP exchange Scrapy makes becomes an ``archive.Capture``.

It listens to ``response_downloaded``, which Scrapy's downloader sends right after the
download handler returns and before any downloader middleware sees the response, so
redirects, retried attempts, error statuses and robots.txt are all captured, with the
body still as received (HttpCompressionMiddleware has not decoded it yet). The wire
facts Scrapy's ``Response`` does not keep (reason phrase, header case and order,
headers actually sent) come from ``crawler.capture_handler``; when another download
handler served the request, the capture is rebuilt from Scrapy's objects and marked
as such in its provenance (``capture_fidelity``). Pages rendered in a browser are not
captured here: ``crawler/browser.py`` stores their DOM as a ``resource`` record.

Transfer-Encoding chunking: the body is stored de-chunked (the HTTP client removes the
chunk framing; a WARC payload digest is defined over the de-chunked entity). The Capture
keeps the server's headers as received, ``Transfer-Encoding: chunked`` included; the
archive writer (``archive.writer.stored_response_headers``) then drops that header and
any Content-Length sent with it, adds the stored body's Content-Length and writes both
changes to the capture's metadata record (docs/warc.md, "Chunking").

Writing goes through ``archive.writer.ArchiveWriter`` (one writer per crawl, opened at
spider open, sealed at spider close); the returned ``CaptureRef`` is put in
``request.meta["govcrawl_capture"]`` (hence ``response.meta``).
"""

from __future__ import annotations

import http
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archive import Capture, Provenance
from crawler.capture_handler import WIRE_META_KEY, HeaderList, WireExchange

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)

CAPTURE_META_KEY = "govcrawl_capture"

# Settings that shape what a crawl fetches; recorded (and hashed) in every warcinfo so a
# WARC file says how it was made.
CONFIG_SETTINGS = (
    "BOT_NAME",
    "USER_AGENT",
    "GOVCRAWL_CONTACT",
    "ROBOTSTXT_OBEY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_DELAY_JITTER",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "DEPTH_LIMIT",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "REDIRECT_ENABLED",
    "COOKIES_ENABLED",
    "ARCHIVE_MAX_FILE_SIZE",
    "SCOPE_ALLOW_PRIVATE",
    "ROBOTSTXT_OVERRIDE_PORTALS",
)


def _header_name_is(name: str, wanted: str) -> bool:
    return name.strip().lower() == wanted.lower()


def declared_charset(headers: HeaderList) -> str | None:
    """The charset parameter of the (last) Content-Type header, lower-cased, if any."""
    for name, value in reversed(headers):
        if _header_name_is(name, "Content-Type"):
            for param in value.split(";")[1:]:
                key, _, val = param.partition("=")
                if key.strip().lower() == "charset" and val.strip():
                    return val.strip().strip("\"'").lower()
            return None
    return None


def _meta_str(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return None if value is None else str(value)


def provenance_from_meta(request: Request) -> Provenance:
    """Why the request was made, from the ``govcrawl_*`` meta keys (docs/design.md).

    Scrapy's own bookkeeping that explains an exchange goes into ``extra``: the redirect
    chain that led here, the retry attempt, robots.txt fetches.
    """
    meta = request.meta
    extra: list[tuple[str, str]] = []
    for key, name in (("govcrawl_hint_title", "hint_title"), ("govcrawl_hint_date", "hint_date")):
        if (value := _meta_str(meta, key)) is not None:
            extra.append((name, value))
    if redirect_urls := meta.get("redirect_urls"):
        extra.append(("redirected_from", str(redirect_urls[-1])))
        extra.append(("redirect_chain", " ".join(str(u) for u in redirect_urls)))
    if retry_times := meta.get("retry_times"):
        extra.append(("retry_attempt", str(retry_times)))
    if meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
        extra.append(("fetch_reason", "robots.txt"))
    return Provenance(
        portal=_meta_str(meta, "govcrawl_portal"),
        discovered_from=_meta_str(meta, "govcrawl_via"),
        link_text=_meta_str(meta, "govcrawl_link_text"),
        hops=str(meta.get("govcrawl_hops") or ""),
        rule=_meta_str(meta, "govcrawl_rule"),
        extra=tuple(extra),
    )


# Scrapy's response flags for a body cut short -> WARC-Truncated reasons (WARC 1.1 5.19).
TRUNCATION_FLAGS = {"dataloss": "disconnect", "download_stopped": "unspecified"}


def truncation(flags: list[str]) -> str | None:
    """The WARC-Truncated reason for a response Scrapy flagged as incomplete, or None."""
    for flag in flags:
        if flag in TRUNCATION_FLAGS:
            return TRUNCATION_FLAGS[flag]
    return None


def _with_extra(prov: Provenance, *items: tuple[str, str]) -> Provenance:
    return Provenance(
        portal=prov.portal,
        discovered_from=prov.discovered_from,
        link_text=prov.link_text,
        hops=prov.hops,
        rule=prov.rule,
        extra=prov.extra + items,
    )


def _wire_from_scrapy(request: Request, response: Response) -> WireExchange:
    """A best-effort WireExchange for responses from handlers that do not record the wire."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        reason = http.HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return WireExchange(
        method=request.method,
        request_target=target,
        request_headers=tuple(request.headers.to_tuple_list()),
        protocol=response.protocol or "HTTP/1.1",
        status=response.status,
        reason=reason,
        response_headers=tuple(response.headers.to_tuple_list()),
        ip_address=str(response.ip_address) if response.ip_address else None,
        started_at=datetime.now(UTC),
        via_proxy=bool(request.meta.get("proxy")),
    )


def build_capture(
    request: Request, response: Response, wire: WireExchange | None = None
) -> Capture:
    """The ``archive.Capture`` of one exchange: wire facts + body as received + provenance."""
    prov = provenance_from_meta(request)
    if wire is None or wire.status != response.status:
        wire = _wire_from_scrapy(request, response)
        prov = _with_extra(
            prov, ("capture_fidelity", "reconstructed: reason phrase and header case from Scrapy")
        )
    if response.flags:
        # "dataloss", or a download stopped early: the body is not the whole entity.
        prov = _with_extra(prov, ("response_flags", " ".join(response.flags)))
    if wire.via_proxy:
        prov = _with_extra(prov, ("via_proxy", "yes"))
    charset = declared_charset(wire.response_headers)
    return Capture(
        url=request.url,
        method=wire.method,
        request_target=wire.request_target,
        request_headers=wire.request_headers,
        request_body=request.body,
        protocol=wire.protocol,
        status=wire.status,
        reason=wire.reason,
        response_headers=wire.response_headers,
        body=response.body,
        fetched_at=wire.started_at,
        fetch_method="http",
        ip_address=wire.ip_address,
        provenance=prov,
        charset_decision=f"http-header:{charset}" if charset else "undeclared-in-http-header",
        request_protocol=wire.request_protocol if wire.request_protocol != wire.protocol else None,
        truncated=truncation(response.flags),
    )


def crawl_config(settings: BaseSettings, spider: Spider | None) -> dict[str, Any]:
    """The crawl configuration recorded in warcinfo: relevant settings and the spider's scope."""
    config: dict[str, Any] = {name: settings.get(name) for name in CONFIG_SETTINGS}
    if spider is not None:
        config["spider"] = spider.name
        config["start_urls"] = list(getattr(spider, "start_urls", []) or [])
        config["allowed_domains"] = sorted(getattr(spider, "allowed_domains", []) or [])
    return config


def robots_policy(settings: BaseSettings) -> str:
    """robots.txt policy as the warcinfo states it, naming any per-portal override."""
    if not settings.getbool("ROBOTSTXT_OBEY"):
        return "ignore"
    overridden = sorted(settings.getlist("ROBOTSTXT_OVERRIDE_PORTALS"))
    return f"obey (ignored for portals: {', '.join(overridden)})" if overridden else "obey"


def warcinfo_fields(settings: BaseSettings, spider: Spider | None) -> dict[str, Any]:
    """What the crawler adds to each warcinfo record (the writer adds software and format).

    ``crawl-config`` is a dict: the archive stores it as canonical JSON with its SHA-256.
    """
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "unknown"

    return {
        "http-client": f"Scrapy/{ver('scrapy')} aiohttp/{ver('aiohttp')}",
        "http-header-user-agent": str(settings.get("USER_AGENT") or ""),
        "robots": robots_policy(settings),
        "operator": str(settings.get("GOVCRAWL_CONTACT") or "unset (GOVCRAWL_CONTACT)"),
        "crawl-config": crawl_config(settings, spider),
    }


class CaptureExtension:
    """Archives every downloaded exchange; see the module docstring.

    Settings: ``CAPTURE_ENABLED`` (this component), ``ARCHIVE_ENABLED`` (archiving at
    all), ``ARCHIVE_DIR``, ``ARCHIVE_MAX_FILE_SIZE``.
    Stats: ``archive/captures_written``, ``archive/records_written``,
    ``archive/bytes_written``, ``archive/captures_reconstructed``, ``archive/write_errors``.
    """

    def __init__(
        self, crawler: Crawler, archive_dir: Path, max_file_size: int, stats: StatsCollector
    ) -> None:
        self.crawler = crawler
        self.archive_dir = archive_dir
        self.max_file_size = max_file_size
        self.stats = stats
        self.writer: ArchiveWriter | None = None
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureExtension:
        settings = crawler.settings
        if not (settings.getbool("CAPTURE_ENABLED") and settings.getbool("ARCHIVE_ENABLED")):
            raise NotConfigured("capture off (CAPTURE_ENABLED or ARCHIVE_ENABLED is False)")
        archive_dir = settings.get("ARCHIVE_DIR")
        if not archive_dir:
            raise NotConfigured("ARCHIVE_DIR is not set")
        assert crawler.stats is not None
        ext = cls(
            crawler,
            Path(archive_dir),
            settings.getint("ARCHIVE_MAX_FILE_SIZE"),
            crawler.stats,
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        from archive.writer import ArchiveWriter  # noqa: PLC0415  (loaded only when archiving)

        try:
            self.writer = ArchiveWriter(
                self.archive_dir,
                max_file_size=self.max_file_size,
                warcinfo=warcinfo_fields(self.crawler.settings, spider),
            )
        except Exception as exc:
            # Another crawl writing the same archive, an unwritable directory...: crawling
            # without archiving would waste the portals' patience, so stop at once.
            logger.error("cannot open the archive %s: %s", self.archive_dir, exc)
            self._fail()
            return
        if self.writer.recovered:
            self.stats.set_value("archive/files_recovered", len(self.writer.recovered))
        logger.info("archiving every exchange into %s", self.archive_dir)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.writer is not None:
            self.writer.close()
            self._sync_stats()
            self.stats.set_value("archive/files_sealed", self.writer.files_sealed)
            self.writer = None

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        wire = request.meta.pop(WIRE_META_KEY, None)
        if self.writer is None or self._failed:
            return
        if wire is None and request.meta.get("playwright"):
            # Rendered in a browser: crawler/browser.py archives the DOM snapshot as a
            # resource record (and the page's XHRs); this response is that DOM, not what
            # a server sent, and must not be stored as a fake "response" record. (With
            # BROWSER_ENABLED off the same request goes over HTTP, has wire facts, and is
            # captured like any other exchange.)
            snapshot = request.meta.get("govcrawl_snapshot")
            if snapshot is not None:
                request.meta[CAPTURE_META_KEY] = snapshot
            self.stats.inc_value("archive/browser_responses_not_captured")
            return
        capture = build_capture(request, response, wire if isinstance(wire, WireExchange) else None)
        if wire is None:
            self.stats.inc_value("archive/captures_reconstructed")
        try:
            ref = self.writer.write_capture(capture)
        except Exception:
            # Never crawl on without archiving: what was written stays sealed-able, and the
            # crawl stops with a reason the report shows.
            logger.exception("cannot archive %s; closing the spider", request.url)
            self._fail()
            return
        request.meta[CAPTURE_META_KEY] = ref
        self.stats.inc_value("archive/captures_written")
        self._sync_stats()

    def _fail(self) -> None:
        """Stop the crawl with reason ``archive_error``; nothing more is written."""
        self.stats.inc_value("archive/write_errors")
        self._failed = True
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason="archive_error"))

    def _sync_stats(self) -> None:
        # The writer counts every record it writes (warcinfo included) and its bytes.
        if self.writer is not None:
            self.stats.set_value("archive/records_written", self.writer.records_written)
            self.stats.set_value("archive/bytes_written", self.writer.bytes_written)
