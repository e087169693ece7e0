"""Link hygiene: session ids stripped, so one page is fetched once."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.middlewares.sessionids import followable, strip_session_ids
from tests.politeness.conftest import page, run_crawl


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("http://a.cn/x.jsp;jsessionid=0A1B2C3D4E?id=3", "http://a.cn/x.jsp?id=3"),
        ("http://a.cn/x.php?PHPSESSID=abc123&id=3", "http://a.cn/x.php?id=3"),
        ("http://a.cn/x.asp?ASPSESSIONIDQQ=ABCDEF&p=1", "http://a.cn/x.asp?p=1"),
        ("http://a.cn/x?sid=0123456789abcdef0123&p=2", "http://a.cn/x?p=2"),
        ("http://a.cn/(S(abcdefghijklmnop1234))/x.aspx", "http://a.cn/x.aspx"),
        # a short sid is a site/column id on Chinese CMSs: kept
        ("http://a.cn/col?sid=12&p=2", "http://a.cn/col?sid=12&p=2"),
        ("http://a.cn/x.html", "http://a.cn/x.html"),
    ],
)
def test_strip_session_ids(url: str, clean: str) -> None:
    assert strip_session_ids(url) == clean


def test_followable() -> None:
    assert followable("https://a.gov.cn/x")
    assert not followable("javascript:void(0)")
    assert not followable("mailto:a@b.gov.cn")
    assert not followable("tel:12345")


def test_session_variants_are_fetched_once(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/": page(
                ("/doc.jsp;jsessionid=AAA111", "a"),
                ("/doc.jsp;jsessionid=BBB222", "b"),
                ("/doc.jsp?PHPSESSID=zzz", "c"),
            ),
            "/doc.jsp": page(),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path)
    assert site.paths().count("/doc.jsp") == 1
    assert crawl.stats["links/session_id_stripped"] == 3
