"""Recognise anti-bot challenges and stub pages, count them, back off, and stop them there.

Kinds (``detect_challenge`` returns one of these, or None):

- ``ruishu``: Ruishu/Botgate (瑞数) script challenge: HTTP 412 (or a near-empty 200/202)
  whose body carries the ``$_ts`` / ``nsd=`` / ``$_ss`` bootstrap scripts;
- ``jiasule``: Jiasule (加速乐) challenge: HTTP 521 with a script setting
  ``__jsl_clearance``;
- ``waf_tiny``: a 200 answer to a GET whose body is at most 2 bytes (WAFs answer blocked
  clients this way);
- ``deleted_stub``: a tiny HTML page that only meta-refreshes elsewhere (how TRS portals
  replace a deleted document: a refresh to the parent column).

The challenge responses are archived as they are: the capture component listens to
``response_downloaded``, which Scrapy's downloader sends before any downloader
middleware's ``process_response`` runs (``scrapy.core.downloader.Downloader._download``),
so nothing done here can hide a response from the archive. Here the request meta gets
``govcrawl_challenge = <kind>``, the stats ``challenges/<kind>`` count it, the host is held
(except for deleted stubs, which are not hostile), and ``IgnoreRequest`` keeps the page
from the spider, from MetaRefreshMiddleware (580, below this one) and so from records.
``crawler.records`` calls ``detect_challenge`` on archived captures to skip them offline.

Nothing here tries to solve a challenge.
"""

from __future__ import annotations

import logging
import re
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from w3lib.html import get_meta_refresh

from crawler.middlewares.events import challenge_detected, host_of

logger = logging.getLogger(__name__)

CHALLENGE_META = "govcrawl_challenge"
#: Kinds that mean "this client is being blocked": the host is backed off.
HOSTILE_KINDS = frozenset({"ruishu", "jiasule", "waf_tiny"})

_EMPTY_DATA = (b"[]", b"{}")
_RUISHU_MARKERS = (b"$_ts", b"nsd=", b"$_ss")
_JSL_MARKERS = (b"__jsl_clearance", b"_jsl_clearance_s")
_SCRIPT_OR_STYLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]*>")
_SPACE = re.compile(rb"\s+|&nbsp;")
#: A page with less visible text than this (in bytes, ~60 CJK characters) is a stub.
STUB_TEXT_BYTES = 200
#: Bodies bigger than this are real pages whatever their scripts say.
STUB_MAX_BYTES = 64 * 1024


def visible_text_size(body: bytes) -> int:
    """Bytes of visible text in an HTML body (scripts, styles, tags and spaces removed)."""
    text = _TAG.sub(b"", _SCRIPT_OR_STYLE.sub(b"", body))
    return len(_SPACE.sub(b"", text))


def detect_challenge(
    status: int, body: bytes, url: str = "", method: str = "GET", content_type: str = ""
) -> str | None:
    """The challenge/stub kind of an HTTP answer, or None for an ordinary response.

    Pure and cheap: only tiny bodies or the challenge status codes are examined further.
    ``content_type`` (the response header, when known) keeps an empty JSON/XML list
    answer of a list API from passing for a WAF body.
    """
    if status == 521 and any(m in body for m in _JSL_MARKERS):
        return "jiasule"
    has_ruishu = any(m in body for m in _RUISHU_MARKERS)
    if status == 412 and has_ruishu:
        return "ruishu"
    if status not in (200, 202):
        return None
    if (
        method.upper() == "GET"
        and status == 200
        and len(body.strip()) <= 2
        and urlsplit(url).path != "/robots.txt"  # an empty robots.txt is ordinary
        and body.strip() not in _EMPTY_DATA  # nor is an empty JSON list from a list API
        and not any(t in content_type.lower() for t in ("json", "xml"))
    ):
        return "waf_tiny"
    if len(body) > STUB_MAX_BYTES:
        return None
    if has_ruishu and b"<script" in body.lower() and visible_text_size(body) < STUB_TEXT_BYTES:
        return "ruishu"
    lowered = body[:4096].lower()
    if b"refresh" in lowered and visible_text_size(body) < STUB_TEXT_BYTES:
        _interval, target = get_meta_refresh(body.decode("latin-1"), url or "http://stub.invalid/")
        if target and refreshes_to_ancestor(url, target):
            return "deleted_stub"
    return None


def refreshes_to_ancestor(url: str, target: str) -> bool:
    """True when a document URL refreshes to one of its parent directories (or the site root).

    That is the deletion stub; a portal home page refreshing *down* to its real home
    (``/`` -> ``/zwgk/index.html``) is ordinary navigation and must stay crawlable.
    """
    page, dest = urlsplit(url), urlsplit(target)
    if not page.path or page.path.endswith("/") or (dest.hostname or "") != (page.hostname or ""):
        return False
    last = page.path.rsplit("/", 1)[-1].lower()
    if last.startswith(("index.", "default.")):
        return False
    parent = page.path.rsplit("/", 1)[0] + "/"
    dest_dir = dest.path if dest.path.endswith("/") else dest.path.rsplit("/", 1)[0] + "/"
    return parent.startswith(dest_dir)


class ChallengeMiddleware:
    """Downloader middleware: mark, count, back off and drop challenge and stub responses."""

    def __init__(self, crawler: Crawler, *, backoff_delay: float, give_up: int) -> None:
        self.crawler = crawler
        self.backoff_delay = backoff_delay
        self.give_up = give_up
        self._per_host: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CHALLENGES_ENABLED", True):
            raise NotConfigured("CHALLENGES_ENABLED is off")
        return cls(
            crawler,
            backoff_delay=s.getfloat("CHALLENGES_BACKOFF_DELAY", 120.0),
            give_up=s.getint("CHALLENGES_GIVE_UP", 3),
        )

    def process_response(self, request: Request, response: Response) -> Response:
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        kind = detect_challenge(response.status, response.body, response.url, request.method, ctype)
        if kind is None:
            return response
        request.meta[CHALLENGE_META] = kind
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("challenges/total")
        stats.inc_value(f"challenges/{kind}")
        self.crawler.signals.send_catch_log(
            signal=challenge_detected, request=request, response=response, kind=kind
        )
        host = host_of(request.url)
        if kind in HOSTILE_KINDS:
            self._back_off(host, kind)
        logger.info("challenge: %s at %s (archived, not parsed)", kind, response.url)
        raise IgnoreRequest(f"challenge page ({kind}): {response.url}")

    def _back_off(self, host: str, kind: str) -> None:
        from crawler.middlewares.backoff import BackoffMiddleware  # noqa: PLC0415 - optional peer

        n = self._per_host.get(host, 0) + 1
        self._per_host[host] = n
        backoff = self.crawler.get_downloader_middleware(BackoffMiddleware)
        if backoff is None:
            return
        if n >= self.give_up:
            if host not in backoff.abandoned:
                backoff.abandon(host)
                stats = self.crawler.stats
                assert stats is not None
                stats.inc_value("challenges/hosts_abandoned")
                logger.warning("challenge: giving up on %s after %d %s challenges", host, n, kind)
            return
        backoff.hold(host, self.backoff_delay * 2 ** (n - 1), f"challenge_{kind}")
