"""Bad input never crashes or hangs the normaliser: it fails with NormaliseError and the URL."""

from __future__ import annotations

import os

import pytest

from normalise import NormaliseError, SourcePage
from normalise.pipeline import MAX_PAGE_BYTES, analyse_page, normalise_page

URL = "http://www.example.gov.cn/bad.html"


def _page(body: bytes, ctype: str = "text/html", charset: str | None = None) -> SourcePage:
    return SourcePage(url=URL, body=body, content_type=ctype, declared_charset=charset)


@pytest.mark.parametrize("body", [b"", b"   \r\n\t "], ids=["empty", "whitespace"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(NormaliseError) as info:
        normalise_page(_page(body))
    assert info.value.url == URL
    assert "empty" in info.value.reason


def test_png_served_as_html() -> None:
    body = b"\x89PNG\r\n\x1a\n" + os.urandom(4096)
    with pytest.raises(NormaliseError, match="binary body \\(png\\)") as info:
        normalise_page(_page(body))
    assert URL in str(info.value)


def test_random_binary_served_as_html() -> None:
    body = bytes(range(256)) * 64
    with pytest.raises(NormaliseError, match="binary"):
        normalise_page(_page(body, charset="utf-8"))


def test_twenty_megabyte_page_is_refused() -> None:
    body = b"<html><body><p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"
    assert len(body) > MAX_PAGE_BYTES
    with pytest.raises(NormaliseError, match="too large"):
        normalise_page(_page(body))


def test_ten_thousand_nested_elements() -> None:
    title = "某某县2020年政府信息公开工作年度报告"
    body = (
        f"<html><head><title>{title}</title></head><body><div id='zoom'><p>{title}</p>"
        "<p>本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。一、总体情况。</p>"
        + "<div><span>" * 5000
        + "深处文字。"
        + "</span></div>" * 5000
        + "</div></body></html>"
    ).encode()
    result = analyse_page(_page(body))
    # libxml2 stops building below 256 levels; what it built is normalised and flagged.
    assert [r.report_year for r in result.records] == [2020]
    assert "parse_truncated" in result.records[0].flags


def test_ordinary_page_is_not_flagged_truncated() -> None:
    body = "<html><body><div id='zoom'><p>某某局2020年政府信息公开工作年度报告</p><p>一、总体情况。</p></div></body></html>"  # noqa: E501
    assert "parse_truncated" not in normalise_page(_page(body.encode()))[0].flags


def test_invalid_byte_sequences_are_replaced_and_flagged() -> None:
    text = "<html><body><div id='zoom'><p>某某局2020年政府信息公开工作年度报告</p><p>一、总体情况。正文。</p></div></body></html>"  # noqa: E501
    body = text.encode("utf-8").replace("正文".encode(), b"\xff\xfe\x80\x81\xfe")
    records = normalise_page(_page(body, charset="utf-8"))
    assert len(records) == 1
    assert "charset_replaced" in records[0].flags
    assert "\ufffd" in records[0].text


def test_unknown_charset_label_falls_back() -> None:
    text = "<html><body><div id='zoom'><p>某某局2020年政府信息公开工作年度报告</p><p>一、总体情况。</p></div></body></html>"  # noqa: E501
    records = normalise_page(_page(text.encode("gb18030"), charset="x-no-such-charset"))
    assert records[0].title == "某某局2020年政府信息公开工作年度报告"


def test_page_without_any_content_gives_no_records() -> None:
    result = analyse_page(
        _page(b"<html><head><title>t</title></head><body><a href='/'>x</a></body></html>")
    )
    assert result.records == ()
    assert result.page_kind == "empty"


def test_hostile_spans_are_bounded() -> None:
    body = (
        "<html><body><div id='zoom'><p>某某局2020年政府信息公开工作年度报告</p><p>一、总体情况。</p>"  # noqa: E501
        "<table><tr><td rowspan='100000' colspan='100000'>a</td><td>b</td></tr><tr><td>c</td></tr></table>"  # noqa: E501
        "</div></body></html>"
    ).encode()
    record = normalise_page(_page(body))[0]
    assert all(len(row) <= 2 for row in record.tables[0])


def test_unclosed_comments_and_broken_script_json_do_not_hang() -> None:
    """The hidden-listing scans (comments, script JSON) stay linear on hostile pages."""
    comments = "<!--<li><a href='/a.html'>某某县关于做好工作的通知</a>2024-01-01</li>" * 100_000
    arrays = '[{"title":"某某县关于做好工作的通知","url":' * 100_000
    for junk in (comments, f"<script>{arrays}</script>"):
        result = analyse_page(_page(f"<html><body>{junk}</body></html>".encode()))
        assert (result.records, result.listing) == ((), ())
