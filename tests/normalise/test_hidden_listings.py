"""Listing items a page keeps outside its visible HTML are recovered from the bytes: inside an
HTML comment (UCAP) or as JSON in a script (Hanweb jpaas)."""

from __future__ import annotations

import json

from normalise import SourcePage
from normalise.pipeline import analyse_page
from normalise.script_listing import MAX_ARRAYS, script_listing
from tests.normalise.conftest import case_named


def _li(n: int) -> str:
    link = f"<a href='/c1/2024/{n}.shtml'>某某县第{n}号关于做好工作的通知</a>"
    return f"<li>{link}<b>2024-01-{n:02d}</b></li>"


def test_ucap_gansu_items_come_from_the_comment() -> None:
    result = analyse_page(case_named("ucap-gansu-commented-listing").page)
    assert result.page_kind == "listing"
    assert result.records == ()
    assert len(result.listing) == 20
    assert {e.source for e in result.listing} == {"comment"}
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
    assert {e.source for e in result.listing} == {"html"}


def test_comments_without_links_change_nothing() -> None:
    body = "<html><body><!-- <p>备注</p> --><p>短页。</p></body></html>"
    result = analyse_page(
        SourcePage(url="http://x.gov.cn/c1/", body=body.encode(), content_type="text/html")
    )
    assert (result.page_kind, result.listing) == ("empty", ())


def _item(n: int, **extra: object) -> dict[str, object]:
    return {
        "title": f"<p>某某县第{n}号关于做好工作的通知</p>",
        "urls": json.dumps({"pc": f"/col/col1/content/content_{n}.html"}),
        "pubDate": f"2025-07-{n:02d} 16:59",
        **extra,
    }


def test_hanweb_jpaas_items_come_from_the_script() -> None:
    result = analyse_page(case_named("hanweb-jpaas-script-listing").page)
    assert (result.page_kind, result.records) == ("listing", ())
    assert len(result.listing) == 50
    assert {e.source for e in result.listing} == {"script"}
    assert all(e.date and e.url.startswith("https://sthjt.jiangxi.gov.cn/") for e in result.listing)


def test_script_list_items_need_title_url_and_date() -> None:
    channels = [{"name": "政务公开栏目", "urls": '{"pc": "/col/col9/index.html"}'}] * 3
    undated = [{"title": "某某县关于做好工作的通知", "url": "/a.html"}] * 3
    items = [_item(n) for n in range(1, 7)]
    text = (
        f"<script>var nav = {json.dumps(channels)}; var x = {json.dumps(undated)};"
        f"var listData = {{articleList: {json.dumps(items, ensure_ascii=False)}}};"
        'var broken = [{"title": </script>'
    )
    entries = script_listing(text, "http://x.gov.cn/col/col1/index.html", set())
    assert [(e.title, e.url, e.date) for e in entries[:1]] == [
        (
            "某某县第1号关于做好工作的通知",
            "http://x.gov.cn/col/col1/content/content_1.html",
            "2025-07-01",
        )
    ]
    assert len(entries) == 6
    # seen URLs (already found as links) are not repeated
    again = script_listing(text, "http://x.gov.cn/", {e.url for e in entries})
    assert again == ()


def test_script_scan_is_bounded() -> None:
    noise = "".join(f'var a{i} = [{{"k": {i}}}];' for i in range(MAX_ARRAYS))
    items = json.dumps([_item(n) for n in range(1, 7)], ensure_ascii=False)
    assert script_listing(f"{noise} var list = {items};", "http://x.gov.cn/", set()) == ()
    assert len(script_listing(f"var list = {items}; {noise}", "http://x.gov.cn/", set())) == 6
