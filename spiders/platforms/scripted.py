"""Does a page build its list with script? Markers of script-driven lists in static HTML.

Used only when the static HTML yielded no report candidates: then a page whose list
container is empty and whose scripts fetch data or fill templates is worth one browser
render. Markers: template engines (handlebars, avalon ``ms-repeat``, Vue ``v-for``), data
calls in inline scripts (``fetch(``, ``$.ajax``, ``XMLHttpRequest``, jpage/jpaas loaders),
and empty list containers next to external scripts.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.browser import LIST_HINT as BROWSER_LIST_HINT

TEMPLATE_MARKERS = re.compile(
    r"x-handlebars-template|text/x-template|text/template|\{\{#each|ms-repeat|v-for=|ng-repeat",
    re.I,
)
DATA_CALLS = re.compile(
    r"\bfetch\s*\(|\$\.(ajax|get|post|getJSON)\s*\(|XMLHttpRequest|axios\.|loadPageData\s*\(|"
    r"\.jpage\s*\(|listModel\s*\(",
)
# One definition with the browser, which waits for these containers to fill.
LIST_HINT = re.compile(BROWSER_LIST_HINT, re.I)


def _empty_list_container(tree: lxml_html.HtmlElement) -> bool:
    for el in tree.iter("ul", "ol", "div", "tbody", "table"):
        ident = f"{el.get('id') or ''} {el.get('class') or ''}"
        if not ident.strip() or not LIST_HINT.search(ident):
            continue
        if not el.text_content().strip() and not any(True for _ in el.iter("a", "img")):
            return True
    return False


def script_driven(text: str, tree: lxml_html.HtmlElement) -> bool:
    """True when the page carries markers of a list that only script fills."""
    if TEMPLATE_MARKERS.search(text):
        return True
    inline = " ".join(s.text or "" for s in tree.iter("script") if not s.get("src"))
    if DATA_CALLS.search(inline):
        return True
    has_external = any(s.get("src") for s in tree.iter("script"))
    return has_external and _empty_list_container(tree)
