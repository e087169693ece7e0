"""Attachments in records: links found per document, stub pages, and attachment records that
inherit their parent document's title, kind, year and agency (normalisation side, pure)."""

# Pages are data: long HTML lines read better unbroken.
# ruff: noqa: E501
from __future__ import annotations

import dataclasses

from normalise import ParentDocument, SourcePage
from normalise.attachments import DOCX_TYPE, PDF_TYPE
from normalise.links import attachment_type
from normalise.pipeline import normalise_page, parent_document
from tests.portals.files import make_docx, make_pdf

URL = "http://www.example.gov.cn/zwgk/ndbg/202401/t20240115_1.html"
TITLE = "某某县财政局2023年政府信息公开工作年度报告"


def _html(body: str, after: str = "", head: str = "") -> bytes:
    return (
        f"<html><head><title>{TITLE}_某某县人民政府</title>{head}</head><body>"
        "<div class='header'><a href='/images/guide.pdf'>网站使用说明.pdf</a></div>"
        f"<div class='article'><h1 class='article_title'>{TITLE}</h1>"
        "<div class='info'>发布时间：2024-01-15 09:30</div>"
        f"<div class='TRS_Editor'>{body}</div>{after}</div>"
        "<div class='related'><a href='/zwgk/other.pdf'>相关文件.pdf</a></div>"
        "<div class='footer'><a href='/footer/map.xls'>网站地图.xls</a> 版权所有</div>"
        "</body></html>"
    ).encode()


def _page(body: bytes, url: str = URL) -> SourcePage:
    return SourcePage(url=url, body=body, content_type="text/html", declared_charset="utf-8")


FULL_BODY = (
    "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>"
    "<p>一、总体情况</p><p>2023年，我局坚持以人民为中心，主动公开政府信息一百二十条。</p>"
    "<p>二、主动公开政府信息情况</p><p>详细数据如下表所示，全年无废止规章。</p>"
    + "<p>全年围绕财政预决算、政府采购、专项资金等重点领域，及时公开有关信息，回应社会关切。</p>"
    * 14
)


def test_attachment_type_by_extension_module_and_text() -> None:
    assert attachment_type("http://x.gov.cn/a/P020240308.PDF") == "pdf"
    assert attachment_type("http://x.gov.cn/module/download/downfile.jsp?filename=a.docx&i=1") == (
        "docx"
    )
    assert attachment_type("http://x.gov.cn/attach/get?id=3", "2023年报.wps") == "wps"
    assert attachment_type("http://x.gov.cn/attach/get?id=3") is None
    assert attachment_type("http://x.gov.cn/page/get?id=3", "2023年报.wps") is None
    assert attachment_type("http://x.gov.cn/a/report.html") is None


def test_attachment_block_after_the_body_belongs_to_the_document() -> None:
    after = (
        "<div class='article_attachment'><ul id='file_ul_fj'>"
        "<li><a href='P020240115.pdf' title='某某县财政局2023年年报.pdf'>附件1</a></li>"
        "<li><a href='/module/download/downfile.jsp?classid=0&filename=nb2023.docx'>表格</a></li>"
        "<li><a href='P020240115.pdf#page=2'>again</a></li>"
        "</ul></div>"
    )
    body = (
        FULL_BODY
        + "<p><img src='/uploadfile/2024/scan1.jpg' alt='第1页'><img src='/img/logo.png'></p>"
    )
    [record] = normalise_page(_page(_html(body, after)))
    assert [(a["url"], a["type"], a["text"]) for a in record.attachments] == [
        ("http://www.example.gov.cn/uploadfile/2024/scan1.jpg", "jpg", "第1页"),
        (
            "http://www.example.gov.cn/zwgk/ndbg/202401/P020240115.pdf",
            "pdf",
            "某某县财政局2023年年报.pdf",
        ),
        (
            "http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=nb2023.docx",
            "docx",
            "表格",
        ),
    ]
    assert all(a["capture"] is None and a["record_ids"] == () for a in record.attachments)
    # header, footer and related-links files are not the document's
    assert "text_in_attachment" not in record.flags


def test_links_resolve_against_base_href() -> None:
    head = "<base href='http://files.example.gov.cn/col/'>"
    body = FULL_BODY + "<p>附件：<a href='nb.pdf'>年报.pdf</a></p>"
    [record] = normalise_page(_page(_html(body, head=head)))
    assert [a["url"] for a in record.attachments] == ["http://files.example.gov.cn/col/nb.pdf"]


def test_multi_document_page_gives_each_document_its_own_attachments() -> None:
    text = (
        "<p>某某县财政局2022年政府信息公开工作年度报告</p><p>一、总体情况</p><p>2022年正文内容。</p>"
        "<p>附件：<a href='/a/2022.pdf'>2022年年报.pdf</a></p>"
        "<p>某某县财政局2021年政府信息公开工作年度报告</p><p>一、总体情况</p><p>2021年正文内容。</p>"
        "<p>附件：<a href='/a/2021.docx'>2021年年报.docx</a></p>"
    )
    page = f"<html><body><div id='zoom'>{text}</div><div class='fj'><a href='/a/all.zip'>全部.zip</a></div></body></html>"
    records = normalise_page(_page(page.encode()))
    assert [r.report_year for r in records] == [2022, 2021]
    assert [[a["url"].rsplit("/", 1)[-1] for a in r.attachments] for r in records] == [
        ["2022.pdf"],
        ["2021.docx", "all.zip"],
    ]


def test_stub_page_points_to_its_attachment() -> None:
    body = "<p>详见附件。</p><p>附件：<a href='nb2023.pdf'>某某县财政局2023年年报.pdf</a></p>"
    [record] = normalise_page(_page(_html(body)))
    assert record.title == TITLE
    assert "text_in_attachment" in record.flags
    assert record.attachments[0]["type"] == "pdf"
    # a full report with an attachment is not a stub
    [full] = normalise_page(_page(_html(FULL_BODY + body)))
    assert "text_in_attachment" not in full.flags


def _stub_parent() -> ParentDocument:
    body = "<p>根据《条例》规定，现将我局年度报告予以公布，详见附件。</p><p><a href='nb.docx'>附件.docx</a></p>"
    [record] = normalise_page(_page(_html(body)))
    assert "text_in_attachment" in record.flags
    return parent_document(record)


def test_untitled_docx_of_a_stub_page_carries_the_report() -> None:
    parent = _stub_parent()
    docx = make_docx(
        [
            "根据《中华人民共和国政府信息公开条例》，编制本报告。",
            "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。",
            "一、总体情况",
            "我局全年主动公开政府信息一百二十条。",
        ]
    )
    page = SourcePage(
        url="http://www.example.gov.cn/zwgk/ndbg/202401/nb.docx",
        body=docx,
        content_type=DOCX_TYPE,
        parent_url=URL,
        parent=parent,
    )
    [rec] = normalise_page(page)
    assert rec.title == TITLE
    assert "title_from_parent" in rec.flags
    assert (rec.kind, rec.report_year, rec.year_source) == ("annual_report", 2023, "parent")
    assert (rec.agency, rec.agency_source) == ("某某县财政局", "parent")
    assert (rec.published, rec.published_source) == ("2024-01-15T09:30", "parent")
    assert rec.parent_record_id == parent.record_id
    assert rec.parent_url == URL
    assert "统计期限自2023年1月1日" in rec.text
    assert [s["number"] for s in rec.sections] == ["一"]
    # without the parent the same file is an untitled document of unknown kind
    [bare] = normalise_page(dataclasses.replace(page, parent=None))
    assert (bare.title, bare.kind, bare.parent_record_id) == (None, "annual_report", None)
    assert bare.year_source == "statistics_period"
    assert "title_missing" in bare.flags


def test_untitled_pdf_of_a_stub_page_carries_the_report() -> None:
    parent = _stub_parent()
    page = SourcePage(
        url="http://www.example.gov.cn/zwgk/ndbg/202401/nb.pdf",
        body=make_pdf("Statistics of information disclosure, year 2023"),
        content_type=PDF_TYPE,
        parent=parent,
    )
    [rec] = normalise_page(page)
    assert rec.text == "Statistics of information disclosure, year 2023"
    assert (rec.title, rec.kind, rec.report_year) == (TITLE, "annual_report", 2023)
    assert (rec.year_source, rec.agency_source, rec.published_source) == ("parent",) * 3


def test_attachment_with_its_own_title_keeps_it() -> None:
    parent = _stub_parent()
    docx = make_docx(["某某县2022年政府信息公开工作年度报告", "一、总体情况", "正文。"])
    page = SourcePage(
        url="http://x.gov.cn/a.docx", body=docx, content_type=DOCX_TYPE, parent=parent
    )
    [rec] = normalise_page(page)
    assert (rec.title, rec.report_year, rec.year_source) == (
        "某某县2022年政府信息公开工作年度报告",
        2022,
        "title",
    )
    assert (rec.agency, rec.agency_source) == ("某某县", "title")
    assert "title_from_parent" not in rec.flags
    assert rec.published_source == "parent"  # the file states no date: the page's


def test_attachment_of_a_full_report_page_does_not_take_its_title() -> None:
    [full] = normalise_page(_page(_html(FULL_BODY + "<p><a href='form.doc'>申请表.doc</a></p>")))
    parent = parent_document(full)
    assert not parent.text_in_attachment
    docx = make_docx(["政府信息公开申请表", "申请人姓名：", "联系电话："])
    page = SourcePage(
        url="http://x.gov.cn/f.docx", body=docx, content_type=DOCX_TYPE, parent=parent
    )
    [rec] = normalise_page(page)
    assert rec.title is None
    assert rec.kind == "other"
    assert "title_missing" in rec.flags
    assert rec.parent_record_id == full.record_id


def test_file_after_the_body_in_the_article_counts_before_it_does_not() -> None:
    before = "<div class='tools'><a href='/print/t1.pdf'>打印版.pdf</a></div>"
    page = (
        f"<html><head><title>{TITLE}</title></head><body><div class='wrap'><div class='article'>"
        f"{before}<div class='TRS_Editor'>{FULL_BODY}</div>"
        "<p class='note'>附：<a href='t1_tables.xlsx'>统计表.xlsx</a></p>"
        "</div></div></body></html>"
    )
    [record] = normalise_page(_page(page.encode()))
    assert [a["url"].rsplit("/", 1)[-1] for a in record.attachments] == ["t1_tables.xlsx"]
    assert record.attachments[0]["type"] == "xlsx"
