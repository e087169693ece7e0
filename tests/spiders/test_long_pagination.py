"""A report column paginated over 30 listing pages, by "next page" links only, is read to its end.

Each listing page is then one more hop from the start URL, so a small global depth limit
(it was 8) silently cut long columns: the reports on pages past it were never found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.portals.common import html_reply, page, report_page
from tests.portals.server import PortalServer, Reply, Request
from tests.subprocesses import run_govcrawl

pytestmark = [pytest.mark.slow]  # a crawl in a subprocess (never skipped)
PAGES = 30
COLUMN = "/zwgk/zfxxgknb/"


def _year(n: int) -> int:
    return 2024 - n


def _site(req: Request) -> Reply:
    if req.path == "/robots.txt":
        return Reply(200, "text/plain", b"User-agent: *\nAllow: /\n")
    if req.path == "/":
        return html_reply(page("某某县人民政府", f'<a href="{COLUMN}">政府信息公开年报</a>'))
    m = re.fullmatch(re.escape(COLUMN) + r"index(?:_(\d+))?\.html", req.path)
    if m or req.path == COLUMN:
        n = int(m.group(1) or 0) if m else 0
        if n >= PAGES:
            return Reply(404, "text/plain", b"not found")
        y = _year(n)
        title = f"某某县{y}年政府信息公开工作年度报告"
        item = f'<li><a href="./t{y}.html">{title}</a><span>{y + 1}-01-20</span></li>'
        # Only a "next page" link, as many CMSs print it: page n+1 is one hop past page n.
        bar = (
            f'<div class="page"><a href="index_{n + 1}.html">下一页</a></div>'
            if n + 1 < PAGES
            else ""
        )
        return html_reply(page("政府信息公开年报", f"<ul>{item}</ul>{bar}"))
    m = re.fullmatch(re.escape(COLUMN) + r"t(\d{4})\.html", req.path)
    if m:
        y = int(m.group(1))
        return html_reply(report_page(f"某某县{y}年政府信息公开工作年度报告", f"{y + 1}-01-20"))
    return Reply(404, "text/plain", b"not found")


def test_every_listing_page_of_a_long_column_is_read(tmp_path: Path) -> None:
    with PortalServer(_site) as server:
        portals = tmp_path / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "long"\nstart_urls = ["{server.base}/"]\n', encoding="utf-8"
        )
        archive_dir = tmp_path / "archive"
        proc = run_govcrawl(
            "crawl", "--portals", str(portals), "--archive", str(archive_dir),
            "--delay", "0", "--allow-private", "--no-browser", "--log-level", "WARNING",
        )  # fmt: skip
        paths = [h.path for h in server.hits]
    assert proc.returncode == 0, proc.stderr[-3000:]
    wanted = {f"{COLUMN}t{_year(n)}.html" for n in range(PAGES)}
    assert wanted <= set(paths)
    pages = [json.loads(x) for x in (archive_dir / "pages.jsonl").read_text().splitlines()]
    assert {p["url"].removeprefix(server.base) for p in pages} == wanted
