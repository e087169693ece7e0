"""Platform parsers: pure functions from a page (text, URL) to a typed ``Listing``.

``parse_page`` runs the parsers of every platform the page's fingerprints name (or the one a
portal's configuration fixes) and merges their answers into one Listing; ``parse_api``
reads an XML/JSON list answer of the platform that asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import html as lxml_html

from spiders.model import Listing, ListItem, PageRequest, Platform
from spiders.platforms import detect as _detect
from spiders.platforms import hanweb, jsonapi, scripted, trs, ucap
from spiders.platforms.common import generic_items, json_items, json_total, load_json
from spiders.urls import canonical_url, parse_html


def _merge(column: str, parts: list[Listing]) -> Listing:
    platform: Platform = next((p.platform for p in parts if p.platform != "generic"), "generic")
    items: dict[str, ListItem] = {}
    merged_items: list[ListItem] = []
    for p in parts:
        for it in p.items:
            if it.url not in items:
                items[it.url] = it
                merged_items.append(it)
    seen_pages: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    pages: list[PageRequest] = []
    for p in parts:
        for r in p.pages:
            key = (r.url, r.formdata)
            if key not in seen_pages:
                seen_pages.add(key)
                pages.append(r)
    declared = [p.declared_total for p in parts if p.declared_total is not None]
    return Listing(
        platform=platform,
        column=next((p.column for p in parts if p.platform != "generic"), column),
        items=tuple(merged_items),
        pages=tuple(pages),
        columns=tuple(c for p in parts for c in p.columns),
        declared_total=max(declared) if declared else None,
        script_driven=any(p.script_driven for p in parts),
    )


def parse_page(
    text: str,
    url: str,
    platforms: Sequence[Platform] | None = None,
    tree: lxml_html.HtmlElement | None = None,
) -> Listing:
    """Everything a page lists, by the given platforms or the ones its fingerprints name.

    ``tree``: the page already parsed (callers that also read its links parse it once).
    """
    column = canonical_url(url)
    tree = parse_html(text) if tree is None else tree
    if tree is None:
        return Listing(platform="generic", column=column)
    chosen = list(platforms) if platforms else _detect.detect(text, url)
    parts: list[Listing] = []
    for platform in chosen:
        if platform == "trs":
            parts.append(trs.parse_listing(text, tree, url))
        elif platform == "fjsearch":
            fj = trs.parse_fj_listing(text, url)
            if fj is not None:
                parts.append(fj)
        elif platform == "hanweb":
            hw = hanweb.parse_listing(text, tree, url)
            if hw is not None:
                parts.append(hw)
            annual = hanweb.annual_report_requests(text, url)
            if annual:
                parts.append(Listing(platform="hanweb", column=column, pages=annual))
        elif platform == "jpaas":
            jp = jsonapi.parse_jpaas(text, url)
            if jp is not None:
                parts.append(jp)
        elif platform == "gkmlpt":
            gk = jsonapi.parse_gk_page(text, tree, url)
            if gk is not None:
                parts.append(gk)
        elif platform == "ucap":
            parts.append(ucap.parse_listing(text, tree, url))
    parts.append(Listing(platform="generic", column=column, items=tuple(generic_items(tree, url))))
    merged = _merge(column, parts)
    if not merged.script_driven and scripted.script_driven(text, tree):
        merged = Listing(
            platform=merged.platform,
            column=merged.column,
            items=merged.items,
            pages=merged.pages,
            columns=merged.columns,
            declared_total=merged.declared_total,
            script_driven=True,
        )
    return merged


def parse_api(
    platform: Platform,
    body: bytes,
    url: str,
    *,
    column: str,
    formdata: tuple[tuple[str, str], ...] = (),
    size_known: bool = True,
) -> Listing:
    """An XML/JSON list answer, read by the parser of the platform that requested it."""
    if platform == "hanweb":
        return hanweb.parse_proxy(body, url, formdata, column, size_known)
    if platform == "gkmlpt":
        return jsonapi.parse_gk_api(body, url)
    if platform == "fjsearch":
        return trs.parse_fj_api(body, url, column)
    data = load_json(body)
    return Listing(
        platform=platform,
        column=column,
        items=tuple(json_items(data, url)),
        declared_total=json_total(data),
    )
