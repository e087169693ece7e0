"""URL hygiene for discovery: absolute, canonical, session-free links; nothing unfollowable.

Links are made absolute against the page (``<base href>`` honoured), ``javascript:``,
``mailto:``, ``tel:`` and fragment-only links are dropped, fragments removed, and session
ids (``;jsessionid=`` path parameters and the usual query names) stripped so that one
document is one URL. Percent-encoding is normalised with w3lib; query order is kept because
some portal servers (JSP list modules) read parameters positionally.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html
from w3lib.url import safe_url_string

from spiders.model import Anchor

_UNFOLLOWABLE = re.compile(r"^\s*(javascript|mailto|tel|sms|data|about|file|ftp):", re.I)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.I)
# Query names that only carry a session; "sid" is NOT here: gkmlpt uses it as the site id.
SESSION_PARAMS = frozenset(
    {
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "sessionid",
        "session_id",
        "sessid",
        "cfid",
        "cftoken",
        "wt.mc_id",
    }
)
_WS = re.compile(r"\s+")
_OPTION_URL = re.compile(r"^(https?://|/|\./|\.\./)|\.(s?html?|jsp|aspx?|php)(\?|$)", re.I)


def clean_text(text: str) -> str:
    """Collapse whitespace (incl. full-width spaces) the way a reader sees link text."""
    return _WS.sub(" ", text.replace("\u3000", " ")).strip()


def canonical_url(url: str) -> str:
    """The URL to request and to compare: safe-encoded, no fragment, no session ids."""
    url = _PATH_SESSION.sub("", url.strip())
    parts = urlsplit(safe_url_string(url))
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v)
            for k, v in pairs
            if k.lower() not in SESSION_PARAMS and not k.lower().startswith("aspsessionid")
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower()
    if (scheme == "http" and netloc.endswith(":80")) or (
        scheme == "https" and netloc.endswith(":443")
    ):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def absolute_url(href: str, base: str) -> str | None:
    """``href`` resolved against ``base`` and canonicalised, or None when not followable."""
    href = href.strip()
    if not href or href.startswith("#") or _UNFOLLOWABLE.match(href):
        return None
    url = urljoin(base, href)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return canonical_url(url)


def parse_html(text: str) -> lxml_html.HtmlElement | None:
    """An lxml tree of the page, or None for an empty or unparseable body."""
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return None


def page_base(tree: lxml_html.HtmlElement, url: str) -> str:
    """The base URL links resolve against: ``<base href>`` when present."""
    for href in tree.xpath("//head/base/@href"):
        resolved = urljoin(url, str(href).strip())
        if urlsplit(resolved).scheme in ("http", "https"):
            return resolved
    return url


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "th", "caption", "legend")


def section_label(el: lxml_html.HtmlElement, max_up: int = 4) -> str:
    """The heading just before the block holding ``el`` (or the block's own heading child).

    Walks up a few ancestors and looks at their preceding siblings for a heading-like
    element (``h1``-``h6``, ``dt``, ``th``, or an element whose class names a title).
    """
    node: lxml_html.HtmlElement | None = el
    for _ in range(max_up):
        if node is None:
            break
        sib = node.getprevious()
        hops = 0
        while sib is not None and hops < 2:
            if not isinstance(sib.tag, str):
                sib = sib.getprevious()
                continue
            cls = (sib.get("class") or "").lower()
            if sib.tag in _HEADINGS or "tit" in cls or "head" in cls:
                return clean_text(sib.text_content())[:60]
            hops += 1
            sib = sib.getprevious()
        node = node.getparent()
    return ""


def extract_anchors(tree: lxml_html.HtmlElement, url: str) -> list[Anchor]:
    """Every followable ``<a href>`` and ``<area href>`` of the page in document order, then
    the URLs of jump-menu ``<option>`` values.

    The text is the anchor's visible text, or its ``title`` when that is longer (listings
    often truncate titles with an ellipsis and keep the full title in the attribute).
    """
    base = page_base(tree, url)
    seen: set[tuple[str, str]] = set()
    out: list[Anchor] = []
    for el in tree.iter("a", "area"):
        href = el.get("href")
        if href is None:
            continue
        target = absolute_url(href, base)
        if target is None:
            continue
        text = clean_text(el.text_content() if el.tag == "a" else el.get("alt") or "")
        title = clean_text(el.get("title") or "")
        if len(title) > len(text):
            text = title
        if not text:
            # Image navigation (<a><img alt="政务公开"></a>): the image's alt is the link text.
            text = clean_text(" ".join(str(a) for a in el.xpath(".//img/@alt")))
        key = (target, text)
        if key not in seen:
            seen.add(key)
            # Only short links need their section to be understood ("2024", "更多").
            section = section_label(el) if len(text) <= 8 else ""
            out.append(Anchor(target, text, section))
    # Jump menus (<select onchange="location=this.value">) list years and units as
    # <option value="/xxgk/nb/2023/">2023</option>: links in all but markup.
    for opt in tree.iter("option"):
        value = (opt.get("value") or "").strip()
        if not value or not _OPTION_URL.search(value):
            continue
        target = absolute_url(value, base)
        text = clean_text(opt.text_content())
        if target is None or (target, text) in seen:
            continue
        seen.add((target, text))
        select = opt.getparent()
        while select is not None and select.tag != "select":
            select = select.getparent()
        out.append(Anchor(target, text, section_label(select) if select is not None else ""))
    return out
