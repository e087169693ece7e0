"""Pieces every simulated portal shares: page templates, robots.txt, noise, traps, scope bait.

Each portal has, besides its platform-specific report columns:

- ``/robots.txt`` disallowing ``/private/``, and a report-titled link into ``/private/``;
- noise sections (news, services, search) full of links, none leading to reports;
- a calendar trap (``/calendar/?date=…``, each day linking the next) linked from the
  disclosure portal under a tempting name, and a growing-URL trap (a relative link that
  resolves one level deeper on every page, answered with the same page);
- a report-titled link to another host (``localhost``: out of scope).
"""

# Page templates are data: long HTML lines read better unbroken.
# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.portals.files import make_docx, make_pdf
from tests.portals.server import NOT_FOUND, Reply, Request

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
NOISE_PREFIXES = ("/xwzx/", "/bsfw/", "/search")
CALENDAR_START = dt.date(2024, 1, 1)


def page(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    """A portal page with the usual chrome (header navigation and footer)."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{html.escape(title)}</title>'
        f"{head}</head><body><div class='header'><a href='/'>首页</a> "
        "<a href='/xwzx/'>新闻中心</a> <a href='/bsfw/'>办事服务</a> "
        "<a href='/search/?q=%E5%B9%B4%E6%8A%A5'>站内搜索</a> "
        "<a href='javascript:void(0)'>无障碍</a> <a href='mailto:office@example.gov.cn'>联系我们</a>"
        f"</div><div class='main'>{body}</div><div class='footer'>版权所有</div></body></html>"
    )


def html_reply(text: str, charset: str = "utf-8", declare_in_header: bool = True) -> Reply:
    ctype = f"text/html; charset={charset}" if declare_in_header else "text/html"
    return Reply(200, ctype, text.encode(charset))


def report_page(
    title: str,
    date: str,
    attachments: list[tuple[str, str]] = (),  # type: ignore[assignment]
    extra: str = "",
    charset: str = "utf-8",
) -> str:
    """An article page holding a report (TRS-style ``TRS_Editor`` body)."""
    atts = "".join(f'<p><a href="{href}">{html.escape(name)}</a></p>' for href, name in attachments)
    body = (
        f"<h1>{html.escape(title)}</h1><div class='info'>发布时间：{date}</div>"
        f"<div class='TRS_Editor'><p>一、总体情况</p><p>{html.escape(title)}正文。</p></div>"
        f"<div class='fj'>{atts}</div>{extra}"
        "<div class='related'><a href='/xwzx/2024/n1.html'>县长调研春耕生产</a></div>"
    )
    return page(title, body, charset)


def traps_and_bait(base: str, port: int, column_segment: str) -> str:
    """Links every disclosure portal page carries: traps, robots bait, out-of-scope bait."""
    return (
        f"<a href='/calendar/?date={CALENDAR_START.isoformat()}'>信息公开日历</a> "
        "<a href='/private/2019/t20200101_1.html'>2019年政府信息公开工作年度报告（内部稿）</a> "
        f"<a href='http://localhost:{port}/outside/202401/t20240101_9.html'>"
        "外省2023年政府信息公开工作年度报告</a> "
        f"<a href='{column_segment}/'>政府信息公开年报</a>"
    )


@dataclass
class Files:
    """Attachment bytes of a site, made once."""

    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def pdf(self, path: str, text: str) -> str:
        self.blobs[path] = ("application/pdf", make_pdf(text))
        return path

    def docx(self, path: str, paragraphs: list[str]) -> str:
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        self.blobs[path] = (ctype, make_docx(paragraphs))
        return path


def common_reply(req: Request, files: Files, trap_column: str | None) -> Reply | None:
    """Answers for the shared pieces; None when the path is the portal's own."""
    path = req.path
    if path == "/robots.txt":
        return Reply(200, "text/plain", ROBOTS)
    if path in files.blobs:
        ctype, blob = files.blobs[path]
        return Reply(200, ctype, blob)
    if path.startswith("/private/") or path.startswith("/outside/"):
        return html_reply(report_page("不应抓取", "2020-01-01"))
    if path.startswith(NOISE_PREFIXES):
        links = "".join(
            f"<li><a href='/xwzx/2024/n{i}.html'>新闻{i}：全县召开会议</a></li>" for i in range(20)
        )
        return html_reply(page("新闻", f"<ul>{links}</ul><a href='/xwzx/index_1.html'>下一页</a>"))
    if path == "/calendar/":
        day = dt.date.fromisoformat(req.query.get("date", CALENDAR_START.isoformat()))
        nxt = day + dt.timedelta(days=1)
        body = (
            f"<p>{day.isoformat()}</p><a href='/calendar/?date={nxt.isoformat()}'>信息公开日历</a>"
        )
        return html_reply(page("日历", body))
    if (
        trap_column
        and path.startswith(trap_column)
        and path.count(trap_column.rsplit("/", 2)[-2]) > 1
    ):
        return None  # the portal answers its own growing-URL trap
    return None


def calendar_day(query: str) -> dt.date | None:
    """The date of a calendar-trap hit (for the forbidden-fetch check)."""
    for part in query.split("&"):
        if part.startswith("date="):
            return dt.date.fromisoformat(part[5:])
    return None


Handler = Callable[[Request], Reply | None]


def serve(files: Files, trap_column: str | None, *handlers: Handler) -> Callable[[Request], Reply]:
    """A site function: shared pieces first, then the portal's handlers, else 404."""

    def site(req: Request) -> Reply:
        reply = common_reply(req, files, trap_column)
        if reply is not None:
            return reply
        for h in handlers:
            reply = h(req)
            if reply is not None:
                return reply
        return NOT_FOUND

    return site
