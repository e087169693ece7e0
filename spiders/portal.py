"""The portal spider (``scrapy crawl portal``, ``govcrawl crawl``): focused discovery.

The crawl logic is ``spiders.focused.FocusedSpider`` (platform parsers, navigation scoring,
report-column pagination, list APIs, attachments, browser renders for script-only lists);
this module gives it the name the CLI and the demo use. Arguments: ``portals=FILE`` (a
TOML portals file, crawler/portals.py), or ``start_urls=URL[,URL...]`` with an optional
``portal=NAME`` (one portal whose scope is the URLs' registrable domains), or
``portal_list=[Portal, ...]`` from code.
"""

from __future__ import annotations

from spiders.focused import FocusedSpider


class PortalSpider(FocusedSpider):
    """Crawl portals towards their 政府信息公开 reports and guides, and no further."""

    name = "portal"
