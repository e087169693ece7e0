"""Unit tests of the stages: decode, dates, tables, clean, segment, infer, attachments."""

from __future__ import annotations

import io

import docx
import lxml.html
import pytest

from normalise import SourcePage
from normalise.attachments import DOCX_TYPE, docx_blocks, extract_text, pdf_text
from normalise.clean import chrome_reason, is_spam
from normalise.decode import decode
from normalise.html import table_rows
from normalise.infer import body_agency, infer_year
from normalise.model import Block
from normalise.pipeline import normalise_page
from normalise.segment import match_title, segment
from normalise.text import fold, parse_date
from tests.portals.files import make_pdf

GBK_TEXT = "<html><body>朱镕基 政府信息公开</body></html>"


def test_bom_wins() -> None:
    d = decode(b"\xef\xbb\xbf" + "政府".encode(), "gbk")
    assert (d.text, d.charset) == ("政府", "utf-8")


def test_gbk_declared_utf8_decodes_as_gb18030() -> None:
    d = decode(GBK_TEXT.encode("gbk"), "utf-8")
    assert d.charset == "gb18030"
    assert "朱镕基" in d.text
    assert d.conflict
    assert "utf-8" in d.decision


def test_utf8_declared_gb2312_stays_utf8() -> None:
    body = GBK_TEXT.replace("<body>", '<head><meta charset="gb2312"></head><body>').encode()
    d = decode(body, None)
    assert d.charset == "utf-8"
    assert "朱镕基" in d.text
    assert d.conflict


def test_header_and_meta_conflict_decided_by_clean_decode() -> None:
    body = GBK_TEXT.replace("<body>", '<head><meta charset="gbk"></head><body>').encode("gbk")
    d = decode(body, "utf-8")
    assert d.charset == "gb18030"
    assert "朱镕基" in d.text
    assert "meta:gbk" in d.decision
    assert "header:utf-8" in d.decision


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("时间:2021-01-25 15:27:59", "2021-01-25T15:27:59"),
        ("2020-01-08 11:29", "2020-01-08T11:29"),
        ("2022年5月28日", "2022-05-28"),
        ("二○一二年二月二十日", "2012-02-20"),
        ("二〇二〇年元月二日", "2020-01-02"),
        ("２０２２－０１－２０", "2022-01-20"),
        ("2019729日", None),
        ("20231月1日", None),
        ("2021-02-30", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_fold_keeps_indices() -> None:
    s = "时间：２０２２"
    assert len(fold(s)) == len(s)
    assert fold(s) == "时间:2022"


def test_table_spans_expanded() -> None:
    table = lxml.html.fromstring(
        "<table><tr><td rowspan=2>A</td><td colspan=2>B</td></tr><tr><td>c</td><td>d</td></tr></table>"  # noqa: E501
    )
    assert table_rows(table) == (("A", "B", "B"), ("A", "c", "d"))


def test_chrome_and_spam() -> None:
    assert chrome_reason("扫一扫在手机上查看当前页面") == "chrome_removed"
    assert (
        chrome_reason("语音播报         |     简明问答       |      图文解读") == "chrome_removed"
    )
    assert chrome_reason("当前位置：首页 > 政务公开") == "chrome_removed"
    assert chrome_reason("一、总体情况") is None
    assert is_spam("香港49码生肖八卦图-免费完整资料")
    assert not is_spam("2020年，全县体育彩票销售额同比增长，相关信息已在网站公开。")
    assert not is_spam("一、总体情况")


def test_title_variants() -> None:
    m = match_title("淄博高新区行政审批服务局2022年政府信息公开工作年度报告")
    assert m is not None
    assert (m.kind, m.year, m.agency) == (
        "annual_report",
        2022,
        "淄博高新区行政审批服务局",
    )
    g = match_title("高新区行政审批服务局政府信息公开指南")
    assert g is not None
    assert (g.kind, g.agency) == ("guide", "高新区行政审批服务局")
    assert match_title("关于2014年政府信息公开工作要点落实情况的函") is None
    assert match_title("本报告所列数据的统计期限自2020年1月1日起。") is None


def test_segment_joins_split_title_and_keeps_subtitle() -> None:
    lines = [
        "某某局",
        "2020年政府信息公开工作年度报告",
        "时间:2021-01-02",
        "某某局2020年政府信息公开工作年度报告",
        "一、总体情况",
        "正文。",
    ]
    segs = segment(tuple(Block(x) for x in lines))
    assert len(segs) == 1
    assert segs[0].title == "某某局2020年政府信息公开工作年度报告"
    assert segs[0].title_joined
    assert segs[0].date_line == "2021-01-02"


def test_year_conflict_kept_and_title_wins() -> None:
    y = infer_year(
        "某中心2018年政府信息公开工作年度报告",
        (),
        "由某中心编制的2019年度政府信息公开年度报告。",
        None,
    )
    assert (y.value, y.source, y.conflict) == (2018, "title", True)
    y2 = infer_year(None, (), "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。", None)
    assert (y2.value, y2.source, y2.conflict) == (2020, "statistics_period", False)


def test_body_agency_prefers_self_reference() -> None:
    text = "公开富源县政务服务管理局工作动态。富源县人民政府公众信息网。富源县人民政府公众信息网。我局主动公开。"  # noqa: E501
    assert body_agency(text) == "富源县政务服务管理局"


def test_listing_date_never_beats_the_page_and_url_date_is_never_used() -> None:
    page = SourcePage(
        url="http://x.gov.cn/art/2099/1/1/art_1.html",
        body="某某局2020年政府信息公开工作年度报告\n一、总体情况\n正文。".encode(),
        content_type="text/plain",
        hint_date="2021-03-04",
    )
    rec = normalise_page(page)[0]
    assert (rec.published, rec.published_source) == ("2021-03-04", "listing")
    bare = normalise_page(SourcePage(url=page.url, body=page.body, content_type="text/plain"))[0]
    assert bare.published is None


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("某某县财政局2021年政府信息公开工作年度报告")
    document.add_paragraph("发布时间：2022-01-28")
    document.add_paragraph("一、总体情况")
    document.add_paragraph("本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "信息内容", "本年制发件数"
    table.cell(1, 0).text, table.cell(1, 1).text = "规章", "0"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_attachment_enters_at_blocks() -> None:
    body = _docx_bytes()
    blocks = docx_blocks(body)
    assert blocks[-1].table == (("信息内容", "本年制发件数"), ("规章", "0"))
    page = SourcePage(
        url="http://x.gov.cn/a.docx",
        body=body,
        content_type=DOCX_TYPE,
        parent_url="http://x.gov.cn/a.html",
    )
    rec = normalise_page(page)[0]
    assert (rec.kind, rec.report_year, rec.published) == ("annual_report", 2021, "2022-01-28")
    assert rec.tables == ((("信息内容", "本年制发件数"), ("规章", "0")),)
    assert rec.parent_url == "http://x.gov.cn/a.html"
    assert "统计期限" in extract_text(body, DOCX_TYPE)


def test_pdf_text_extraction() -> None:
    body = make_pdf("Annual report 2021")
    assert "Annual report 2021" in pdf_text(body)
    records = normalise_page(
        SourcePage(url="http://x.gov.cn/a.pdf", body=body, content_type="application/pdf")
    )
    assert records[0].text == "Annual report 2021"


def test_chinese_pdf_text_becomes_a_dated_report() -> None:
    body = make_pdf(
        "某某县人民政府2023年政府信息公开工作年度报告\n"
        "一、总体情况\n"
        "2023年,某某县人民政府全年主动公开政府信息1234条。\n"
        "二、主动公开政府信息情况\n"
        "统计期限自2023年1月1日起至2023年12月31日止。"
    )
    assert "全年主动公开政府信息1234条" in pdf_text(body)
    (rec,) = normalise_page(
        SourcePage(url="http://x.gov.cn/nb2023.pdf", body=body, content_type="application/pdf")
    )
    assert (rec.kind, rec.report_year, rec.agency) == ("annual_report", 2023, "某某县人民政府")
    assert rec.title == "某某县人民政府2023年政府信息公开工作年度报告"
    assert "全年主动公开政府信息1234条" in rec.text
