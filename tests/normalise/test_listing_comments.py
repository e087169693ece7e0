"""Listing items a template keeps inside an HTML comment (UCAP) are recovered from the bytes."""

from __future__ import annotations

from normalise import SourcePage
from normalise.pipeline import analyse_page
from tests.normalise.conftest import case_named


def _li(n: int) -> str:
    link = f"<a href='/c1/2024/{n}.shtml'>某某县第{n}号关于做好工作的通知</a>"
    return f"<li>{link}<b>2024-01-{n:02d}</b></li>"


def test_ucap_gansu_items_come_from_the_comment() -> None:
    result = analyse_page(case_named("ucap-gansu-commented-listing").page)
    assert result.page_kind == "listing"
    assert result.records == ()
    assert len(result.listing) == 20
    assert all(e.in_comment for e in result.listing)
    assert all(e.url.startswith("https://jyt.gansu.gov.cn/jyt/c110634/") for e in result.listing)


def test_visible_items_win_over_a_stale_commented_list() -> None:
    visible = "".join(_li(n) for n in range(1, 7))
    stale = "".join(_li(n) for n in range(20, 26))
    body = f"<html><body><ul>{visible}</ul><!-- <ul>{stale}</ul> --></body></html>"
    result = analyse_page(
        SourcePage(url="http://x.gov.cn/c1/", body=body.encode(), content_type="text/html")
    )
    assert result.page_kind == "listing"
    assert [e.url.rsplit("/", 1)[-1] for e in result.listing] == [f"{n}.shtml" for n in range(1, 7)]
    assert not any(e.in_comment for e in result.listing)


def test_comments_without_links_change_nothing() -> None:
    body = "<html><body><!-- <p>备注</p> --><p>短页。</p></body></html>"
    result = analyse_page(
        SourcePage(url="http://x.gov.cn/c1/", body=body.encode(), content_type="text/html")
    )
    assert (result.page_kind, result.listing) == ("empty", ())
