"""Browser rendering for the few pages that need it: scrapy-playwright on Chromium.

Discovery asks for a render only for a report column whose static HTML listed nothing but
carries script-driven list markers (spiders/focused.py), so the browser stays a small
share of all fetches. This module owns how such a page is fetched and archived:

- ``BrowserDownloadHandler`` serves ``http``/``https``: requests marked
  ``meta["playwright"]`` go to scrapy-playwright, every other request to the wire-recording
  handler (``BROWSER_HTTP_HANDLER``, default ``crawler.capture_handler.WireHttpDownloadHandler``).
  The Playwright driver starts with the engine, Chromium itself only at the first render.
- Chromium: ``GOVCRAWL_CHROMIUM`` or ``/usr/bin/chromium`` when it exists (as
  ``executable_path``), Playwright's own browser otherwise; launched headless with
  ``LAUNCH_ARGS``; through the crawler's ``http_proxy`` when one is set.
- The browser only fetches what the portal allows: sub-requests outside the crawl's
  allowed domains, and images, media and fonts, are aborted.
- Archive: the DOM snapshot becomes a ``resource`` record (``ArchiveWriter.write_resource``)
  referring to the raw response of the same URL (``meta["govcrawl_raw_capture"]``); every
  XHR/fetch answer the page loaded becomes an ordinary capture marked ``fetch_method =
  "browser"``, written through the capture component's writer (crawler/capture.py).

Settings: ``BROWSER_ENABLED`` (default True; off: render requests are fetched over plain
HTTP and counted as ``browser/disabled``), ``BROWSER_HTTP_HANDLER``,
``BROWSER_NAVIGATION_TIMEOUT`` (ms, page load), ``BROWSER_SETTLE_TIMEOUT`` (ms to wait
for the page's requests to finish; a page that keeps polling is snapshot as it is).
Stats: ``browser/renders``, ``browser/xhr_captured``, ``browser/aborted``,
``browser/snapshots_written``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from archive import Capture, CaptureRef
from crawler.capture import CaptureExtension, provenance_from_meta
from crawler.scope import in_scope

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CONTEXT_NAME = "govcrawl"
RAW_CAPTURE_META = "govcrawl_raw_capture"
ABORTED_TYPES = frozenset({"image", "media", "font"})
JSON_TYPES = ("json", "javascript")  # application/json, text/json, JSONP as text/javascript


def chromium_executable(env: Mapping[str, str] | None = None) -> str | None:
    """The Chromium to launch: ``GOVCRAWL_CHROMIUM``, else /usr/bin/chromium if present."""
    env = os.environ if env is None else env
    explicit = env.get("GOVCRAWL_CHROMIUM", "").strip()
    if explicit:
        return explicit
    return DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else None


def crawl_proxy(env: Mapping[str, str] | None = None) -> str | None:
    """The proxy the crawler uses (``http_proxy``/``HTTP_PROXY``), so the browser uses it too."""
    env = os.environ if env is None else env
    for name in ("http_proxy", "HTTP_PROXY"):
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def launch_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Playwright ``launch`` options for Chromium (headless, our args, proxy, executable)."""
    options: dict[str, Any] = {"headless": True, "args": list(LAUNCH_ARGS)}
    exe = chromium_executable(env)
    if exe:
        options["executable_path"] = exe
    proxy = crawl_proxy(env)
    if proxy:
        env_ = os.environ if env is None else env
        bypass = env_.get("no_proxy") or env_.get("NO_PROXY")
        options["proxy"] = {"server": proxy, **({"bypass": bypass} if bypass else {})}
    return options


def browser_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Scrapy settings that plug the browser in (merged by crawler.settings / the CLI)."""
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.browser.BrowserDownloadHandler",
            "https": "crawler.browser.BrowserDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options(env),
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
    }


def render_meta() -> dict[str, Any]:
    """Request meta that asks for a browser render (spiders add it to the few pages needing it)."""
    return {"playwright": True, "playwright_context": CONTEXT_NAME}


async def settle(page: Any, timeout_ms: int) -> None:
    """Wait until the page's network is idle, at most ``timeout_ms``.

    A page that keeps polling never becomes idle: its DOM is then taken as it is rather
    than failing the render.
    """
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except Exception as exc:  # playwright's TimeoutError, or the page closed meanwhile
        logger.debug("browser: page not idle after %d ms (%s); snapshot as is", timeout_ms, exc)


def _allowed_domains(crawler: Crawler) -> frozenset[str]:
    spider = crawler.spider
    domains: set[str] = set(getattr(spider, "allowed_domains", None) or ())
    for values in (getattr(spider, "portal_domains", None) or {}).values():
        domains.update(values)
    return frozenset(d.lower() for d in domains)


def _capture_extension(crawler: Crawler) -> CaptureExtension | None:
    manager = getattr(crawler, "extensions", None)
    for ext in getattr(manager, "middlewares", ()):
        if isinstance(ext, CaptureExtension):
            return ext
    return None


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """``http``/``https`` handler: browser for render requests, the wire handler for the rest."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._crawler_ref = crawler
        self._http_cls = load_object(
            crawler.settings.get(
                "BROWSER_HTTP_HANDLER", "crawler.capture_handler.WireHttpDownloadHandler"
            )
        )
        self._http: Any = None  # built on first use, inside the running event loop
        self._enabled = crawler.settings.getbool("BROWSER_ENABLED", True)
        self._timeout = crawler.settings.getint("BROWSER_NAVIGATION_TIMEOUT", 30000)
        self._settle = crawler.settings.getint("BROWSER_SETTLE_TIMEOUT", 10000)
        self.abort_request = self._abort

    def _http_handler(self) -> Any:
        if self._http is None:
            self._http = build_from_crawler(self._http_cls, self._crawler_ref)
        return self._http

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _abort(self, request: Any) -> bool:
        """Abort browser sub-requests out of scope, and images, media and fonts."""
        if request.resource_type in ABORTED_TYPES:
            return True
        url = str(request.url)
        if urlsplit(url).scheme in ("data", "blob"):
            return False
        domains = _allowed_domains(self._crawler_ref)
        if domains and not in_scope(url, domains):
            self._inc("browser/aborted")
            logger.info("browser: aborted out-of-scope sub-request %s", url)
            return True
        return False

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await self._http_handler().download_request(request)  # type: ignore[no-any-return]
        if not self._enabled:
            self._inc("browser/disabled")
            return await self._http_handler().download_request(request)  # type: ignore[no-any-return]
        self._inc("browser/renders")
        handlers = dict(request.meta.get("playwright_page_event_handlers") or {})
        handlers["response"] = self._xhr_recorder(request)
        request.meta["playwright_page_event_handlers"] = handlers
        request.meta.setdefault(
            "playwright_page_goto_kwargs", {"wait_until": "load", "timeout": self._timeout}
        )
        request.meta.setdefault("playwright_page_methods", [PageMethod(settle, self._settle)])
        response: Response = await super().download_request(request)
        self._write_snapshot(request, response)
        return response

    def _xhr_recorder(self, request: Request) -> Callable[[Any], Awaitable[None]]:
        async def record(pw_response: Any) -> None:
            pw_request = pw_response.request
            if pw_request.resource_type not in ("xhr", "fetch"):
                return
            headers: dict[str, str] = await pw_response.all_headers()
            ctype = headers.get("content-type", "")
            if not any(t in ctype for t in JSON_TYPES):
                return
            try:
                body: bytes = await pw_response.body()
            except Exception:  # the page navigated away; nothing to archive
                return
            self._write_xhr(request, pw_request, pw_response, headers, body)

        return record

    def _write_xhr(
        self,
        request: Request,
        pw_request: Any,
        pw_response: Any,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        ext = _capture_extension(self._crawler_ref)
        if ext is None or ext.writer is None:
            return
        url = str(pw_response.url)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        post = pw_request.post_data_buffer
        prov = provenance_from_meta(request)
        capture = Capture(
            url=url,
            method=str(pw_request.method),
            request_target=target or "/",
            request_headers=tuple((k, v) for k, v in pw_request.headers.items()),
            request_body=bytes(post) if post else b"",
            protocol="HTTP/1.1",
            status=int(pw_response.status),
            reason=str(pw_response.status_text or ""),
            response_headers=_decoded_body_headers(headers, body),
            body=body,
            fetched_at=datetime.now(UTC),
            fetch_method="browser",
            # Loaded by the page at request.url, not a report candidate itself.
            provenance=dataclasses.replace(
                prov,
                discovered_from=request.url,
                hops=prov.hops + "X",
                rule=None,
                extra=(*prov.extra, ("captured_by", "browser-xhr")),
            ),
        )
        ext.writer.write_capture(capture)
        self._inc("browser/xhr_captured")

    def _write_snapshot(self, request: Request, response: Response) -> None:
        ext = _capture_extension(self._crawler_ref)
        if ext is None or ext.writer is None:
            return
        raw = request.meta.get(RAW_CAPTURE_META)
        ref = ext.writer.write_resource(
            url=response.url,
            body=response.body,
            content_type="text/html; charset=utf-8",
            fetched_at=datetime.now(UTC),
            refers_to=raw if isinstance(raw, CaptureRef) else None,
            fetch_method="browser",
            provenance=provenance_from_meta(request),
        )
        request.meta["govcrawl_snapshot"] = ref
        self._inc("browser/snapshots_written")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        await super().close()


# Headers that describe the bytes as sent; Playwright hands over the decoded body, so these
# would lie about the stored bytes (replay tools cut bodies at a stale Content-Length).
_BODY_FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _decoded_body_headers(headers: dict[str, str], body: bytes) -> tuple[tuple[str, str], ...]:
    """The browser's response headers, re-framed for the decoded body that is stored.

    The dropped lines are named in ``X-Govcrawl-Rewritten`` so the archive says what changed
    (docs/warc.md, browser captures).
    """
    kept = [(k, v) for k, v in headers.items() if k.lower() not in _BODY_FRAMING_HEADERS]
    dropped = sorted(k for k in headers if k.lower() in _BODY_FRAMING_HEADERS)
    kept.append(("Content-Length", str(len(body))))
    if dropped:
        kept.append(("X-Govcrawl-Rewritten", ", ".join(dropped)))
    return tuple(kept)
