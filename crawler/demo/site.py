"""The demo county portal's content: every path it serves, built from the bundled seed texts.

A small but realistic TRS-style county portal (演示县人民政府): home page, 政务公开 →
政府信息公开 → 政府信息公开年报 (two listing pages, paginated with TRS's
``createPageHTML``), a 政府信息公开指南 column, a news section without reports, a broken
link (404), a redirect (``/zwgk`` → ``/zwgk/``), robots.txt with a disallowed search path,
and report pages that wrap the five seed texts in CMS chrome (title, 发布时间,
breadcrumbs, footer). Seed 001 is one page holding a 指南 and eight annual reports;
seed 002 is served in GBK and declared as gb2312. Pure data: serving is ``server.py``.
"""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass, field
from importlib.resources import files

PORTAL_NAME = "演示县人民政府"
NB = "/zwgk/zfxxgk/zfxxgknb/"
ZN = "/zwgk/zfxxgk/zfxxgkzn/"
LISTING_PAGE_SIZE = 3


@dataclass(frozen=True, slots=True)
class Page:
    """One response of the portal: status, headers, body bytes and how to send it."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    gzip: bool = False  # gzip when the client accepts it
    chunked: bool = False  # send with Transfer-Encoding: chunked
    last_modified: str = "Tue, 30 Jan 2024 01:30:00 GMT"


@dataclass(frozen=True, slots=True)
class SeedPage:
    """A report page of the demo portal built from one seed text."""

    seed: str  # file name in crawler/demo/data/
    path: str
    title: str
    date: str  # what 发布时间 and the listing show
    source: str
    column: str  # NB or ZN
    encoding: str = "utf-8"
    declared: str = "utf-8"
    gzip: bool = False
    chunked: bool = False
    also_in: tuple[str, ...] = field(default=())


SEED_PAGES: tuple[SeedPage, ...] = (
    SeedPage(
        seed="001_9910e0f122eeadb7.txt",
        path=ZN + "202401/t20240130_1101.html",
        title="高新区行政审批服务局政府信息公开指南及2016-2023年度政府信息公开工作年度报告",
        date="2024-01-30",
        source="高新区行政审批服务局",
        column=ZN,
        also_in=(NB,),
        gzip=True,
    ),
    SeedPage(
        seed="000_4203514349d05a27.txt",
        path=NB + "202101/t20210125_1001.html",
        title="嘉祥县行政审批服务局2020年政府信息公开工作年度报告",
        date="2021-01-25",
        source="嘉祥县行政审批服务局",
        column=NB,
        gzip=True,
    ),
    SeedPage(
        seed="002_a780bcacce4add61.txt",
        path=NB + "202101/t20210120_1002.html",
        title="县政务服务管理局2020年度政府信息公开工作年度报告",
        date="2021-01-20",
        source="县政务服务管理局",
        column=NB,
        encoding="gbk",
        declared="gb2312",
    ),
    SeedPage(
        seed="004_efc90ab21be40f1a.txt",
        path=NB + "202101/t20210115_1003.html",
        title="紫阳县行政审批服务局2020年政府信息公开工作年度报告",
        date="2021-01-15",
        source="紫阳县行政审批服务局",
        column=NB,
    ),
    SeedPage(
        seed="003_c1551596faa8f8bc.txt",
        path=NB + "202001/t20200108_0901.html",
        title="鲤城区行政服务中心管委会2019年政府信息公开工作年度报告",
        date="2020-01-08",
        source="鲤城区行政服务中心管委会",
        column=NB,
        chunked=True,
    ),
)

NEWS: tuple[tuple[str, str, str], ...] = (
    ("/xwzx/202401/t20240105_2001.html", "县召开2024年经济工作会议", "2024-01-05"),
    ("/xwzx/202312/t20231218_2002.html", "我县开展冬季安全生产大检查", "2023-12-18"),
    ("/xwzx/202312/t20231201_2003.html", "县领导调研乡村振兴重点项目", "2023-12-01"),
)

NAV = (
    ("/", "首页"),
    ("/zwgk", "政务公开"),  # no trailing slash: the server redirects, as many CMSs do
    ("/xwzx/", "新闻中心"),
    ("/bsfw/", "办事服务"),
    ("/hdjl/", "互动交流"),
)

FOOTER = (
    '<div class="footer"><p>主办单位：演示县人民政府办公室　承办单位：演示县大数据中心</p>'
    "<p>地址：演示县人民路1号　邮编：000000　联系电话：0000-0000000</p>"
    "<p>网站标识码：0000000000　备案号：演ICP备00000000号　"
    '<a href="/wzdt/">网站地图</a>　<a href="/lxwm/">联系我们</a></p></div>'
)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _chrome(title: str, crumbs: list[tuple[str, str]], content: str, charset: str = "utf-8") -> str:
    nav = "".join(f'<li><a href="{href}">{_esc(text)}</a></li>' for href, text in NAV)
    crumb_html = " &gt; ".join(f'<a href="{href}">{_esc(text)}</a>' for href, text in crumbs)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>{_esc(title)}_{PORTAL_NAME}</title>\n"
        '<link rel="stylesheet" href="/css/style.css">\n'
        "</head>\n<body>\n"
        f'<div class="header"><div class="logo">{PORTAL_NAME}</div>'
        '<form class="search" action="/search/" method="get">'
        '<input name="q" placeholder="请输入关键词"><button>搜索</button></form>'
        '<a href="/search/?q=年报">年报检索</a></div>\n'
        f'<div class="nav"><ul>{nav}</ul></div>\n'
        f'<div class="position">当前位置：{crumb_html}</div>\n'
        f"{content}\n{FOOTER}\n</body>\n</html>\n"
    )


def _paragraphs(text: str) -> str:
    out = []
    for line in text.splitlines():
        if line.strip():
            out.append(f'<p style="text-indent:2em;">{_esc(line.strip())}</p>')
    return "\n".join(out)


def seed_text(name: str) -> str:
    """A bundled seed text (package data, so the demo works from an installed wheel)."""
    return files("crawler.demo").joinpath("data", name).read_text(encoding="utf-8")


def _column_crumbs(column: str) -> list[tuple[str, str]]:
    base = [("/", "首页"), ("/zwgk/", "政务公开"), ("/zwgk/zfxxgk/", "政府信息公开")]
    name = "政府信息公开年报" if column == NB else "政府信息公开指南"
    return [*base, (column, name)]


def _seed_page(sp: SeedPage) -> Page:
    article = (
        '<div class="article">\n'
        f'<h1 class="title">{_esc(sp.title)}</h1>\n'
        f'<div class="info"><span>发布时间：{sp.date} 09:30</span>'
        f"<span>来源：{_esc(sp.source)}</span>"
        '<span>【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</span></div>\n'
        f'<div class="TRS_Editor">\n{_paragraphs(seed_text(sp.seed))}\n</div>\n'
        '<div class="tools"><a href="javascript:window.print()">【打印本页】</a>'
        '<a href="javascript:window.close()">【关闭窗口】</a></div>\n</div>'
    )
    text = _chrome(sp.title, _column_crumbs(sp.column), article, charset=sp.declared)
    return Page(
        body=text.encode(sp.encoding),
        content_type=f"text/html; charset={sp.declared}",
        gzip=sp.gzip,
        chunked=sp.chunked,
    )


def _relative(base_dir: str, path: str) -> str:
    # TRS writes relative links ("./202101/t..._1001.html", "../zfxxgkzn/..."); so do we.
    rel = posixpath.relpath(path, base_dir)
    return rel if rel.startswith("../") else "./" + rel


def _listing_pages(column: str) -> dict[str, Page]:
    """TRS listing: index.html, index_1.html... with createPageHTML(count, current, ...)."""
    items = [sp for sp in SEED_PAGES if sp.column == column or column in sp.also_in]
    items.sort(key=lambda sp: sp.date, reverse=True)
    chunks = [
        items[i : i + LISTING_PAGE_SIZE] for i in range(0, len(items), LISTING_PAGE_SIZE)
    ] or [[]]
    name = dict(_column_crumbs(column))[column]
    pages: dict[str, Page] = {}
    for n, chunk in enumerate(chunks):
        rows = "\n".join(
            f'<li><a href="{_relative(column, sp.path)}" target="_blank" title="{_esc(sp.title)}">'
            f"{_esc(sp.title)}</a><span>{sp.date}</span></li>"
            for sp in chunk
        )
        content = (
            f'<div class="column"><h2>{name}</h2>\n<ul class="list">\n{rows}\n</ul>\n'
            '<div class="page"><script type="text/javascript">\n'
            f'createPageHTML({len(chunks)}, {n}, "index", "html");\n'
            "</script></div></div>"
        )
        body = _chrome(name, _column_crumbs(column), content).encode("utf-8")
        page = Page(body=body, gzip=True)
        pages[column + ("index.html" if n == 0 else f"index_{n}.html")] = page
        if n == 0:
            pages[column] = page
    return pages


def _simple(title: str, crumbs: list[tuple[str, str]], links: list[tuple[str, str]]) -> Page:
    rows = "\n".join(f'<li><a href="{href}">{_esc(text)}</a></li>' for href, text in links)
    content = f'<div class="column"><h2>{_esc(title)}</h2>\n<ul class="list">\n{rows}\n</ul></div>'
    return Page(body=_chrome(title, crumbs, content).encode("utf-8"), gzip=True)


def _news_article(title: str, date: str) -> Page:
    content = (
        f'<div class="article"><h1 class="title">{_esc(title)}</h1>'
        f'<div class="info"><span>发布时间：{date} 16:00</span>'
        "<span>来源：县融媒体中心</span></div>"
        f'<div class="TRS_Editor"><p>{_esc(title)}。会议强调，要坚持稳中求进工作总基调，'
        "扎实推动各项工作落地见效。</p></div></div>"
    )
    crumbs = [("/", "首页"), ("/xwzx/", "新闻中心")]
    return Page(body=_chrome(title, crumbs, content).encode("utf-8"))


ROBOTS_TXT = b"User-agent: *\nDisallow: /search/\nDisallow: /admin/\n"


def build_site() -> dict[str, Page]:
    """Every path the demo portal serves (query strings are ignored), mapped to its Page."""
    site: dict[str, Page] = {}
    home_links = [
        ("/zwgk/zfxxgk/", "政府信息公开"),
        (NB, "政府信息公开年报"),
        *[(path, title) for path, title, _ in NEWS],
    ]
    home = _simple(PORTAL_NAME, [("/", "首页")], home_links)
    # Two Set-Cookie headers: a session and a load-balancer cookie, as real portals send.
    site["/"] = Page(
        body=home.body,
        gzip=True,
        headers=(
            ("Set-Cookie", "JSESSIONID=D3M0C0UNTY0001; Path=/; HttpOnly"),
            ("Set-Cookie", "SERVERID=web01; Path=/"),
        ),
    )
    site["/index.html"] = site["/"]
    site["/zwgk/"] = _simple(
        "政务公开",
        [("/", "首页"), ("/zwgk/", "政务公开")],
        [("/zwgk/zfxxgk/", "政府信息公开"), ("/zwgk/zcwj/", "政策文件")],
    )
    zfxxgk = _simple(
        "政府信息公开",
        [("/", "首页"), ("/zwgk/", "政务公开"), ("/zwgk/zfxxgk/", "政府信息公开")],
        [
            (ZN, "政府信息公开指南"),
            ("/zwgk/zfxxgk/zfxxgkzd/", "政府信息公开制度"),  # broken link: 404
            ("/zwgk/zfxxgk/fdzdgknr/", "法定主动公开内容"),
            (NB, "政府信息公开年报"),
        ],
    )
    site["/zwgk/zfxxgk/"] = Page(body=zfxxgk.body, chunked=True)
    site["/zwgk/zfxxgk/fdzdgknr/"] = _simple(
        "法定主动公开内容",
        [("/", "首页"), ("/zwgk/", "政务公开"), ("/zwgk/zfxxgk/fdzdgknr/", "法定主动公开内容")],
        [("/zwgk/zcwj/", "政策文件")],
    )
    site["/zwgk/zcwj/"] = _simple(
        "政策文件", [("/", "首页"), ("/zwgk/", "政务公开"), ("/zwgk/zcwj/", "政策文件")], []
    )
    site.update(_listing_pages(NB))
    site.update(_listing_pages(ZN))
    for sp in SEED_PAGES:
        site[sp.path] = _seed_page(sp)
    site["/xwzx/"] = _simple(
        "新闻中心", [("/", "首页"), ("/xwzx/", "新闻中心")], [(p, t) for p, t, _ in NEWS]
    )
    for path, title, date in NEWS:
        site[path] = _news_article(title, date)
    site["/robots.txt"] = Page(body=ROBOTS_TXT, content_type="text/plain")
    site["/css/style.css"] = Page(
        body=b"body{font-family:SimSun,serif}.nav li{display:inline;margin:0 1em}\n",
        content_type="text/css",
    )
    site["/search/"] = Page(body=_chrome("搜索", [("/", "首页")], "<p>检索结果</p>").encode())
    return site


REDIRECTS: dict[str, str] = {"/zwgk": "/zwgk/", "/zwgk/zfxxgk": "/zwgk/zfxxgk/"}
"""Paths answered with a 301 to their slash-terminated column."""

SEED_PATHS: dict[str, str] = {sp.seed: sp.path for sp in SEED_PAGES}
"""Seed file name → path of its page on the demo portal (used by tests and the summary)."""
