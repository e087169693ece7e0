"""Per-host back-off: ``Retry-After`` on 429/503, exponential holds on repeated failures.

Scrapy's slots already give one request in flight per host and a (jittered, AutoThrottled)
delay between requests. What they lack is a way for one host to say "not before T":

- a 429 or 503 with ``Retry-After`` (seconds or an HTTP date) holds that host until then;
  a 429 without it holds the host for ``BACKOFF_BASE_DELAY`` (doubling while they repeat);
- ``BACKOFF_THRESHOLD`` consecutive 5xx answers or connection failures on a host hold it
  for ``BACKOFF_BASE_DELAY * 2**n`` (capped at ``BACKOFF_MAX_DELAY``), and after
  ``BACKOFF_GIVE_UP`` consecutive failures the host is abandoned for this crawl;
- other components ask for holds too: the challenge detector (anti-bot pages) and the
  robots middleware (``Crawl-delay`` as a minimum interval between fetches).

Only that host waits, and it waits in its downloader slot, where Scrapy itself applies
``DOWNLOAD_DELAY``: a hold sets the slot's ``latercall`` timer, so requests queued for
the host stay in the slot queue, visible to ``DownloaderAwarePriorityQueue``, which
meanwhile feeds other hosts; when the timer fires, ``Downloader._process_queue`` (what
Scrapy's own timer calls) resumes the slot. ``tests/politeness/test_backoff.py`` catches
any change of that internal. The ``request_reached_downloader`` signal, sent when a
request joins its slot and before the slot is processed, re-applies a hold still running
(a slot Scrapy dropped as idle comes back without it) and ``Crawl-delay`` as a lower
bound of the slot's delay. An abandoned host's queued requests fail at once with
``IgnoreRequest``, later ones in ``process_request``.

Sits above Scrapy's RetryMiddleware (550) so that it sees 429/503 before they become
retries; the retries then wait for the hold like every other request for that host.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.signals import request_reached_downloader
from scrapy.utils.asyncio import CallLaterResult, call_later

from crawler.middlewares.events import fetch_failed, fetch_refused, host_of

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})
MIN_SLOT_DELAY = 0.001  # seconds; see request_reached_downloader


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffMiddleware:
    """Downloader middleware holding individual hosts after 429/503, failures or challenges."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        base_delay: float,
        max_delay: float,
        threshold: int,
        give_up: int,
    ) -> None:
        self.crawler = crawler
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.threshold = threshold
        self.give_up = give_up
        self._hold_until: dict[str, float] = {}
        self._timers: dict[str, CallLaterResult] = {}  # host -> the hold timer of its slot
        self._min_interval: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self.abandoned: set[str] = set()
        self._slot_keys: dict[str, str] = {}  # host -> downloader slot key, learnt from meta

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("BACKOFF_ENABLED", True):
            raise NotConfigured("BACKOFF_ENABLED is off")
        mw = cls(
            crawler,
            base_delay=s.getfloat("BACKOFF_BASE_DELAY", 30.0),
            max_delay=s.getfloat("BACKOFF_MAX_DELAY", 600.0),
            threshold=s.getint("BACKOFF_THRESHOLD", 3),
            give_up=s.getint("BACKOFF_GIVE_UP", 10),
        )
        crawler.signals.connect(mw.request_reached_downloader, signal=request_reached_downloader)
        return mw

    def request_reached_downloader(self, request: Request) -> None:
        """Bring the request's slot in line with this host's pacing before it is processed.

        - a hold still running on the host pauses the slot (again);
        - ``Crawl-delay`` is a lower bound of the slot's delay, widened by the slot's
          jitter so that the jittered delay never falls below it;
        - the delay is at least ``MIN_SLOT_DELAY``: Scrapy 2.19's
          ``Downloader._process_queue`` starts a transfer as an asyncio task and counts it
          as transferring only once the task runs, so with a zero delay its loop starts
          *every* queued request of the slot at once, out of reach of holds (and of the
          slot's concurrency, with a handler that does not limit connections per host).
          A non-zero delay makes it start one request and re-check.
        """
        engine = self.crawler.engine
        key = request.meta.get("download_slot")
        if engine is None or key is None:
            return
        host = host_of(request.url)
        self._slot_keys[host] = str(key)
        slot = engine.downloader.slots.get(key)
        if slot is None:
            return
        spread = 1.0 - min(abs(slot.jitter), 0.9)
        floor = max(MIN_SLOT_DELAY, self._min_interval.get(host, 0.0) / spread)
        slot.delay = max(slot.delay, floor)
        remaining = self._hold_until.get(host, 0.0) - time.monotonic()
        if remaining > 0 and slot.latercall is not self._timers.get(host):
            self._pause(host, slot, remaining)

    # -- what other components call -------------------------------------------------------

    def hold(self, host: str, seconds: float, reason: str) -> float:
        """Hold a host for ``seconds`` (capped at ``BACKOFF_MAX_DELAY``); returns the hold used."""
        seconds = min(max(0.0, seconds), self.max_delay)
        until = time.monotonic() + seconds
        if until > self._hold_until.get(host, 0.0):
            self._hold_until[host] = until
            slot = self._slot(host)
            if slot is not None:
                self._pause(host, slot, seconds)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"backoff/holds/{reason}")
        stats.max_value("backoff/longest_hold_seconds", round(seconds, 3))
        logger.info("backoff: holding %s for %.1f s (%s)", host, seconds, reason)
        return seconds

    def set_min_interval(self, host: str, seconds: float) -> None:
        """Keep at least ``seconds`` between the starts of two fetches from ``host``.

        Applied to the host's slot delay when its next request joins the slot.
        """
        self._min_interval[host] = min(max(0.0, seconds), self.max_delay)

    def abandon(self, host: str) -> None:
        """Fetch nothing more from ``host``: queued requests fail with IgnoreRequest."""
        self.abandoned.add(host)
        slot = self._slot(host)
        if slot is None:
            return
        while slot.queue:
            request, deferred = slot.queue.popleft()
            self._count_refused(request)
            deferred.errback(IgnoreRequest(f"backoff: host {host} abandoned"))

    def _slot(self, host: str) -> Slot | None:
        key = self._slot_keys.get(host)
        engine = self.crawler.engine
        if key is None or engine is None:
            return None
        return engine.downloader.slots.get(key)

    def _pause(self, host: str, slot: Slot, seconds: float) -> None:
        if slot.latercall is not None:
            slot.latercall.cancel()
        timer = call_later(seconds, self._resume, host, slot)
        slot.latercall = self._timers[host] = timer

    def _resume(self, host: str, slot: Slot) -> None:
        self._timers.pop(host, None)
        engine = self.crawler.engine
        if engine is None or slot.latercall is None:
            return  # the slot was closed meanwhile
        slot.latercall = None
        engine.downloader._process_queue(slot)

    def failures(self, host: str) -> int:
        """Consecutive failures seen on a host."""
        return self._failures.get(host, 0)

    # -- downloader middleware ------------------------------------------------------------

    def process_request(self, request: Request) -> None:
        if host_of(request.url) in self.abandoned:
            self._refuse_abandoned(request)

    def process_response(self, request: Request, response: Response) -> Response:
        host = host_of(request.url)
        self._learn_slot(host, request)
        status = response.status
        if status in RETRY_AFTER_STATUSES:
            seconds = parse_retry_after(response.headers.get(b"Retry-After"))
            if seconds is not None:
                stats = self.crawler.stats
                assert stats is not None
                if seconds > self.max_delay:
                    stats.inc_value("backoff/retry_after_capped")
                self.hold(host, seconds, f"retry_after_{status}")
                return response
        if status == 429:
            # "Too many requests" without a Retry-After is still an explicit request to
            # slow down: hold at once instead of waiting for BACKOFF_THRESHOLD of them.
            self._failed(host, "http_429")
            if host not in self.abandoned:
                self.hold(host, self.base_delay * 2 ** (self.failures(host) - 1), "http_429")
        elif status >= 500:
            self._failed(host, f"http_{status}")
        else:
            self._failures.pop(host, None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        reason = type(exception).__name__
        self._learn_slot(host_of(request.url), request)
        self.crawler.signals.send_catch_log(signal=fetch_failed, request=request, reason=reason)
        self._failed(host_of(request.url), reason)

    def _learn_slot(self, host: str, request: Request) -> None:
        key = request.meta.get("download_slot")
        if key is not None:
            self._slot_keys[host] = str(key)

    def _failed(self, host: str, what: str) -> None:
        n = self._failures.get(host, 0) + 1
        self._failures[host] = n
        if host in self.abandoned:
            return
        if n >= self.give_up and host not in self.abandoned:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("backoff/hosts_abandoned")
            logger.warning("backoff: giving up on %s after %d consecutive failures", host, n)
            self.abandon(host)
        elif n >= self.threshold:
            self.hold(host, self.base_delay * 2 ** (n - self.threshold), "failures")

    def _count_refused(self, request: Request) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("backoff/refused")
        self.crawler.signals.send_catch_log(
            signal=fetch_refused, request=request, reason="backoff/host_abandoned"
        )

    def _refuse_abandoned(self, request: Request) -> None:
        self._count_refused(request)
        raise IgnoreRequest(f"backoff: host {host_of(request.url)} abandoned")
