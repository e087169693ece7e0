"""URL keys: w3lib's canonicalisation plus the default-port rule (docs/warc.md, retrieval)."""

from __future__ import annotations

import pytest

from archive.urls import BadUrl, url_key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://a.cn", "http://a.cn/"),
        ("http://a.cn:80/x", "http://a.cn/x"),
        ("https://a.cn:443/", "https://a.cn/"),
        ("https://a.cn:80/", "https://a.cn:80/"),
        ("http://a.cn:8080", "http://a.cn:8080/"),
        ("http://a.cn/x?b=2&a=1", "http://a.cn/x?a=1&b=2"),
        ("http://a.cn/x#f", "http://a.cn/x"),
        ("HTTP://A.CN/X", "http://a.cn/X"),
        (" http://a.cn/x ", "http://a.cn/x"),
        ("a.cn/x", "http://a.cn/x"),
        ("http://a.cn/报告.html", "http://a.cn/%E6%8A%A5%E5%91%8A.html"),
        ("http://a.cn/%e6%8a%a5.html", "http://a.cn/%E6%8A%A5.html"),
        ("http://127.0.0.1:8000/p/1.html", "http://127.0.0.1:8000/p/1.html"),
    ],
)
def test_url_key_is_what_users_expect_to_be_the_same_page(url: str, key: str) -> None:
    assert url_key(url) == key


def test_malformed_url_is_a_bad_url() -> None:
    with pytest.raises(BadUrl):
        url_key("http://[::1")
