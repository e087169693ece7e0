"""Scrapy's cookies middleware, made to use the offline public suffix list.

Scrapy's ``CookiesMiddleware`` asks a module-level ``tldextract.TLDExtract()`` whether a
cookie's domain is a public suffix; that default extractor downloads the public suffix
list on first use, which govcrawl must never do (crawls run offline and reproducibly, see
``crawler.scope``). This subclass points that module attribute at an extractor that only
reads the snapshot bundled with tldextract. Coupling: relies on the private name
``scrapy.downloadermiddlewares.cookies._split_domain`` (Scrapy 2.13-2.19); the test in
tests/crawler/test_cookies_offline.py fails if Scrapy renames it.
"""

from __future__ import annotations

import tldextract
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

OFFLINE_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def use_offline_suffix_list() -> None:
    """Make Scrapy's cookie handling use the bundled public suffix list only."""
    if not hasattr(scrapy_cookies, "_split_domain"):
        raise RuntimeError("scrapy.downloadermiddlewares.cookies._split_domain has moved")
    scrapy_cookies._split_domain = OFFLINE_EXTRACT


class OfflineCookiesMiddleware(CookiesMiddleware):
    """``CookiesMiddleware`` whose public-suffix checks never touch the network."""

    def __init__(self, debug: bool = False) -> None:
        use_offline_suffix_list()
        super().__init__(debug)
