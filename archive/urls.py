"""URL canonicalisation for index lookups: the one definition of "the same URL" in the archive."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import add_http_if_no_scheme, canonicalize_url

from archive.errors import ArchiveError

_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadUrl(ArchiveError, ValueError):
    """A URL that cannot be parsed (``http://[::1``); a ValueError too, as urllib raises."""


# URLs that w3lib's canonicalisation leaves as they are, apart from the default port and
# an empty path: lower-case http(s) scheme and host, no user info, a path and query of
# unreserved characters only (nothing to percent-encode or decode), no dot segment, and
# query arguments that are all ``key=value`` and already sorted. Crawled URLs mostly
# look like this, and canonicalize_url costs ~40 us a URL (a tenth of writing a
# capture); tests/archive/test_urls.py checks the shortcut against w3lib.
_PLAIN = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)"
    r"(?::([1-9][0-9]{0,4}))?(/[A-Za-z0-9/._~-]*)?(?:\?([A-Za-z0-9._~=&-]+))?"
)


def _plain_key(url: str) -> str | None:
    """``url_key(url)`` for URLs w3lib would not change (see ``_PLAIN``), else None."""
    m = _PLAIN.fullmatch(url)
    if m is None:
        return None
    scheme, host, port, path, query = m.groups()
    if path and "/." in path:
        return None
    if query is not None:
        pairs = [arg.split("=") for arg in query.split("&")]
        if any(len(p) != 2 or not p[0] for p in pairs) or pairs != sorted(pairs):
            return None
    netloc = host
    if port is not None:
        if int(port) > 65535:
            return None
        if int(port) != _DEFAULT_PORTS[scheme]:
            netloc = f"{host}:{port}"
    return f"{scheme}://{netloc}{path or '/'}" + (f"?{query}" if query else "")


def url_key(url: str) -> str:
    """The lookup key of ``url``: what users expect to be "the same page".

    w3lib lower-cases scheme and host, drops the fragment, normalises percent-encoding
    and sorts query arguments (as pywb's SURT keys do); we add the default-port rule,
    which w3lib leaves to callers. A URL typed without a scheme is taken as http.
    """
    plain = _plain_key(url)
    return plain if plain is not None else canonical_key(url)


def canonical_key(url: str) -> str:
    """``url_key`` through w3lib, for every URL (the shortcut's reference).

    Raises ``BadUrl`` for a URL urllib cannot split (an unclosed IPv6 bracket...).
    """
    try:
        canonical = canonicalize_url(add_http_if_no_scheme(url.strip()))
        parts = urlsplit(canonical)
    except ValueError as exc:
        raise BadUrl(f"malformed URL {url!r}: {exc}") from None
    netloc = parts.netloc
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the URL as w3lib left it
        port = None
    if port is not None and port == _DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
