"""The simulated portals: one per platform (TRS, GBK TRS, Hanweb jcms, gkmlpt, Fujian search,
script-only list), each knowing which of its pages are reports and which fetches are forbidden.
"""

# Page templates are data: long HTML lines read better unbroken.
# ruff: noqa: E501

from __future__ import annotations

import gzip
import html
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.portals.common import (
    Files,
    html_reply,
    page,
    report_page,
    serve,
    traps_and_bait,
)
from tests.portals.server import Reply, Request, Site

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus" / "pingtan" / "zwgk" / "zfxxgk"


@dataclass
class SiteSpec:
    """A simulated portal and what a correct crawl of it must (and must not) fetch."""

    name: str
    site: Site
    start: str
    reports: set[str]  # report/guide page paths: every one must be fetched
    attachments: dict[str, str]  # attachment path -> path of the report page linking it
    trap_segment: str  # the column segment the growing-URL trap repeats
    not_reports: set[str] = field(default_factory=set)  # listed, but must not be fetched
    render_paths: set[str] = field(default_factory=set)  # the only pages the browser may render
    # Column path -> (declared, found): columns that hold fewer records than they declare.
    shortfalls: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Pages linked under a report title that turn out to list reports: fetched as candidates.
    report_lists: set[str] = field(default_factory=set)
    platform: str = "auto"


def _li(href: str, title: str, date: str) -> str:
    attr = "" if title.endswith("…") else f' title="{html.escape(title)}"'
    return f'<li><a href="{href}"{attr}>{html.escape(title)}</a><span>{date}</span></li>'


# --- 1. TRS WCM (UTF-8) --------------------------------------------------------------------


def trs_site() -> SiteSpec:
    files = Files()
    col = "/zwgk/zfxxgk/zfxxgknb/"
    reports_by_page: list[list[tuple[str, str, str]]] = [
        [
            ("202401/t20240115_101.html", "某县2023年政府信息公开工作年度报告", "2024-01-15"),
            ("202301/t20230110_102.html", "某县2022年政府信息公开工作年度报告", "2023-01-10"),
            (
                "201412/t20141205_103.html",
                "关于2014年政府信息公开工作要点落实情况的函",
                "2014-12-05",
            ),
        ],
        [
            ("202201/t20220112_104.html", "某县2021年政府信息公开工作年度报告", "2022-01-12"),
            ("202101/t20210118_105.html", "某县2020年政府信息公开工作年度报告", "2021-01-18"),
        ],
        [
            ("202001/t20200115_106.html", "某县2019年度政府信息公开工作年度报告", "2020-01-15"),
            ("P020190110_107.pdf", "某县2018年政府信息公开工作年度报告", "2019-01-10"),
            # A title the listing cut short, with no title attribute to recover it.
            ("201801/t20180110_108.html", "某县2017年政府信息公开工作年…", "2018-01-10"),
        ],
    ]
    pdf = files.pdf(
        col + "202401/P020240115.pdf", "County 2023 information disclosure annual report"
    )
    docx = files.docx(
        col + "202301/P020230110.docx", ["某县2022年政府信息公开工作年度报告", "一、总体情况"]
    )
    files.pdf(col + "P020190110_107.pdf", "County 2018 annual report")
    atts = {
        col + "202401/t20240115_101.html": [(pdf.rsplit("/", 1)[-1], "附件：2023年年报.pdf")],
        col + "202301/t20230110_102.html": [(docx.rsplit("/", 1)[-1], "附件：2022年年报.docx")],
    }
    articles = {col + href: (title, date) for pg in reports_by_page for href, title, date in pg}
    units = {
        "/zwgk/zfxxgk/bmxxgk/jyj/gknb/": [
            ("202402/t20240201_201.html", "县教育局2023年政府信息公开工作年度报告", "2024-02-01"),
            ("202302/t20230201_202.html", "县教育局2022年政府信息公开工作年度报告", "2023-02-01"),
        ],
        "/zwgk/zfxxgk/bmxxgk/wjj/gknb/": [
            (
                "202402/t20240205_301.html",
                "县卫生健康委员会2023年政府信息公开工作年度报告",
                "2024-02-05",
            ),
        ],
        # A unit named after the services it runs, like the seed agencies.
        "/zwgk/zfxxgk/bmxxgk/xzspfwj/gknb/": [
            (
                "202401/t20240125_501.html",
                "县行政审批服务局2023年政府信息公开工作年度报告",
                "2024-01-25",
            ),
        ],
    }
    for ucol, items in units.items():
        for href, title, date in items:
            articles[ucol + href] = (title, date)
    guide = "/zwgk/zfxxgk/zfxxgkzn/202311/t20231120_401.html"
    articles[guide] = ("某县人民政府政府信息公开指南", "2023-11-20")

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p in ("/", "/index.html"):
            return html_reply(
                page("某县人民政府", "<a href='/zwgk/'>政务公开</a> <a href='/hdjl/'>互动交流</a>")
            )
        if p == "/zwgk/":
            body = (
                "<a href='/zwgk/zfxxgk/'>政府信息公开</a> <a href='/zwgk/zcjd/'>政策解读</a> "
                "<a href='/zwgk/tzgg/'>通知公告</a>"
            )
            return html_reply(page("政务公开", body))
        if p == "/zwgk/zfxxgk/":
            body = (
                "<a href='zfxxgknb/'>政府信息公开年报</a> <a href='zfxxgkzn/'>政府信息公开指南</a> "
                "<a href='bmxxgk/'>部门信息公开</a> <a href='fdzdgknr/'>法定主动公开内容</a> "
                + traps_and_bait(req.base, port, "zfxxgknb")
            )
            return html_reply(page("政府信息公开", body))
        if p == "/zwgk/zfxxgk/fdzdgknr/":
            lis = "".join(
                _li(
                    f"202401/t202401{i:02d}_9{i:02d}.html",
                    f"关于印发第{i}号文件的通知",
                    "2024-01-01",
                )
                for i in range(1, 16)
            )
            return html_reply(
                page(
                    "法定主动公开内容",
                    f'<ul>{lis}</ul><script>createPageHTML(40, 0, "index", "html");</script>',
                )
            )
        m = re.fullmatch(r"/zwgk/zfxxgk/zfxxgknb/(?:zfxxgknb/)*(?:index(?:_(\d))?\.html)?", p)
        if m:
            n = int(m.group(1) or 0)
            if n >= len(reports_by_page):
                return None
            lis = "".join(_li(h, t, d) for h, t, d in reports_by_page[n])
            body = (
                f"<h2>政府信息公开年报</h2><ul class='list'>{lis}</ul>"
                f'<script>createPageHTML({len(reports_by_page)}, {n}, "index", "html");</script>'
                + traps_and_bait(req.base, port, "zfxxgknb")
            )
            if p.count("zfxxgknb") > 1:  # the growing-URL trap: absolute item links, same page
                body = body.replace('href="20', f'href="{col}20').replace(
                    'href="P0', f'href="{col}P0'
                )
            return html_reply(page("政府信息公开年报", body))
        if p == "/zwgk/zfxxgk/zfxxgkzn/":
            return html_reply(
                page(
                    "指南",
                    "<ul>"
                    + _li("202311/t20231120_401.html", "某县人民政府政府信息公开指南", "2023-11-20")
                    + "</ul>",
                )
            )
        if p == "/zwgk/zfxxgk/bmxxgk/":
            return html_reply(
                page(
                    "部门信息公开",
                    "<a href='jyj/'>县教育局</a> <a href='wjj/'>县卫生健康委员会</a> "
                    "<a href='xzspfwj/'>县行政审批服务局</a> <a href='/xwzx/bm.html'>部门动态</a>",
                )
            )
        um = re.fullmatch(r"/zwgk/zfxxgk/bmxxgk/(jyj|wjj|xzspfwj)/", p)
        if um:
            return html_reply(
                page("单位", "<a href='gknb/'>信息公开年报</a> <a href='gzdt/'>工作动态</a>")
            )
        if p in units:
            return html_reply(
                page("年报", "<ul>" + "".join(_li(h, t, d) for h, t, d in units[p]) + "</ul>")
            )
        if p in articles:
            title, date = articles[p]
            return html_reply(report_page(title, date, atts.get(p, [])))
        return None

    reports = {p for p, (t, _) in articles.items() if "函" not in t}
    return SiteSpec(
        name="trs",
        site=serve(files, col, handler),
        start="/",
        reports=reports,
        attachments={
            pdf: col + "202401/t20240115_101.html",
            docx: col + "202301/t20230110_102.html",
        },
        trap_segment="zfxxgknb",
        not_reports={col + "201412/t20141205_103.html"},
    )


# --- 2. TRS WCM in GBK, by-year sub-columns ------------------------------------------------


def trs_gbk_site() -> SiteSpec:
    files = Files()
    years = {
        "2023": [
            [
                (
                    "202402/t20240202_11.html",
                    "某区人民政府2023年政府信息公开工作年度报告",
                    "2024-02-02",
                ),
                (
                    "202402/t20240203_12.html",
                    "某区发展和改革局2023年政府信息公开工作年度报告",
                    "2024-02-03",
                ),
            ],
            [
                (
                    "202402/t20240204_13.html",
                    "某区行政审批服务局2023年政府信息公开工作年度报告",
                    "2024-02-04",
                )
            ],
        ],
        "2022": [
            [
                (
                    "202302/t20230202_21.html",
                    "某区人民政府2022年政府信息公开工作年度报告",
                    "2023-02-02",
                ),
                (
                    "202302/t20230203_22.html",
                    "某区行政审批服务局2022年政府信息公开工作年度报告",
                    "2023-02-03",
                ),
                # A unit's report listed by the unit's name only: a column member.
                ("202302/t20230204_23.html", "某区教育局", "2023-02-04"),
            ]
        ],
        "2021": [
            [
                (
                    "202202/t20220202_31.html",
                    "某区人民政府2021年政府信息公开工作年度报告",
                    "2022-02-02",
                ),
                ("202202/t20220203_32.html", "区政府召开常务会议", "2022-02-03"),
            ]
        ],
    }
    pdf = files.pdf("/xxgk/ndbg/2023/202402/P020240202.pdf", "District 2023 report")
    articles: dict[str, tuple[str, str]] = {}
    for y, pages in years.items():
        for pg in pages:
            for href, title, date in pg:
                articles[f"/xxgk/ndbg/{y}/{href}"] = (title, date)
    guide = "/xxgk/zn/202301/t20230101_41.html"
    articles[guide] = ("某区人民政府信息公开指南", "2023-01-01")
    # A page titled like a report that is a list of units' reports.
    summary = "/xxgk/nb2020/"
    summary_items = [
        (
            f"202101/t2021011{i}_5{i}.html",
            f"某区{unit}2020年政府信息公开工作年度报告",
            f"2021-01-1{i}",
        )
        for i, unit in enumerate(("教育局", "民政局", "财政局"), start=1)
    ]
    for href, title, date in summary_items:
        articles[summary + href] = (title, date)

    def gbk(text: str) -> Reply:
        # Charset only in <meta>: the crawler must find it there (and decode GBK as GB18030).
        return html_reply(
            text.replace('charset="utf-8"', 'charset="gbk"'), "gbk", declare_in_header=False
        )

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return gbk(
                page("某区人民政府", "<a href='/xxgk/'>信息公开</a> <a href='/xwzx/'>要闻动态</a>")
            )
        if p == "/xxgk/":
            body = (
                "<a href='/xxgk/ndbg/'>政府信息公开年度报告</a> <a href='/xxgk/zn/'>政府信息公开指南</a> "
                + traps_and_bait(req.base, port, "ndbg")
            )
            return gbk(page("信息公开", body))
        if p == "/xxgk/ndbg/":
            links = " ".join(f"<a href='{y}/'>{y}年</a>" for y in years) + (
                f" <a href='{summary}'>2020年度各部门政府信息公开工作年度报告</a>"
            )
            return gbk(
                page(
                    "年度报告",
                    f"<div class='years'>{links}</div>" + traps_and_bait(req.base, port, "ndbg"),
                )
            )
        m = re.fullmatch(r"/xxgk/ndbg/(\d{4})/(?:index(?:_(\d))?\.html)?", p)
        if m and m.group(1) in years:
            pages = years[m.group(1)]
            n = int(m.group(2) or 0)
            if n >= len(pages):
                return None
            lis = "".join(_li(h, t, d) for h, t, d in pages[n])
            bar = f'<script>createPageHTML({len(pages)}, {n}, "index", "html");</script>'
            if m.group(1) == "2021":
                # Endless pagination: every "next" page answers with the same records.
                k = int(req.query.get("page", "1"))
                bar = f"<div class='page'><a href='?page={k + 1}'>下一页</a></div>"
            return gbk(page("年度报告", f"<ul>{lis}</ul>{bar}"))
        if p == summary:
            lis = "".join(_li(h, t, d) for h, t, d in summary_items)
            return gbk(page("2020年度各部门政府信息公开工作年度报告", f"<ul>{lis}</ul>"))
        if p == "/xxgk/zn/":
            return gbk(
                page(
                    "指南",
                    "<ul>"
                    + _li("202301/t20230101_41.html", "某区人民政府信息公开指南", "2023-01-01")
                    + "</ul>",
                )
            )
        if p in articles:
            title, date = articles[p]
            att = [("P020240202.pdf", "附件.pdf")] if p.endswith("t20240202_11.html") else []
            return gbk(report_page(title, date, att))
        return None

    reports = {p for p, (t, _) in articles.items() if "会议" not in t}
    return SiteSpec(
        name="trs-gbk",
        site=serve(files, "/xxgk/ndbg/", handler),
        start="/",
        reports=reports,
        attachments={pdf: "/xxgk/ndbg/2023/202402/t20240202_11.html"},
        trap_segment="ndbg",
        not_reports={"/xxgk/ndbg/2021/202202/t20220203_32.html"},
        report_lists={summary},
    )


# --- 3. Hanweb jcms: datastore, dataproxy.jsp paging, xxgkAnnualReport.jsp -----------------

HANWEB_FORM = {
    "col": "1",
    "appid": "1",
    "webid": "7",
    "path": "/",
    "columnid": "200",
    "sourceContentType": "1",
    "unitid": "5001",
    "webname": "某县人民政府",
    "permissiontype": "0",
}


def hanweb_site() -> SiteSpec:
    files = Files()
    records = [
        ("/art/2024/1/20/art_200_9.html", "某县2023年政府信息公开工作年度报告", "2024-01-20"),
        ("/art/2024/1/18/art_200_8.html", "关于公布2024年春节值班安排的通知", "2024-01-18"),
        ("/art/2023/1/20/art_200_7.html", "某县2022年政府信息公开工作年度报告", "2023-01-20"),
        ("/art/2022/1/20/art_200_6.html", "某县2021年政府信息公开工作年度报告", "2022-01-20"),
        ("/art/2021/1/20/art_200_5.html", "某县2020年政府信息公开工作年度报告", "2021-01-20"),
        ("/art/2020/1/20/art_200_4.html", "某县2019年政府信息公开工作年度报告", "2020-01-20"),
        ("/art/2019/1/20/art_200_3.html", "某县2018年政府信息公开工作年度报告", "2019-01-20"),
        ("/art/2018/12/1/art_200_2.html", "关于开展政务公开检查的通知", "2018-12-01"),
        ("/art/2018/1/20/art_200_1.html", "某县2017年政府信息公开工作年度报告", "2018-01-20"),
    ]
    static = 3  # records inline in the column page; jpage perPage is 3 too
    annual = {
        "2023": [
            (
                "/art/2024/2/1/art_5001_11.html",
                "县教育局2023年政府信息公开工作年度报告",
                "2024-02-01",
            ),
            (
                "/art/2024/2/2/art_5001_12.html",
                "县民政局2023年政府信息公开工作年度报告",
                "2024-02-02",
            ),
        ],
        "2022": [
            (
                "/art/2023/2/1/art_5001_21.html",
                "县教育局2022年政府信息公开工作年度报告",
                "2023-02-01",
            ),
            (
                "/art/2023/2/2/art_5001_22.html",
                "县民政局2022年政府信息公开工作年度报告",
                "2023-02-02",
            ),
        ],
    }
    guide = ("/art/2023/6/1/art_300_1.html", "某县人民政府政府信息公开指南", "2023-06-01")
    pdf = files.pdf("/picture/0/2401201200.pdf", "County 2023 report (Hanweb)")
    docx = files.docx("/picture/0/2301201200.docx", ["某县2022年政府信息公开工作年度报告"])
    articles = {u: (t, d) for u, t, d in records}
    for items in annual.values():
        articles.update({u: (t, d) for u, t, d in items})
    articles[guide[0]] = guide[1:]

    def record(u: str, t: str, d: str) -> str:
        return f'<record><![CDATA[<li><a href="{u}" title="{t}">{t}</a><span>{d}</span></li>]]></record>'

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return html_reply(
                page(
                    "某县人民政府",
                    "<a href='/col/col100/index.html'>政府信息公开</a> <a href='/col/col900/index.html'>新闻动态</a>",
                )
            )
        if p == "/col/col100/index.html":
            body = (
                "<a href='/col/col200/index.html'>政府信息公开年报</a> "
                "<a href='/col/col300/index.html'>政府信息公开指南</a> "
                "<a href='/module/xxgk/xxgkAnnualReport.jsp?area=11370829&amp;fbtime=2023'>部门年报</a> "
                + traps_and_bait(req.base, port, "/col/col200")
            )
            return html_reply(page("政府信息公开", body))
        if p == "/col/col200/index.html":
            qs = "&".join(f"{k}={v}" for k, v in HANWEB_FORM.items() if k != "sourceContentType")
            store = (
                '<div id="5001"><script type="text/xml"><datastore>'
                f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&{qs}"></a>]]></nextgroup>'
                "<recordset>" + "".join(record(*r) for r in records[:static]) + "</recordset>"
                "</datastore></script></div>"
                "<script>$(function(){$('#5001').jpage({dataStore: dataStore, perPage: 3, "
                f"totalRecord: {len(records)}, proxyUrl: '/module/web/jpage/dataproxy.jsp', "
                "columnid: 200, unitid: 5001});});</script>"
            )
            return html_reply(
                page(
                    "政府信息公开年报", store, head="<meta name='generator' content='Hanweb jcms'>"
                )
            )
        if p == "/col/col300/index.html":
            store = (
                '<div id="5002"><script type="text/xml"><datastore><recordset>'
                + record(*guide)
                + "</recordset></datastore></script></div>"
                "<script>$('#5002').jpage({perPage: 15, totalRecord: 1});</script>"
            )
            return html_reply(page("指南", store))
        if p == "/module/web/jpage/dataproxy.jsp":
            if (
                req.method != "POST"
                or req.form.get("columnid") != "200"
                or req.form.get("unitid") != "5001"
            ):
                return Reply(400, "text/plain", b"bad form")
            start, end = int(req.query["startrecord"]), int(req.query["endrecord"])
            chunk = records[start - 1 : end]
            xml = (
                "<?xml version='1.0' encoding='UTF-8'?><datastore><nextgroup></nextgroup>"
                f"<totalrecord>{len(records)}</totalrecord><recordset>"
                + "".join(record(*r) for r in chunk)
                + "</recordset></datastore>"
            )
            return Reply(200, "text/xml; charset=utf-8", xml.encode())
        if p == "/module/xxgk/xxgkAnnualReport.jsp":
            year = req.query.get("fbtime", "2023")
            if req.query.get("area") != "11370829" or year not in annual:
                return Reply(
                    200, "text/html; charset=utf-8", page("年报", "<p>暂无数据</p>").encode()
                )
            opts = "".join(f"<option value='{y}'>{y}</option>" for y in annual)
            lis = "".join(_li(u, t, d) for u, t, d in annual[year])
            body = (
                f"<form action='/module/xxgk/xxgkAnnualReport.jsp?area=11370829&amp;fbtime={year}'>"
                f"<select name='fbtime'>{opts}</select></form><ul>{lis}</ul>"
            )
            return html_reply(page("部门年报", body))
        if p in articles:
            title, date = articles[p]
            att = {
                "/art/2024/1/20/art_200_9.html": [(pdf, "某县2023年年报.pdf")],
                "/art/2023/1/20/art_200_7.html": [(docx, "某县2022年年报.docx")],
            }.get(p, [])
            return html_reply(report_page(title, date, att))
        return None

    reports = {p for p, (t, _) in articles.items() if "通知" not in t}
    return SiteSpec(
        name="hanweb",
        site=serve(files, None, handler),
        start="/",
        reports=reports,
        attachments={pdf: "/art/2024/1/20/art_200_9.html", docx: "/art/2023/1/20/art_200_7.html"},
        trap_segment="col200",
        not_reports={"/art/2024/1/18/art_200_8.html", "/art/2018/12/1/art_200_2.html"},
    )


# --- 4. gkmlpt JSON list API ----------------------------------------------------------------


def gkmlpt_site() -> SiteSpec:
    files = Files()
    reports = [
        (
            f"/gkmlpt/content/2/2751/post_{1000 + i}.html",
            f"某市{2023 - i}年政府信息公开工作年度报告",
            1706000000 - i * 31536000,
        )
        for i in range(7)
    ]
    guide = ("/gkmlpt/content/2/2752/post_2001.html", "某市人民政府政府信息公开指南", 1690000000)
    notices = [
        (f"/gkmlpt/content/1/12/post_{3000 + i}.html", f"关于第{i}批项目的公示", 1700000000)
        for i in range(5)
    ]
    pdf = files.pdf("/attachment/0/1/1001.pdf", "City 2023 report (gkmlpt)")
    columns = {"2751": reports, "2752": [guide], "12": notices}
    articles = {u: (t, ts) for items in columns.values() for u, t, ts in items}
    per_page = 3

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return html_reply(page("某市人民政府", "<a href='/gkmlpt/index'>政府信息公开</a>"))
        if p == "/gkmlpt/index":
            body = (
                "<script>var SID = '757001';</script><div id='app'></div>"
                "<a href='/gkmlpt/index#2751'>政府信息公开年报</a> <a href='/gkmlpt/index#2752'>政府信息公开指南</a> "
                "<a href='/gkmlpt/index#12'>公示公告</a> "
                + traps_and_bait(req.base, port, "gkmlpt")
            )
            return html_reply(page("政府信息公开目录", body))
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", p)
        if m and m.group(1) in columns and req.query.get("sid") == "757001":
            items = columns[m.group(1)]
            n = int(req.query.get("page", "1"))
            chunk = items[(n - 1) * per_page : n * per_page]
            data = {
                "total": len(items),
                "page": n,
                "articles": [
                    {
                        "id": u.rsplit("_", 1)[-1],
                        "title": t,
                        "url": req.base + u,
                        "first_publish_time": ts,
                    }
                    for u, t, ts in chunk
                ],
            }
            # gzip-encoded, as real list APIs answer: the browser hands over the decoded
            # body, so the archived headers must not keep the encoded Content-Length.
            return Reply(
                200,
                "application/json; charset=utf-8",
                gzip.compress(json.dumps(data, ensure_ascii=False).encode()),
                (("Content-Encoding", "gzip"),),
            )
        if p in articles:
            title, _ = articles[p]
            att = [(pdf, "附件.pdf")] if p.endswith("post_1000.html") else []
            return html_reply(report_page(title, "2024-01-01", att))
        return None

    return SiteSpec(
        name="gkmlpt",
        site=serve(files, None, handler),
        start="/",
        reports={u for u, _, _ in reports} | {guide[0]},
        attachments={pdf: reports[0][0]},
        trap_segment="gkmlpt",
        not_reports={u for u, _, _ in notices},
    )


# --- 5. Fujian platform: TRS static page 1 + POST /fjdzapp/search (the real Pingtan page) ---

PINGTAN_REST = [
    (
        "201501/t20150120_80791.htm",
        "平潭综合实验区管委会2014年度政府信息公开工作年度报告",
        "2015-01-20",
    ),
    ("201412/t20141205_80787.htm", "关于2014年政府信息公开工作要点落实情况的函", "2014-12-05"),
    ("201402/t20140220_80774.htm", "平潭综合实验区地方税务局2013年信息公开年度报告", "2014-02-20"),
    ("201403/t20140310_80759.htm", "平潭综合实验区2013年政府信息公开工作年度报告", "2014-03-10"),
    ("201401/t20140115_80754.htm", "平潭县人民政府2013年政府信息公开工作年度报告", "2014-01-15"),
    ("201302/t20130220_80734.htm", "平潭综合实验区2012年政府信息公开工作年度报告", "2013-02-20"),
    ("201301/t20130115_80725.htm", "平潭县人民政府2012年政府信息公开工作年度报告", "2013-01-15"),
    ("201204/t20120401_80716.htm", "平潭县人民政府2011年政府信息公开工作年度报告", "2012-04-01"),
    ("201204/t20120405_80678.htm", "平潭综合实验区2011年政府信息公开工作年度报告", "2012-04-05"),
    ("201601/t20160115_80445.htm", "平潭综合实验区2015年度政府信息公开工作年度报告", "2016-01-15"),
]
# Saved real pages of three reports and the letter (tests/fixtures/corpus/pingtan).
PINGTAN_SAVED = {
    "87885": "zfxxgknb/202403/87885_平潭综合实验区2023年度政府信息公开工作年度报告/page.html",
    "80576": "zfxxgknb/202001/80576_平潭综合实验区2019年度政府信息公开工作年度报告/page.html",
    "80678": "zfxxgknb/201204/80678_平潭综合实验区2011年政府信息公开工作年度报告/page.html",
    "80787": "zfxxgknb/201412/80787_关于2014年政府信息公开工作要点落实情况的函/page.html",
}


def fjsearch_site() -> SiteSpec:
    files = Files()
    col = "/zwgk/zfxxgk/zfxxgknb/"
    listing = (CORPUS / "zfxxgknb" / "_lists" / "index.html").read_bytes()
    static_items = re.findall(rb'href="\./(\d{6}/t\d{8}_\d+\.htm)"[^>]*title="([^"]+)"', listing)
    articles: dict[str, str] = {col + h.decode(): t.decode() for h, t in static_items}
    articles.update({col + h: t for h, t, _ in PINGTAN_REST})
    guide_col = "/zwgk/zfxxgk/zfxxgkzn/"
    guide = guide_col + "202311/t20231120_51587.htm"
    articles[guide] = "平潭综合实验区政府信息公开指南"

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return html_reply(page("平潭", "<a href='/zwgk/zfxxgk/'>政府信息公开</a>"))
        if p == "/zwgk/zfxxgk/":
            body = (
                "<a href='zfxxgknb/'>政府信息公开年报</a> <a href='zfxxgkzn/'>政府信息公开指南</a> "
                + traps_and_bait(req.base, port, "zfxxgknb")
            )
            return html_reply(page("政府信息公开", body))
        if p in (col, col + "index.htm"):
            return Reply(200, "text/html; charset=utf-8", listing)
        if p == guide_col:
            # Declares 3 records, shows 1; the search API has nothing more: a real shortfall.
            body = (
                "<ul>"
                + _li("202311/t20231120_51587.htm", "平潭综合实验区政府信息公开指南", "2023-11-20")
                + "</ul><script>var SiteInfo = {searchId: 200210};"
                "require(['list2.trsapi'], function(listModel){listModel({listArgs: {channelid: "
                'SiteInfo.searchId, classsql: "chnlid=1814"}, pagebar: {prepage: 1, '
                "recordCount: '3'}});});</script>"
            )
            return html_reply(page("政府信息公开指南", body))
        if p == "/fjdzapp/search":
            if req.method != "POST" or req.form.get("channelid") != "200210":
                return Reply(400, "application/json", b'{"code":1}')
            rows = []
            if req.form.get("classsql") == "chnlid=1813" and req.form.get("page") == "2":
                rows = [
                    {"doctitle": t, "chnldocurl": req.base + col + h, "docreltime": d + " 09:00:00"}
                    for h, t, d in PINGTAN_REST
                ]
            total = 20 if req.form.get("classsql") == "chnlid=1813" else 3
            data = {"code": 0, "data": {"total": total, "rows": rows}}
            return Reply(
                200, "application/json;charset=UTF-8", json.dumps(data, ensure_ascii=False).encode()
            )
        if p in articles:
            docid = p.rsplit("_", 1)[-1].split(".")[0]
            if docid in PINGTAN_SAVED:
                return Reply(
                    200, "text/html; charset=utf-8", (CORPUS / PINGTAN_SAVED[docid]).read_bytes()
                )
            return html_reply(report_page(articles[p], "2020-01-01"))
        return None

    reports = {p for p, t in articles.items() if "函" not in t}
    return SiteSpec(
        name="fjsearch",
        site=serve(files, None, handler),
        start="/",
        reports=reports,
        attachments={},
        trap_segment="zfxxgknb",
        not_reports={col + "201412/t20141205_80787.htm"},
        shortfalls={guide_col: (3, 1)},
    )


# --- 6. A list that exists only after JavaScript runs ---------------------------------------

JS_LIST = b"""
var rows = null;
fetch('/api/ndbg.json').then(function (r) { return r.json(); }).then(function (d) {
  rows = d.list;  // drawn at the next tick of the page's timer, not by the answer itself
});
function draw() {
  var ul = document.getElementById('report-list');
  rows.forEach(function (x) {
    var li = document.createElement('li');
    var a = document.createElement('a');
    a.href = x.url; a.title = x.title; a.textContent = x.title;
    var s = document.createElement('span'); s.textContent = x.date;
    li.appendChild(a); li.appendChild(s); ul.appendChild(li);
  });
  rows = null;
}
// A visitor counter that polls for ever: the page never becomes network-idle.
setInterval(function () {
  fetch('/api/ping.json');
  if (rows) { draw(); }
}, 300);
"""
# The list API answers only after the page has polled this many times (a slow API, at
# least 15 x 300 ms): longer than any fixed settle wait short enough to be worth having,
# so a render that stopped at a timer would miss the list whatever the machine's speed.
LIST_AFTER_PINGS = 15


def jsonly_site() -> SiteSpec:
    files = Files()
    items = [
        (
            f"/xxgk/ndbg/2024{i:02d}/t2024{i:02d}10_{i}.html",
            f"某镇{2024 - i}年政府信息公开工作年度报告",
            f"2024-{i:02d}-10",
        )
        for i in range(1, 5)
    ]
    pdf = files.pdf("/xxgk/ndbg/202401/P1.pdf", "Town 2023 report (script list)")
    articles = {u: (t, d) for u, t, d in items}
    pings = [0]
    polled = threading.Condition()

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return html_reply(
                page(
                    "某镇人民政府",
                    "<a href='/xxgk/ndbg/'>信息公开年报</a> <a href='/xxgk/'>信息公开</a>",
                )
            )
        if p == "/xxgk/":
            return html_reply(
                page(
                    "信息公开",
                    "<a href='/xxgk/ndbg/'>政府信息公开年报</a>"
                    + traps_and_bait(req.base, port, "ndbg"),
                )
            )
        if p == "/xxgk/ndbg/":
            body = (
                "<h2>政府信息公开年报</h2><ul id='report-list'></ul>"
                "<script src='/static/list.js'></script>"
                # What the browser must not fetch: another host, and images.
                f"<script src='http://localhost:{port}/outside/track.js'></script>"
                "<img src='/static/banner.jpg'>"
            )
            return html_reply(page("政府信息公开年报", body))
        if p == "/static/list.js":
            return Reply(200, "application/javascript", JS_LIST)
        if p == "/api/ping.json":
            with polled:
                pings[0] += 1
                polled.notify_all()
            return Reply(200, "application/json", b'{"visits": 1}')
        if p == "/api/ndbg.json":
            with polled:  # bounded: a crawl that stopped polling gets its answer anyway
                polled.wait_for(lambda: pings[0] >= LIST_AFTER_PINGS, timeout=60)
            data = {
                "total": len(items),
                "list": [{"title": t, "url": u, "date": d} for u, t, d in items],
            }
            # gzip-encoded, as real list APIs answer: the browser hands over the decoded
            # body, so the archived headers must not keep the encoded Content-Length.
            return Reply(
                200,
                "application/json; charset=utf-8",
                gzip.compress(json.dumps(data, ensure_ascii=False).encode()),
                (("Content-Encoding", "gzip"),),
            )
        if p in articles:
            title, date = articles[p]
            att = [(pdf, "附件.pdf")] if p == items[0][0] else []
            return html_reply(report_page(title, date, att))
        return None

    return SiteSpec(
        name="jsonly",
        site=serve(files, None, handler),
        start="/",
        reports=set(articles),
        attachments={pdf: items[0][0]},
        trap_segment="ndbg",
        render_paths={"/xxgk/ndbg/"},
    )


# --- 7. UCAP: year sub-columns under the report heading, createPageHTML('page_div', ...) ---


def ucap_site() -> SiteSpec:
    files = Files()
    years = {
        "2024": [
            [
                ("202401/1001.shtml", "某省教育厅2024年政府信息公开工作年度报告", "2025-01-20"),
                ("202401/1002.shtml", "某省教育考试院2024年政府信息公开工作年度报告", "2025-01-21"),
            ],
            [("202401/1003.shtml", "某省电化教育馆2024年政府信息公开工作年度报告", "2025-01-22")],
        ],
        "2023": [
            [
                ("202301/1004.shtml", "某省教育厅2023年政府信息公开工作年度报告", "2024-01-20"),
                ("202301/1005.shtml", "关于做好2024年春季开学工作的通知", "2024-01-21"),
            ]
        ],
    }
    articles: dict[str, tuple[str, str]] = {}
    for y, pages in years.items():
        for pg in pages:
            for href, title, date in pg:
                articles[f"/jyt/c{y}/{href}"] = (title, date)
    guide = "/jyt/czn/202301/2001.shtml"
    articles[guide] = ("某省教育厅政府信息公开指南", "2023-01-05")

    def handler(req: Request) -> Reply | None:
        p, port = req.path, urlsplit(req.base).port or 0
        if p == "/":
            return html_reply(page("某省教育厅", "<a href='/jyt/zwgk.shtml'>政府信息公开</a>"))
        if p == "/jyt/zwgk.shtml":
            year_links = "".join(
                f"<li><span>·</span><a href='/jyt/c{y}/zwgklist.shtml'>{y}</a></li>" for y in years
            )
            body = (
                "<div class='left'><h3><div>政府信息<br>公开年报</div></h3>"
                f"<ul id='nb_list'>{year_links}</ul>"
                "<h3><div>政府信息<br>公开指南</div></h3>"
                "<ul><li><a href='/jyt/czn/zwgk.shtml'>政府信息公开指南</a></li></ul></div>"
                + traps_and_bait(req.base, port, "jyt")
            )
            return html_reply(page("政府信息公开", body))
        m = re.fullmatch(r"/jyt/c(\d{4})/zwgklist(?:_(\d))?\.shtml", p)
        if m and m.group(1) in years:
            pages = years[m.group(1)]
            n = int(m.group(2) or 1)
            if n > len(pages):
                return None
            lis = "".join(_li(f"/jyt/c{m.group(1)}/{h}", t, d) for h, t, d in pages[n - 1])
            total = sum(len(pg) for pg in pages)
            bar = (
                "<div id='page_div'></div><script>"
                f"createPageHTML('page_div',{len(pages)}, {n},'zwgklist','shtml',{total});</script>"
            )
            return html_reply(page("年报", f"<ul class='jytxxgklist'>{lis}</ul>{bar}"))
        if p == "/jyt/czn/zwgk.shtml":
            return html_reply(
                page(
                    "指南",
                    "<ul>" + _li(guide, "某省教育厅政府信息公开指南", "2023-01-05") + "</ul>",
                )
            )
        if p in articles:
            title, date = articles[p]
            return html_reply(report_page(title, date))
        return None

    return SiteSpec(
        name="ucap",
        site=serve(files, None, handler),
        start="/",
        reports={p for p, (t, _) in articles.items() if "通知" not in t},
        attachments={},
        trap_segment="jyt",
        not_reports={"/jyt/c2023/202301/1005.shtml"},
    )


ALL_SITES: tuple[Callable[[], SiteSpec], ...] = (
    trs_site,
    trs_gbk_site,
    hanweb_site,
    gkmlpt_site,
    fjsearch_site,
    jsonly_site,
    ucap_site,
)
