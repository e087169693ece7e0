"""Malformed hrefs (``http://[::1/...``) are skipped; the page's records are never lost to them."""

from __future__ import annotations

from normalise import SourcePage
from normalise.pipeline import analyse_page

REPORT = """<html><head><meta charset="utf-8">{base}
<title>某某县人民政府2023年政府信息公开工作年度报告</title></head><body>
<div class="article"><h1>某某县人民政府2023年政府信息公开工作年度报告</h1>
<p>发布时间:2024-01-20</p>
<div class="TRS_Editor">
<p>一、总体情况</p><p>2023年,某某县人民政府认真贯彻落实政府信息公开条例,主动公开政府信息。</p>
<p>二、主动公开政府信息情况</p><p>全年主动公开政府信息1234条,其中规范性文件12件,政策解读材料56篇,回应社会关切78次。</p>
<p>三、收到和处理政府信息公开申请情况</p><p>全年共收到政府信息公开申请90件,均已按期答复。</p>
<p><a href="http://[::1/a.pdf">附件:年报.pdf</a> <a href="/files/ok.pdf">附件:统计表.pdf</a></p>
</div></div></body></html>"""


def test_malformed_attachment_link_is_skipped_not_fatal() -> None:
    body = REPORT.format(base="").encode()
    result = analyse_page(SourcePage(url="http://www.example.gov.cn/a/t1.html", body=body))
    assert [r.report_year for r in result.records] == [2023]
    urls = [att["url"] for att in result.records[0].attachments]
    assert urls == ["http://www.example.gov.cn/files/ok.pdf"]


def test_malformed_base_href_falls_back_to_the_page_url() -> None:
    body = REPORT.format(base='<base href="http://[::1/">').encode()
    result = analyse_page(SourcePage(url="http://www.example.gov.cn/a/t1.html", body=body))
    assert [att["url"] for att in result.records[0].attachments] == [
        "http://www.example.gov.cn/files/ok.pdf"
    ]


LISTING = """<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul>
{items}
<li><a href="http://[::1/bad.html">某某县2016年政府信息公开工作年度报告</a><span>2017-01-20</span></li>
</ul></body></html>"""


def test_malformed_listing_link_is_skipped() -> None:
    items = "\n".join(
        f'<li><a href="./t{y}.html">某某县{y}年政府信息公开工作年度报告</a>'
        f"<span>{y + 1}-01-20</span></li>"
        for y in range(2017, 2024)
    )
    body = LISTING.format(items=items).encode()
    result = analyse_page(SourcePage(url="http://www.example.gov.cn/gknb/index.html", body=body))
    assert result.page_kind == "listing"
    assert len(result.listing) == 7
    assert all("[::1" not in e.url for e in result.listing)
