"""Which hosts belong to a portal: registrable domains computed offline with tldextract.

tldextract must never fetch the public suffix list at run time (crawls run on machines
without internet and must be reproducible), so the extractor uses only the snapshot that
ships inside the tldextract package.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

# suffix_list_urls=() forbids any network fetch; cache_dir=None keeps nothing on disk.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def registrable_domain(host_or_url: str) -> str:
    """The registrable domain ("eTLD+1") of a host or URL, lower-cased.

    IP addresses and hosts without a public suffix (``localhost``) are returned as they are,
    so that loopback test portals get a scope of their own host.
    """
    host = urlsplit(host_or_url).hostname if "://" in host_or_url else host_or_url
    host = (host or "").strip(".").lower()
    parts = _EXTRACT(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def in_scope(url: str, allowed_domains: frozenset[str]) -> bool:
    """True when the URL's host is one of, or a subdomain of, the allowed registrable domains."""
    host = (urlsplit(url).hostname or "").strip(".").lower()
    return any(host == d or host.endswith("." + d) for d in allowed_domains)
