"""Which links of a report page are its attachments (PDF, Word, WPS, Excel, OFD, images).

Report pages often hold the report itself as an attachment: the page only says "see the
attached file", or shows the scanned report as images in the article body. Attachments
are recognised by file extension in the path, or in the ``filename``/``fileName`` query
parameter of the download modules portals use (Hanweb ``downfile.jsp``, TRS
``download``), or by a link text naming such a file; images only inside the article body.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import html as lxml_html

from spiders.model import Anchor
from spiders.urls import absolute_url, page_base

ATTACHMENT_EXTENSIONS = frozenset(
    {
        "pdf",
        "doc",
        "docx",
        "wps",
        "xls",
        "xlsx",
        "et",
        "ofd",
        "rtf",
        "txt",
        "zip",
        "rar",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "bmp",
        "tif",
        "tiff",
    }
)
_NAME_PARAMS = ("filename", "fileName", "name", "file", "filepath", "path")
_EXT_IN_TEXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|et|rtf)\b", re.I)
_DOWNLOAD_PATH = re.compile(r"down(load)?|attach|/files?/", re.I)


def extension(url: str) -> str | None:
    """The attachment extension a URL names (path, or a file-name query parameter)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        ext = last.rsplit(".", 1)[-1].lower()
        if ext in ATTACHMENT_EXTENSIONS:
            return ext
    for key, value in parse_qsl(parts.query):
        if key in _NAME_PARAMS and "." in value:
            ext = value.rsplit(".", 1)[-1].lower()
            if ext in ATTACHMENT_EXTENSIONS:
                return ext
    return None


def is_attachment(anchor: Anchor) -> bool:
    """True when the link is a downloadable file rather than a page."""
    if extension(anchor.url) is not None:
        return True
    return bool(
        _DOWNLOAD_PATH.search(urlsplit(anchor.url).path) and _EXT_IN_TEXT.search(anchor.text)
    )


def attachments(anchors: list[Anchor]) -> list[Anchor]:
    """The attachment links among a page's anchors, first occurrence of each URL kept."""
    seen: set[str] = set()
    out: list[Anchor] = []
    for a in anchors:
        if a.url not in seen and is_attachment(a):
            seen.add(a.url)
            out.append(a)
    return out


# Article bodies of the platforms we know; images elsewhere are page chrome (logos, icons).
CONTENT_CONTAINER = re.compile(
    r"TRS_Editor|TRS_UEDITOR|\bzoom\b|ucapcontent|article|content|zw|main-?txt|detail", re.I
)
_CHROME_IMAGE = re.compile(r"logo|icon|banner|btn|button|arrow|share|qrcode|ewm|gongan|beian", re.I)


def content_images(tree: lxml_html.HtmlElement, url: str) -> list[Anchor]:
    """Images inside the article body (scanned reports), not the page's chrome."""
    base = page_base(tree, url)
    seen: set[str] = set()
    out: list[Anchor] = []
    for img in tree.iter("img"):
        src = img.get("src") or img.get("data-src")
        if not src or _CHROME_IMAGE.search(src):
            continue
        node = img.getparent()
        inside = False
        while node is not None:
            ident = f"{node.get('class') or ''} {node.get('id') or ''}"
            if CONTENT_CONTAINER.search(ident):
                inside = True
                break
            node = node.getparent()
        target = absolute_url(src, base) if inside else None
        if target and target not in seen and extension(target) is not None:
            seen.add(target)
            out.append(Anchor(target, img.get("alt") or img.get("title") or ""))
    return out
