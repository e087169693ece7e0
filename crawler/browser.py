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

When a render is done (``settle``): Playwright's ``networkidle`` (no traffic for 500 ms)
never comes on the many portal pages that poll (visitor counters, clocks, beacons), and a
fixed wait cuts off a slow list API. So the component waits on two conditions:

1. *Network*: no list/API request of the page is in flight. ``PageActivity`` follows the
   page's ``request``/``requestfinished``/``requestfailed`` events for XHR, fetch and
   script loads (JSONP); a request repeating one already answered (same method, URL and
   body, cache-busting ``_``/``t``/``r``... parameters aside: polling, beacons) is not
   waited for, nor archived again. The XHR/fetch JSON answers are archived while
   waiting, so the snapshot comes after them. Once the count is zero, one task turn in
   the page lets the callbacks of those answers run; requests they start are waited for
   in turn.
2. *DOM*: the list containers the page had empty when its HTML was parsed (``ul``,
   ``ol``, ``div``, ``table``, ``tbody`` whose id/class hints a list, as in
   spiders/platforms/scripted.py) hold a link, or the element the request names in
   ``meta["browser_ready_selector"]`` exists. A page without such containers, or that got
   no XHR/fetch answer with a 2xx status (its list API failed: nothing will be drawn),
   needs only the network condition.

``BROWSER_SETTLE_TIMEOUT`` (ms, default 30000) is only a safety net for pages that never
get there (a request that never ends, a list that stays empty): the DOM is then taken as
it is and counted in ``browser/settle_timeouts``.

Settings: ``BROWSER_ENABLED`` (default True; off: render requests are fetched over plain
HTTP and counted as ``browser/disabled``), ``BROWSER_HTTP_HANDLER``,
``BROWSER_NAVIGATION_TIMEOUT`` (ms, page load), ``BROWSER_SETTLE_TIMEOUT``.
A request's own page event handlers for ``request``, ``response``, ``requestfinished``
and ``requestfailed`` are replaced during the render; its own page init callback and page
methods run, before the settling.
Stats: ``browser/renders``, ``browser/xhr_captured``, ``browser/aborted``,
``browser/snapshots_written``, ``browser/repeats_ignored``, ``browser/settle_timeouts``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
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


# Resource types a page loads its list data with (JSONP arrives as a script).
SETTLE_TYPES = frozenset({"xhr", "fetch", "script"})
XHR_TYPES = frozenset({"xhr", "fetch"})
# Ids/classes of list containers: the one definition, which spiders/platforms/scripted.py
# also uses to decide that a static list is script-filled.
LIST_HINT = "list|news|article|content|data|result|wj|xxgk|nb"
EMPTY_LISTS_VAR = "__govcrawlEmptyLists"

# Init script: at DOMContentLoaded (before the page's own handlers, it is registered
# first), remember the list containers the parsed HTML left empty.
MARK_EMPTY_LISTS_JS = f"""
(() => {{
  const hint = /{LIST_HINT}/i;
  document.addEventListener('DOMContentLoaded', () => {{
    const empty = [];
    for (const el of document.querySelectorAll('ul, ol, div, tbody, table')) {{
      const cls = typeof el.className === 'string' ? el.className : '';
      const ident = (el.id || '') + ' ' + cls;
      if (!ident.trim() || !hint.test(ident)) continue;
      if (el.textContent.trim() || el.querySelector('a, img')) continue;
      empty.push(el);
    }}
    Object.defineProperty(window, '{EMPTY_LISTS_VAR}', {{value: empty, configurable: true}});
  }}, {{once: true, capture: true}});
}})();
"""

# The DOM condition: the named element exists, or one of the containers that were empty
# holds a link (or was replaced: frameworks re-create their mount points).
LISTS_READY_JS = f"""
(selector) => {{
  if (selector) return document.querySelector(selector) !== null;
  const lists = window['{EMPTY_LISTS_VAR}'];
  if (!lists || lists.length === 0) return true;
  return lists.some((el) => !el.isConnected || el.querySelector('a[href]') !== null);
}}
"""

# One task turn in the page: callbacks queued by answers that just finished have run.
PAGE_TURN_JS = "() => new Promise((resolve) => setTimeout(resolve, 0))"


# Cache-busting query parameters a polling script adds to every call (jQuery's ``_=<ms>``,
# ``t=<ms>``, ``r=Math.random()``): without them, two polls are the same request.
_BUSTER_NAMES = frozenset({"_", "t", "ts", "time", "timestamp", "r", "rnd", "rand", "random"})
_BUSTER_VALUE = re.compile(r"1\d{9}(\d{3})?|0\.\d+")


def _request_key(pw_request: Any) -> tuple[str, str, bytes]:
    """What makes two requests of a page "the same": method, URL without cache-busters, body."""
    parts = urlsplit(str(pw_request.url))
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k == "_" or (k.lower() in _BUSTER_NAMES and _BUSTER_VALUE.fullmatch(v)))
    ]
    url = urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    post = pw_request.post_data_buffer
    return (str(pw_request.method), url, bytes(post) if post else b"")


class PageActivity:
    """The list/API requests one rendered page has in flight, and their archiving.

    Fed by the page's ``request``, ``response``, ``requestfinished`` and ``requestfailed``
    events (plain callables, so the count is updated in event order). A request repeating
    one already answered (polling) is neither counted nor handed to ``on_answer``.
    """

    def __init__(
        self,
        on_answer: Callable[[Any], Awaitable[None]] | None = None,
        on_repeat: Callable[[], None] | None = None,
    ) -> None:
        self._on_answer = on_answer
        self._on_repeat = on_repeat
        self._pending: set[Any] = set()
        self._answered: set[tuple[str, str, bytes]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.got_data = False  # an XHR/fetch was answered 2xx: something to draw a list from

    @property
    def idle(self) -> bool:
        """No counted request in flight and no answer still being archived."""
        return not self._pending and not self._tasks

    async def wait_idle(self) -> None:
        await self._idle.wait()

    def _update(self) -> None:
        if self.idle:
            self._idle.set()
        else:
            self._idle.clear()

    def request(self, pw_request: Any) -> None:
        if pw_request.resource_type not in SETTLE_TYPES:
            return
        if _request_key(pw_request) in self._answered:
            if self._on_repeat is not None:
                self._on_repeat()
            return
        self._pending.add(pw_request)
        self._update()

    def finished(self, pw_request: Any) -> None:
        if pw_request not in self._pending:
            return
        self._pending.discard(pw_request)
        self._answered.add(_request_key(pw_request))
        if self._on_answer is not None and pw_request.resource_type in XHR_TYPES:
            task = asyncio.ensure_future(self._on_answer(pw_request))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)
        self._update()

    def response(self, pw_response: Any) -> None:
        request = pw_response.request
        if request.resource_type in XHR_TYPES and 200 <= int(pw_response.status) < 300:
            self.got_data = True

    def failed(self, pw_request: Any) -> None:
        if pw_request in self._pending:
            self._pending.discard(pw_request)
            # An aborted or failed request is not retried by waiting for it again.
            self._answered.add(_request_key(pw_request))
            self._update()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("browser: archiving an XHR answer failed: %r", task.exception())
        self._update()

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        """Page event handlers (``playwright_page_event_handlers``)."""
        return {
            "request": self.request,
            "response": self.response,
            "requestfinished": self.finished,
            "requestfailed": self.failed,
        }


async def settle(
    page: Any, activity: PageActivity, timeout_ms: int, ready_selector: str | None = None
) -> bool:
    """Wait until the page's list requests are answered and its lists are filled.

    True when both conditions held (or the page navigated away meanwhile: there is no
    more to wait for); False when ``timeout_ms``, the safety net, ran out. Either way the
    DOM is then taken as it is.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000

    def left() -> float:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError
        return remaining

    try:
        while True:
            await asyncio.wait_for(activity.wait_idle(), left())
            await asyncio.wait_for(page.evaluate(PAGE_TURN_JS), left())
            if not activity.idle:
                continue  # the answers' callbacks asked for more
            if not ready_selector and not activity.got_data:
                return True  # no list data came (its API failed): nothing will be drawn
            if await page.evaluate(LISTS_READY_JS, ready_selector):
                return True
            # Lists still empty: wait for the DOM, then go round again for any requests
            # the filling started.
            await page.wait_for_function(
                LISTS_READY_JS, arg=ready_selector, polling=100, timeout=left() * 1000
            )
    except (TimeoutError, PlaywrightTimeoutError):
        logger.info(
            "browser: %s not settled within %d ms; snapshot as it is",
            getattr(page, "url", "page"),
            timeout_ms,
        )
        return False
    except PlaywrightError as exc:  # navigated away or closed: nothing left to wait for
        logger.info("browser: %s gone while settling (%s)", getattr(page, "url", "page"), exc)
        return True


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
        activity = PageActivity(
            on_answer=lambda pw_request: self._record_xhr(request, pw_request),
            on_repeat=lambda: self._inc("browser/repeats_ignored"),
        )
        own_init = request.meta.get("playwright_page_init_callback")

        async def init_page(page: Any, req: Request) -> None:
            await page.add_init_script(MARK_EMPTY_LISTS_JS)
            if own_init:
                await load_object(own_init)(page, req)

        async def settled(page: Any) -> None:
            ready = request.meta.get("browser_ready_selector")
            if not await settle(page, activity, self._settle, ready):
                self._inc("browser/settle_timeouts")

        # The render's own callables go into meta for scrapy-playwright and come out again
        # afterwards, so a retried or re-serialised request carries none of them.
        keys = (
            "playwright_page_event_handlers",
            "playwright_page_init_callback",
            "playwright_page_goto_kwargs",
            "playwright_page_methods",
        )
        saved = {k: request.meta[k] for k in keys if k in request.meta}
        request.meta["playwright_page_event_handlers"] = {
            **dict(saved.get("playwright_page_event_handlers") or {}),
            **activity.handlers(),
        }
        request.meta["playwright_page_init_callback"] = init_page
        request.meta.setdefault(
            "playwright_page_goto_kwargs", {"wait_until": "load", "timeout": self._timeout}
        )
        request.meta["playwright_page_methods"] = [
            *(saved.get("playwright_page_methods") or ()),
            PageMethod(settled),
        ]
        try:
            response: Response = await super().download_request(request)
        finally:
            for k in keys:
                request.meta.pop(k, None)
            request.meta.update(saved)
        self._write_snapshot(request, response)
        return response

    async def _record_xhr(self, request: Request, pw_request: Any) -> None:
        """Archive one answered XHR/fetch of the rendered page when it is JSON."""
        pw_response = await pw_request.response()
        if pw_response is None:
            return
        try:
            headers: dict[str, str] = await pw_response.all_headers()
            ctype = headers.get("content-type", "")
            if not any(t in ctype for t in JSON_TYPES):
                return
            body: bytes = await pw_response.body()
        except PlaywrightError:  # the page went away meanwhile; nothing to archive
            return
        self._write_xhr(request, pw_request, pw_response, headers, body)

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
