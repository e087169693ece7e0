"""Attachment links: whether a link names a file (PDF, Word, WPS, Excel, OFD, image), its
type, and the canonical absolute URL a record gives for it.

The type comes from the extension of the URL's path, else from a download module's
file-name parameter (``downfile.jsp?filename=a.docx``), else, for a download path, from
the link text ("2023年报.pdf"). Pure string work: the HTML walk is in ``html.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from w3lib.url import canonicalize_url

from normalise import patterns as P

FILE_EXTENSIONS = P.DOCUMENT_EXTENSIONS | P.IMAGE_EXTENSIONS


def _ext(name: str) -> str | None:
    if "." not in name:
        return None
    ext = name.rsplit(".", 1)[-1].strip().lower()
    return ext if ext in FILE_EXTENSIONS else None


def attachment_type(url: str, text: str = "") -> str | None:
    """The file type ("pdf", "docx", "jpg"...) a link names, or None for a page link."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file", ""):
        return None
    path = unquote(parts.path)
    if ext := _ext(path.rsplit("/", 1)[-1]):
        return ext
    for key, value in parse_qsl(parts.query):
        if key.lower() in P.ATTACHMENT_NAME_PARAMS and (ext := _ext(value.rsplit("/", 1)[-1])):
            return ext
    if P.DOWNLOAD_PATH.search(path) and (m := P.EXT_IN_TEXT.search(text)):
        return m.group(1).lower()
    return None


def absolute_link(href: str, base_url: str) -> str | None:
    """``href`` resolved against the page and canonicalised (w3lib: percent-encoding
    normalised, query sorted, fragment dropped); None for javascript:/mailto:/anchors."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        url = urljoin(base_url, href)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # "http://[::1/a.pdf": no URL can be made of it; skip the link
        return None
    if scheme not in ("http", "https", "file"):
        return None
    try:
        return canonicalize_url(url)
    except ValueError:  # an unparseable port or host: keep the link as resolved
        return url
