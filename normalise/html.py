"""Stages 2-4 for HTML: parse once, read page metadata, find the main content, emit blocks.

The page is parsed once with lxml's HTML parser (libxml2, the parser BeautifulSoup's
"lxml" builder drives; building BeautifulSoup's own tree on top of it alone costs more
than the whole budget of this stage, see bench/bench_normalise.py). Every later step
walks that one tree iteratively (no recursion: a page of 10,000 nested elements must
not overflow the stack; libxml2 itself caps the depth it builds at 256).
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from normalise import patterns as P
from normalise.errors import NormaliseError
from normalise.links import absolute_link, attachment_type
from normalise.model import Attachment, Block, Extracted, ListingEntry, PageMeta, Rows
from normalise.script_listing import script_listing
from normalise.templates import TEMPLATES
from normalise.text import clean_line, compact, fold, parse_date

# Tags after which text starts a new line (everything else is inline: span/font runs join).
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "blockquote",
        "pre",
        "hr",
        "center",
        "form",
        "address",
        "figure",
        "figcaption",
        "caption",
        "title",
        "td",
        "th",
        "option",
    ]
)
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "select")
# Between two CJK characters a source line break is formatting, not a space.
_CJK_GAP = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A cell that says this table is page layout, not data.
LAYOUT_CELL_CHARS = 300
MAX_SPAN = 100  # rowspan/colspan beyond this are treated as 1 (hostile or broken markup)
MIN_CONTENT_CHARS = 20


def html_line(text: str) -> str:
    """Clean a run of HTML text: collapse spaces, drop source line breaks inside CJK text."""
    return clean_line(" ".join(_CJK_GAP.sub("", text).split()))


def parse(text: str) -> tuple[lxml.html.HtmlElement, bool]:
    """Parse HTML once (scripts, styles, comments dropped); also say if libxml2 cut the page.

    libxml2 stops building below 256 nested elements: the rest of such a page is lost,
    which the records then carry as the flag ``parse_truncated``. NormaliseError if empty.
    """
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise NormaliseError("empty page")
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NormaliseError(f"unparseable HTML: {exc}") from exc
    lxml.etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    truncated = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    return root, truncated


def _text(el: lxml.html.HtmlElement) -> str:
    return html_line(el.text_content())


def _meta_map(root: lxml.html.HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in root.iter("meta"):
        name = el.get("name") or el.get("property") or el.get("itemprop")
        content = el.get("content")
        if name and content and content.strip() and name not in out:
            out[name] = clean_line(content)
    return out


def agency_value(value: str) -> str | None:
    """A 来源/发布机构 value that names an agency, or None ("本站", "原创", empty...)."""
    value = value.strip()
    if not 2 <= len(value) <= 40 or value in P.AGENCY_STOPWORDS:
        return None
    return value


def _cut_label(value: str) -> str:
    for label in (*P.DATE_LABELS, "浏览", "点击", "字号", "文号"):
        idx = value.find(label)
        if idx > 0:
            value = value[:idx]
    return value.strip()


def page_meta(
    root: lxml.html.HtmlElement, main: lxml.html.HtmlElement | None, template: str | None
) -> PageMeta:
    """Title, date and publishing agency the page states outside its content."""
    meta = _meta_map(root)
    title = title_source = None
    for name in P.META_TITLE_NAMES:
        if name in meta and name.lower() != "title":
            title, title_source = meta[name], "page_meta"
            break
    if title is None and template:
        for tpl in TEMPLATES:
            if tpl.name == template:
                for xp in tpl.title:
                    found = root.xpath(xp)
                    if found:
                        candidate = _text(found[0])
                        if 2 <= len(candidate) <= P.MAX_TITLE_CHARS:
                            title, title_source = candidate, "page_heading"
                            break
    if title is None:
        head_title = root.find(".//title")
        if head_title is not None:
            first = P.TITLE_SEPARATORS.split(_text(head_title))[0].strip()
            if 2 <= len(first) <= P.MAX_TITLE_CHARS:
                title, title_source = first, "html_title"

    published = published_source = agency = agency_source = None
    for name in P.META_DATE_NAMES:
        if name in meta and (iso := parse_date(meta[name])):
            published, published_source = iso, "page_meta"
            break
    for name in P.META_SOURCE_NAMES:
        if name in meta and (found := agency_value(meta[name])):
            agency, agency_source = found, "page_meta"
            break

    if published is None or agency is None:
        # Metadata tables: a label cell followed by its value cell.
        for cell in root.iter("td", "th"):
            label = compact(cell.text_content()).rstrip(":")
            if len(label) > 6:
                continue
            if label in P.TABLE_DATE_LABELS or label in P.TABLE_SOURCE_LABELS:
                nxt = cell.getnext()
                value = _text(nxt) if nxt is not None else ""
                if (
                    published is None
                    and label in P.TABLE_DATE_LABELS
                    and (iso := parse_date(value))
                ):
                    published, published_source = iso, "page_meta"
                if agency is None and label in P.TABLE_SOURCE_LABELS and agency_value(value):
                    agency, agency_source = agency_value(value), "page_meta"
    if published is None or agency is None:
        # "来源:... 时间:..." lines printed above the content.
        outside = fold(root.text_content())
        if main is not None:
            inner = fold(main.text_content())
            at = outside.find(inner) if inner else -1
            if at >= 0:
                outside = outside[:at] + "\n" + outside[at + len(inner) :]
        if published is None:
            for m in P.DATE_LINE.finditer(outside):
                if iso := parse_date(m.group("v")[:40]):
                    published, published_source = iso, "page_meta"
                    break
        if agency is None:
            for m in P.SOURCE_LINE.finditer(outside):
                if found := agency_value(_cut_label(m.group("v"))):
                    agency, agency_source = found, "page_meta"
                    break
    return PageMeta(
        title, title_source, published, published_source, agency, agency_source, template
    )


def _select_content(
    root: lxml.html.HtmlElement, min_chars: int = MIN_CONTENT_CHARS
) -> tuple[lxml.html.HtmlElement | None, str | None]:
    for tpl in TEMPLATES:
        for xp in tpl.content:
            found = [el for el in root.xpath(xp) if isinstance(el, lxml.html.HtmlElement)]
            best = max(found, key=lambda el: len(el.text_content()), default=None)
            if best is not None and len(best.text_content().strip()) >= min_chars:
                return best, tpl.name
    return None, None


def _dense_content(body: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement, int]:
    """The tightest element holding most of the page's non-link text (generic fallback)."""
    elements = list(body.iter())
    total: dict[lxml.html.HtmlElement, int] = {}
    link: dict[lxml.html.HtmlElement, int] = {}
    for el in reversed(elements):
        if not isinstance(el.tag, str):
            continue
        size = len((el.text or "").strip())
        linked = 0
        for child in el:
            if not isinstance(child.tag, str):
                continue
            size += total.get(child, 0) + len((child.tail or "").strip())
            linked += link.get(child, 0)
        total[el] = size
        link[el] = size if el.tag == "a" else linked
    node = body
    while True:
        own = total.get(node, 0) - link.get(node, 0)
        children = [c for c in node if isinstance(c.tag, str) and c in total]
        if not children:
            break
        best = max(children, key=lambda c: total[c] - link[c])
        if total[best] - link[best] < 0.6 * own or own <= 0:
            break
        node = best
    return node, total.get(node, 0) - link.get(node, 0)


def listing_entries(root: lxml.html.HtmlElement, base_url: str) -> tuple[ListingEntry, ...]:
    """Links shown with a date beside them: the items of a column listing."""
    out: list[ListingEntry] = []
    seen: set[str] = set()
    for a in root.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = clean_line(a.get("title") or "") or _text(a)
        if len(title) < P.MIN_LINK_TEXT:
            continue
        date = None
        node = a
        for _ in range(2):
            node = node.getparent()
            # The date sits in the link's own row: never the whole page (a small page's
            # body holds every date, which would date its breadcrumbs too).
            if node is None or node.tag in ("body", "html"):
                break
            around = compact(node.text_content())
            if len(around) > 300:
                break
            dates = P.LISTING_DATE.findall(around)
            if len(dates) > 1:
                break  # several rows: the link is not one of them
            if dates:
                date = parse_date(dates[0].replace("年", "-").replace("月", "-"))
                break
        if date is None:
            continue
        try:
            url = urljoin(base_url, href.strip())
        except ValueError:  # malformed href ("http://[::1/"): not an entry one can follow
            continue
        if url in seen:
            continue
        seen.add(url)
        out.append(ListingEntry(title, url, date))
    return tuple(out)


def _comments(text: str) -> list[str]:
    """The bodies of the page's comments, in one linear scan (no regex backtracking over an
    unclosed "<!--" repeated through a hostile page)."""
    out = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[start + 4 : end])
        pos = end + 3
    return out


def comment_listing(text: str, base_url: str, seen: set[str]) -> tuple[ListingEntry, ...]:
    """Listing items a template left inside HTML comments (UCAP portals comment out the
    static list their script redraws): each comment holding links is parsed on its own."""
    out: list[ListingEntry] = []
    for chunk in _comments(text):
        if "href" not in chunk or len(chunk) < P.MIN_LINK_TEXT:
            continue
        try:
            root, _ = parse(f"<html><body>{chunk}</body></html>")
        except NormaliseError:
            continue
        for entry in listing_entries(root, base_url):
            if entry.url not in seen:
                seen.add(entry.url)
                out.append(replace(entry, source="comment"))
    return tuple(out)


def _span(value: str | None) -> int:
    try:
        n = int((value or "1").strip().rstrip(";"))
    except ValueError:
        return 1
    return n if 1 <= n <= MAX_SPAN else 1


def _is_layout(table: lxml.html.HtmlElement) -> bool:
    if table.find(".//table") is not None:
        return True
    widths = set()
    for tr in table.iter("tr"):
        cells = [c for c in tr if c.tag in ("td", "th")]
        widths.add(len(cells))
        for c in cells:
            if len(c.text_content()) > LAYOUT_CELL_CHARS:
                return True
    return widths <= {0, 1}


def table_rows(table: lxml.html.HtmlElement) -> Rows:
    """Rows x cells of a data table, with rowspan/colspan expanded into every covered slot."""
    grid: dict[tuple[int, int], str] = {}
    rows = [tr for tr in table.iter("tr")]
    n_rows = len(rows)
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = _text(cell)
            rs = min(_span(cell.get("rowspan")), n_rows - r)
            cs = _span(cell.get("colspan"))
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text
            c += cs
            width = max(width, c)
    out = []
    for r in range(n_rows):
        row = tuple(grid.get((r, c), "") for c in range(width))
        if any(row):
            out.append(row)
    return tuple(out)


def _table_text(rows: Rows) -> str:
    lines = []
    for row in rows:
        cells: list[str] = []
        for cell in row:
            # A spanned cell repeats in the grid; the text rendering says it once.
            if cell and (not cells or cells[-1] != cell):
                cells.append(cell)
        if cells:
            lines.append("\t".join(cells))
    return "\n".join(lines)


def _link_attachment(a: lxml.html.HtmlElement, base_url: str) -> tuple[str, str, str] | None:
    """(canonical URL, text, type) of a link to a file, or None (cheap for page links)."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    try:
        resolved = urljoin(base_url, href)
    except ValueError:  # "http://[::1/a.pdf": malformed, not a file anyone can fetch
        return None
    ftype = attachment_type(resolved)
    text = ""
    if ftype is None:
        if not P.DOWNLOAD_PATH.search(href):
            return None
        text = _text(a)
        ftype = attachment_type(resolved, text)
        if ftype is None:
            return None
    url = absolute_link(href, base_url)
    if url is None:
        return None
    text = text or _text(a)
    title = clean_line(a.get("title") or "")
    if len(title) > len(text):  # "附件1" shown, the file name in the title attribute
        text = title
    return url, text, ftype


def _image(img: lxml.html.HtmlElement, base_url: str) -> tuple[str, str, str] | None:
    """An image of the content that is a file of the document (a scanned page), not chrome."""
    src = img.get("src") or img.get("data-src") or ""
    if not src or src.startswith("data:") or P.CHROME_IMAGE.search(src):
        return None
    url = absolute_link(src, base_url)
    if url is None:
        return None
    ftype = attachment_type(url)
    if ftype not in P.IMAGE_EXTENSIONS:
        return None
    return url, clean_line(img.get("alt") or img.get("title") or ""), ftype


def _ident(el: lxml.html.HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def page_attachments(
    root: lxml.html.HtmlElement, main: lxml.html.HtmlElement, base_url: str, at: int
) -> tuple[Attachment, ...]:
    """File links of the document printed outside its content element.

    Portals print attachments in their own block after the body (Fujian TRS's
    ``article_attachment``, a ``fj`` div), not inside it. A file link outside the content
    belongs to the document when it sits in such a block (class/id says attachment) or
    after the content inside the article's container; never in header, footer or menus.
    They are placed at block ``at`` (after the content: the page's last document).
    """
    containers = []
    node = main.getparent()
    for _ in range(P.ARTICLE_LEVELS):
        if node is None or node.tag in ("body", "html"):
            break
        containers.append(node)
        node = node.getparent()
    chain = {}
    child = main
    for anc in main.iterancestors():
        chain[anc] = child
        child = anc
    out: list[Attachment] = []
    for el in root.iter("a"):
        found = _link_attachment(el, base_url)
        if found is None:
            continue
        zone = in_main = chrome = False
        in_article = False
        depth = 0
        anc = el.getparent()
        while anc is not None:
            if anc is main:
                in_main = True
                break
            ident = _ident(anc)
            if depth < P.ZONE_DEPTH:
                if P.CHROME_ZONE.search(ident) or anc.tag in ("nav", "header", "footer"):
                    chrome = True
                elif P.ATTACHMENT_ZONE.search(ident):
                    zone = True
            if anc in containers:
                in_article = True
            depth += 1
            anc = anc.getparent()
        if in_main or chrome:
            continue
        if zone or (in_article and _follows(el, chain)):
            url, text, ftype = found
            out.append(Attachment(url, text, at, ftype))
    return tuple(out)


def _follows(
    el: lxml.html.HtmlElement, chain: dict[lxml.html.HtmlElement, lxml.html.HtmlElement]
) -> bool:
    """True when ``el`` comes after the content element in document order.

    ``chain`` maps each ancestor of the content element to its child on the way down to
    it; at the first ancestor ``el`` shares, compare the two children's positions.
    """
    child = el
    for anc in el.iterancestors():
        if anc in chain:
            return bool(anc.index(child) > anc.index(chain[anc]))
        child = anc
    return False


def content_blocks(
    main: lxml.html.HtmlElement, base_url: str
) -> tuple[tuple[Block, ...], tuple[Attachment, ...]]:
    """Walk the content element once: text lines, data tables and attachment links."""
    blocks: list[Block] = []
    attachments: list[Attachment] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            line = html_line("".join(buf))
            buf.clear()
            if line:
                blocks.append(Block(line))

    walker = lxml.etree.iterwalk(main, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                flush()
            if tag == "table" and not _is_layout(el):
                rows = table_rows(el)
                if rows:
                    blocks.append(Block(_table_text(rows), rows))
                walker.skip_subtree()
                continue
            if tag in {"a", "img"}:
                found = _link_attachment(el, base_url) if tag == "a" else _image(el, base_url)
                if found is not None:
                    url, text, ftype = found
                    attachments.append(Attachment(url, text, len(blocks), ftype))
            if el.text and tag:
                buf.append(el.text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            if el is not main and el.tail:
                buf.append(el.tail)
    flush()
    return tuple(blocks), tuple(attachments)


def extract(text: str, base_url: str) -> Extracted:
    """Parse, read metadata, pick the content and turn it into blocks (or listing items)."""
    root, truncated = parse(text)
    body = root.find("body")
    if body is None:
        body = root
    main, template = _select_content(root)
    if main is None:
        entries = listing_entries(body, base_url)
        if len(entries) < P.LISTING_MIN_ENTRIES:
            # The visible list is (nearly) empty: the items may sit in a comment or a script.
            seen = {e.url for e in entries}
            entries += comment_listing(text, base_url, seen)
            entries += script_listing(text, base_url, seen)
        dense, dense_chars = _dense_content(body)
        meta = page_meta(root, dense, None)
        looks_like_report = bool(
            meta.title
            and (
                P.REPORT_TITLE.match(compact(meta.title))
                or P.GUIDE_TITLE.match(compact(meta.title))
            )
        )
        prose = dense.text_content().count("。")
        if len(entries) >= P.LISTING_MIN_ENTRIES and prose < 3 and not looks_like_report:
            return Extracted((), meta, (), entries, "listing", truncated)
        if (dense_chars < 200 or prose < 3) and not looks_like_report:
            # No document; dated links make it a (short: a column's last page) listing.
            kind = "listing" if entries else "empty"
            return Extracted((), meta, (), entries, kind, truncated)
        # A report page whose body is one line ("详见附件"): its template's body, short as
        # it is, is the document; the densest element would be the page's chrome.
        short, template = _select_content(root, 1) if looks_like_report else (None, None)
        if short is not None:
            main = short
            meta = page_meta(root, main, template)
        elif entries and (dense_chars < 200 or prose < 3):
            # A column named like a document ("政府信息公开指南") listing fewer items than
            # a listing needs: its densest text is chrome (the footer), not a document.
            return Extracted((), meta, (), entries, "listing", truncated)
        else:
            main = dense
    else:
        meta = page_meta(root, main, template)
    base = page_base(root, base_url)
    blocks, attachments = content_blocks(main, base)
    attachments += page_attachments(root, main, base, len(blocks))
    return Extracted(blocks, meta, attachments, (), "document", truncated)


def page_base(root: lxml.html.HtmlElement, url: str) -> str:
    """The URL links resolve against: ``<base href>`` when the page sets one."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            try:
                resolved: str = urljoin(url, href)
            except ValueError:  # a malformed <base>: resolve against the page itself
                return url
            if resolved.startswith(("http://", "https://")):
                return resolved
        break
    return url
