"""Which portal platform built a page, from its fingerprints (markers in the HTML and URL).

A page may carry several (a TRS site on Fujian's platform also loads the document search),
so ``detect`` returns every platform whose markers appear, most specific first; "generic"
is always last.
"""

from __future__ import annotations

import re

from spiders.model import Platform
from spiders.platforms import hanweb, jsonapi, trs

_UCAP_CALL = re.compile(r"createPageHTML\(\s*[\"']")
_TRS_CALL = re.compile(r"createPageHTML\(\s*\d")
_TRS_ARTICLE = re.compile(r"/\d{6}/t\d{8}_\d+\.s?html?")
_GENERATOR = re.compile(r"<meta[^>]+name=[\"']generator[\"'][^>]+content=[\"']([^\"']+)", re.I)


def detect(text: str, url: str = "") -> list[Platform]:
    """The platforms whose fingerprints the page carries, most specific first."""
    found: list[Platform] = []
    gen_m = _GENERATOR.search(text[:4096])
    generator = gen_m.group(1).lower() if gen_m else ""
    if any(f in text for f in jsonapi.GK_FINGERPRINTS) or "/gkmlpt/" in url:
        found.append("gkmlpt")
    if any(f in text for f in trs.FJ_FINGERPRINTS):
        found.append("fjsearch")
    if "articleList" in text and "channelsTagSelf" in text:
        found.append("jpaas")
    if any(f in text for f in hanweb.FINGERPRINTS) or "hanweb" in generator:
        found.append("hanweb")
    if _UCAP_CALL.search(text) or "ucap" in generator or "ucapcontent" in text:
        found.append("ucap")
    if (
        _TRS_CALL.search(text)
        or "trs" in generator
        or "TRS_Editor" in text
        or _TRS_ARTICLE.search(text)
    ):
        found.append("trs")
    found.append("generic")
    return found
