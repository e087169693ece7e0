"""Platform parsers on real saved portal pages (tests/fixtures/corpus) and platform snippets."""

from __future__ import annotations

import json
from pathlib import Path

from spiders.classify import SCORE_YEAR_COLUMN, classify_title, nav_score
from spiders.platforms import parse_api, parse_page
from spiders.platforms.detect import detect
from spiders.platforms.hanweb import annual_report_requests
from spiders.urls import extract_anchors, parse_html

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus"
PT_COLUMN = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def _read(rel: str) -> str:
    return (CORPUS / rel).read_bytes().decode("utf-8", "replace")


def test_pingtan_column_declares_20_holds_10_and_names_search_api() -> None:
    listing = parse_page(_read("pingtan/zwgk/zfxxgk/zfxxgknb/_lists/index.html"), PT_COLUMN)
    assert "fjsearch" in detect(_read("pingtan/zwgk/zfxxgk/zfxxgknb/_lists/index.html"))
    docs = [i for i in listing.items if "/t20" in i.url]
    assert len(docs) == 10
    assert listing.declared_total == 20
    assert all(classify_title(i.title) == "annual_report" for i in docs)
    first = docs[0]
    assert first.url == PT_COLUMN + "202603/t20260313_105587.htm"
    assert first.date == "2026-03-10"
    # The rest of the column: page 2 of the site's document search, filtered to the column.
    (req,) = listing.pages
    assert req.url == "https://www.pingtan.gov.cn/fjdzapp/search"
    assert req.method == "POST"
    assert req.expects == "json"
    form = dict(req.formdata)
    assert form["channelid"] == "200210"
    assert form["classsql"] == "chnlid=1813"
    assert form["page"] == "2"


def test_pingtan_search_answer_is_read_whatever_its_envelope() -> None:
    body = json.dumps(
        {
            "code": 0,
            "data": {
                "total": 20,
                "rows": [
                    {
                        "doctitle": "平潭县人民政府2011年政府信息公开工作年度报告",
                        "chnldocurl": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201204/t20120401_80716.htm",
                        "docreltime": "2012-04-01 10:00:00",
                    }
                ],
            },
        },
        ensure_ascii=False,
    ).encode()
    listing = parse_api(
        "fjsearch", body, "https://www.pingtan.gov.cn/fjdzapp/search", column=PT_COLUMN
    )
    (item,) = listing.items
    assert item.title.startswith("平潭县人民政府2011年")
    assert item.date == "2012-04-01"
    assert listing.declared_total == 20


def test_hanweb_jpaas_page_embeds_its_first_page() -> None:
    url = "http://sthjt.jiangxi.gov.cn/jxssthjt/col/col42150/index.html"
    listing = parse_page(_read("listings/hanweb-jpaas-debug_page_1.html"), url)
    assert listing.platform == "jpaas"
    assert listing.declared_total == 444
    assert listing.script_driven
    assert len(listing.items) >= 10
    assert listing.items[0].url.endswith("/content/content_1951206363677671424.html")
    assert listing.items[0].attachments[0].endswith("WKgZu66N.pdf")


def test_ucap_page_bar_gives_pages_and_year_subcolumns_exist() -> None:
    url = "https://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml"
    text = _read("listings/ucap-gansu-1.html")
    listing = parse_page(text, url)
    assert "ucap" in detect(text)
    assert listing.declared_total == 200
    assert listing.pages[0].url == "https://jyt.gansu.gov.cn/jyt/c110634/zwgklist_2.shtml"
    assert len(listing.pages) == 9


HANWEB_COLUMN = (
    '<html><body><div id="5678"><script type="text/xml"><datastore><nextgroup><![CDATA['
    '<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=1234'
    '&unitid=5678&webname=%E5%8E%BF&permissiontype=0"></a>]]></nextgroup><recordset>'
    '<record><![CDATA[<li><a href="/art/2024/1/15/art_1234_1.html" '
    'title="县2023年政府信息公开工作年度报告">县2023年…</a><span>2024-01-15</span></li>]]>'
    '</record><record><![CDATA[<li><a href="/art/2024/1/10/art_1234_2.html">通知</a>'
    "<span>2024-01-10</span></li>]]></record></recordset></datastore></script></div>"
    "<script>$('#5678').jpage({perPage: 2, totalRecord: 11, "
    "proxyUrl: '/module/web/jpage/dataproxy.jsp'});</script></body></html>"
)


def test_hanweb_datastore_and_dataproxy_paging() -> None:
    url = "http://www.x.gov.cn/col/col1234/index.html"
    listing = parse_page(HANWEB_COLUMN, url)
    assert listing.platform == "hanweb"
    assert [i.date for i in listing.items] == ["2024-01-15", "2024-01-10"]
    assert listing.items[0].title == "县2023年政府信息公开工作年度报告"
    assert listing.declared_total == 11
    # Records 3..11 in groups of three pages (6 records): 3-8, 9-11.
    assert [p.url.split("?", 1)[1] for p in listing.pages] == [
        "startrecord=3&endrecord=8&perpage=2",
        "startrecord=9&endrecord=11&perpage=2",
    ]
    form = dict(listing.pages[0].formdata)
    assert form["columnid"] == "1234"
    assert form["unitid"] == "5678"
    assert form["webid"] == "3"
    answer = (
        b"<datastore><totalrecord>11</totalrecord><recordset>"
        b'<record><![CDATA[<li><a href="/art/2023/1/1/art_1234_9.html">x</a></li>]]></record>'
        b"</recordset></datastore>"
    )
    more = parse_api("hanweb", answer, listing.pages[0].url, column=listing.column)
    assert more.items[0].url == "http://www.x.gov.cn/art/2023/1/1/art_1234_9.html"


def test_hanweb_annual_report_module_one_request_per_year() -> None:
    text = (
        '<form action="/module/xxgk/xxgkAnnualReport.jsp?area=11370829&fbtime=2023">'
        '<select name="fbtime"><option value="2022">2022</option>'
        '<option value="2023">2023</option></select></form>'
    )
    reqs = annual_report_requests(text, "http://www.x.gov.cn/col/col1/index.html")
    assert sorted(r.url for r in reqs) == [
        "http://www.x.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370829&fbtime=2022",
        "http://www.x.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370829&fbtime=2023",
    ]


def test_gkmlpt_columns_become_api_requests_and_pages() -> None:
    html = (
        "<html><script>var SID = '757001';</script><body>"
        '<a href="/gkmlpt/index#2751">政府信息公开年报</a><a href="/gkmlpt/index#12">通知公告</a>'
        "</body></html>"
    )
    listing = parse_page(html, "http://www.x.gov.cn/gkmlpt/index")
    assert listing.platform == "gkmlpt"
    texts = {c.text: c.request.url for c in listing.columns}
    assert texts["政府信息公开年报"] == "http://www.x.gov.cn/gkmlpt/api/all/2751?page=1&sid=757001"
    body = json.dumps(
        {
            "total": 5,
            "articles": [
                {
                    "title": f"a{i}",
                    "url": f"/gkmlpt/content/0/{i}/post_{i}.html",
                    "first_publish_time": 1700000000,
                }
                for i in range(2)
            ],
        }
    ).encode()
    api = parse_api("gkmlpt", body, texts["政府信息公开年报"], column="c")
    assert api.declared_total == 5
    assert [p.url for p in api.pages] == [
        "http://www.x.gov.cn/gkmlpt/api/all/2751?page=2&sid=757001",
        "http://www.x.gov.cn/gkmlpt/api/all/2751?page=3&sid=757001",
    ]
    assert api.items[0].date == "2023-11-15"


def test_trs_create_page_html_gives_static_pages() -> None:
    html = (
        '<html><body><ul><li><a href="./202401/t20240115_11.html">'
        "县2023年政府信息公开工作年度报告</a>"
        "<span>2024-01-15</span></li></ul>"
        '<script>createPageHTML(3, 0, "index", "html");</script></body></html>'
    )
    listing = parse_page(html, "http://www.x.gov.cn/zfxxgk/gknb/index.html")
    assert listing.platform == "trs"
    assert [p.url for p in listing.pages] == [
        "http://www.x.gov.cn/zfxxgk/gknb/index_1.html",
        "http://www.x.gov.cn/zfxxgk/gknb/index_2.html",
    ]
    assert listing.items[0].url == "http://www.x.gov.cn/zfxxgk/gknb/202401/t20240115_11.html"


def test_script_only_list_is_flagged_and_static_list_is_not() -> None:
    js_only = (
        '<html><body><ul id="report-list"></ul><script src="/js/list.js"></script></body></html>'
    )
    assert parse_page(js_only, "http://www.x.gov.cn/ndbg/").script_driven
    static = '<html><body><ul id="list"><li><a href="/a.html">x</a></li></ul></body></html>'
    assert not parse_page(static, "http://www.x.gov.cn/ndbg/").script_driven


def test_a_fixed_platform_skips_fingerprint_detection() -> None:
    text = _read("pingtan/zwgk/zfxxgk/zfxxgknb/_lists/index.html")
    listing = parse_page(text, PT_COLUMN, ["trs", "generic"])
    assert listing.platform == "trs"
    assert listing.pages == ()  # the Fujian search API is not used when TRS is fixed
    assert len([i for i in listing.items if "/t20" in i.url]) == 10


def test_ucap_year_links_under_the_report_heading_are_year_subcolumns() -> None:
    tree = parse_html(_read("listings/ucap-gansu-1.html"))
    assert tree is not None
    anchors = extract_anchors(tree, "https://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml")
    by_url = {a.url: a for a in anchors}
    year_2024 = by_url["https://jyt.gansu.gov.cn/jyt/c250121/zwgklist.shtml"]
    assert year_2024.text == "2024"
    assert nav_score(year_2024).score >= SCORE_YEAR_COLUMN
    years = [a for a in anchors if nav_score(a).rule == "text:year-subcolumn"]
    assert len(years) == 17  # 2008..2024


def test_api_answers_in_gbk_are_decoded() -> None:
    title = "某县2023年政府信息公开工作年度报告"
    xml = (
        '<?xml version="1.0" encoding="GBK"?><datastore><totalrecord>1</totalrecord><recordset>'
        f'<record><![CDATA[<li><a href="/art/2024/1/1/art_1_1.html">{title}</a></li>]]></record>'
        "</recordset></datastore>"
    ).encode("gbk")
    url = "http://www.x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=3&perpage=1"
    assert parse_api("hanweb", xml, url, column="c").items[0].title == title
    body = json.dumps(
        {"total": 1, "data": [{"title": title, "url": "/a/t1.html"}]}, ensure_ascii=False
    ).encode("gbk")
    assert parse_api("fjsearch", body, "http://www.x.gov.cn/s", column="c").items[0].title == title


def test_hanweb_page_with_a_sidebar_list_pages_only_its_own_column() -> None:
    def store(unit: str, col: str, n: int) -> str:
        recs = "".join(
            f'<record><![CDATA[<li><a href="/art/2024/1/{i}/art_{col}_{i}.html">x{i}</a></li>]]>'
            "</record>"
            for i in range(1, n + 1)
        )
        return (
            f'<div id="{unit}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="'
            f'/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid={col}&unitid={unit}">'
            f"</a>]]></nextgroup><recordset>{recs}</recordset></datastore></script></div>"
        )

    html = (
        "<html><body>"
        + store("900", "77", 5)
        + store("5001", "200", 2)
        + "<script>$('#900').jpage({perPage: 5, totalRecord: 400});"
        "$('#5001').jpage({perPage: 2, totalRecord: 4});</script></body></html>"
    )
    listing = parse_page(html, "http://www.x.gov.cn/col/col200/index.html")
    assert listing.declared_total == 4
    assert len(listing.items) == 7  # both lists' records are read
    (page,) = listing.pages
    assert page.url.endswith("startrecord=3&endrecord=4&perpage=2")
    assert dict(page.formdata)["unitid"] == "5001"
