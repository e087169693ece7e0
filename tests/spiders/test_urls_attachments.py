"""URL hygiene (spiders/urls.py) and attachment recognition (spiders/attachments.py)."""

from __future__ import annotations

from spiders.attachments import attachments, content_images, extension, is_attachment
from spiders.model import Anchor
from spiders.urls import absolute_url, canonical_url, extract_anchors, parse_html


def test_unfollowable_links_are_dropped() -> None:
    base = "http://x.gov.cn/a/index.html"
    assert absolute_url("javascript:void(0)", base) is None
    assert absolute_url("  JavaScript:;", base) is None
    assert absolute_url("mailto:office@x.gov.cn", base) is None
    assert absolute_url("tel:123", base) is None
    assert absolute_url("#top", base) is None
    assert (
        absolute_url("./202403/t20240308_1.htm", base) == "http://x.gov.cn/a/202403/t20240308_1.htm"
    )


def test_session_ids_and_fragments_are_removed() -> None:
    assert (
        canonical_url("http://X.gov.cn:80/a/b.jsp;jsessionid=ABC123?id=5&JSESSIONID=9#frag")
        == "http://x.gov.cn/a/b.jsp?id=5"
    )
    # gkmlpt's "sid" is a site id, not a session: kept.
    assert "sid=757" in canonical_url("http://x.gov.cn/gkmlpt/api/all/1?page=1&sid=757")
    assert canonical_url("http://x.gov.cn/年报/") == "http://x.gov.cn/%E5%B9%B4%E6%8A%A5/"


def test_extract_anchors_uses_base_and_longer_title() -> None:
    html = (
        '<html><head><base href="http://x.gov.cn/col/"></head><body>'
        '<a href="a.html" title="平潭综合实验区2023年度政府信息公开工作年度报告">平潭…</a>'
        '<a href="javascript:;">x</a><a href="mailto:a@b">m</a></body></html>'
    )
    tree = parse_html(html)
    assert tree is not None
    anchors = extract_anchors(tree, "http://x.gov.cn/other/page.html")
    assert anchors == [
        Anchor("http://x.gov.cn/col/a.html", "平潭综合实验区2023年度政府信息公开工作年度报告")
    ]


def test_attachment_recognition() -> None:
    assert extension("http://x.gov.cn/a/P020240308.pdf") == "pdf"
    assert extension("http://x.gov.cn/module/download/downfile.jsp?filename=a.docx&id=1") == "docx"
    assert extension("http://x.gov.cn/a/report.html") is None
    assert is_attachment(Anchor("http://x.gov.cn/attach/get?id=3", "2023年报.wps"))
    links = [
        Anchor("http://x.gov.cn/a.pdf", "附件"),
        Anchor("http://x.gov.cn/a.pdf", "again"),
        Anchor("http://x.gov.cn/b.ofd", "ofd"),
        Anchor("http://x.gov.cn/c.html", "page"),
    ]
    assert [a.url for a in attachments(links)] == ["http://x.gov.cn/a.pdf", "http://x.gov.cn/b.ofd"]


def test_content_images_are_attachments_chrome_images_are_not() -> None:
    html = (
        "<html><body><div class='header'><img src='/images/logo.png'><img src='/img/top.jpg'></div>"
        "<div class='TRS_Editor'><p><img src='./P020240101_1.jpg' alt='第1页'>"
        "<img src='/images/icon_pdf.gif'></p></div></body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    images = content_images(tree, "http://x.gov.cn/a/202401/t1.html")
    assert images == [Anchor("http://x.gov.cn/a/202401/P020240101_1.jpg", "第1页")]


def test_image_links_take_their_alt_text() -> None:
    tree = parse_html(
        "<html><body><a href='/zwgk/'><img src='/i/zwgk.png' alt='政务公开'></a>"
        "<map><area href='/xxgk/' alt='信息公开'></map></body></html>"
    )
    assert tree is not None
    anchors = extract_anchors(tree, "http://x.gov.cn/")
    assert [(a.url, a.text) for a in anchors] == [
        ("http://x.gov.cn/zwgk/", "政务公开"),
        ("http://x.gov.cn/xxgk/", "信息公开"),
    ]


def test_jump_menu_options_are_links() -> None:
    tree = parse_html(
        "<html><body><h3>政府信息公开年报</h3><select onchange='location=this.value'>"
        "<option value=''>请选择</option><option value='/xxgk/nb/2023/'>2023</option>"
        "<option value='2022'>2022</option><option value='nb2021.html'>2021</option>"
        "</select></body></html>"
    )
    assert tree is not None
    anchors = extract_anchors(tree, "http://x.gov.cn/xxgk/")
    assert [(a.url, a.text) for a in anchors] == [
        ("http://x.gov.cn/xxgk/nb/2023/", "2023"),
        ("http://x.gov.cn/xxgk/nb2021.html", "2021"),
    ]
    assert anchors[0].section == "政府信息公开年报"
