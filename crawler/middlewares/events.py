"""Signals the politeness components send, and the request facts they all read.

Custom Scrapy signals keep the components decoupled from the crawl report and the
progress display: a middleware sends ``fetch_refused`` or ``challenge_detected``; whoever
listens (``crawler.report``, ``crawler.progress``) does the bookkeeping.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request

#: Sent when a fetch is refused before it reaches the network.
#: Arguments: ``request`` (scrapy.Request), ``reason`` (slash-named, e.g. ``"scope/offsite"``,
#: ``"ssrf"``, ``"robots"``, ``"trap/calendar"``, ``"backoff/host_abandoned"``).
fetch_refused = object()

#: Sent when a response is an anti-bot challenge or a stub instead of the page.
#: Arguments: ``request``, ``response``, ``kind`` (see ``crawler.middlewares.challenges``).
challenge_detected = object()

#: Sent when a fetch failed on the network (timeout, refused connection, DNS...).
#: Arguments: ``request``, ``reason`` (the exception class name).
fetch_failed = object()

#: Request meta key naming the portal a request belongs to (set by the spiders).
PORTAL_META = "govcrawl_portal"
#: Placeholder portal for requests that carry no portal (e.g. ``govcrawl crawl URL``).
NO_PORTAL = "-"


def portal_of(request: Request) -> str:
    """The portal a request was made for, or ``NO_PORTAL``."""
    portal = request.meta.get(PORTAL_META)
    return str(portal) if portal else NO_PORTAL


def host_of(url: str) -> str:
    """The lower-cased host of a URL (no port), or ``""``."""
    return (urlsplit(url).hostname or "").strip(".").lower()


def is_robots_fetch(request: Request) -> bool:
    """True for the robots.txt requests Scrapy's robots middleware makes (not crawl pages)."""
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")
