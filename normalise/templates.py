"""Portal templates as data: where each CMS family puts the document body and its title.

A template is tried when one of its content XPaths matches; the first template (in
order) with a match wins, so more specific selectors come first. Adding a portal is
adding an entry here, not a branch in code.
"""

from __future__ import annotations

from dataclasses import dataclass


def _cls(name: str) -> str:
    """XPath for an element carrying a CSS class (exact token match)."""
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


@dataclass(frozen=True, slots=True)
class Template:
    """One CMS family: content locations (XPath, best first) and visible title locations."""

    name: str
    content: tuple[str, ...]
    title: tuple[str, ...] = ()


TEMPLATES: tuple[Template, ...] = (
    # TRS WCM (many provincial intensive platforms, e.g. Fujian's): the editor's own div.
    Template("trs", (_cls("TRS_Editor"), _cls("TRS_UEDITOR")), (_cls("article_title"),)),
    # Fujian intensive platform pages whose old body was pasted outside a TRS_Editor div.
    Template("trs-article", (_cls("article_content"),), (_cls("article_title"),)),
    # Hanweb (大汉) classic article pages.
    Template("hanweb", ("//*[@id='zoom']", "//*[@id='Zoom']"), ("//*[@class='title']",)),
    # UCAP (开普云) article pages.
    Template("ucap", ("//*[@id='ucapcontent']", _cls("ucapcontent")), ()),
    # Common government CMS bodies.
    Template(
        "generic-cms",
        (
            "//*[@id='content' and not(descendant::*[@id='content'])]",
            _cls("pages_content"),
            _cls("article-content"),
            _cls("news_content"),
            _cls("content_text"),
            "//article",
        ),
        (_cls("pages-title"), _cls("article-title"), "//h1"),
    ),
)
