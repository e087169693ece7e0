"""URL keys: the shortcut for plain URLs gives exactly what w3lib's canonicalisation gives."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from archive.urls import _plain_key, canonical_key, url_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_ABSOLUTE = re.compile(r"""https?://[^\s"'<>()]+""")

TRICKY = [
    "http://a.cn",
    "http://a.cn:80/x",
    "https://a.cn:443/",
    "https://a.cn:80/",
    "http://a.cn:8080",
    "http://a.cn:99999/x",
    "http://a.cn/a/./b/../c.html",
    "http://a.cn/a/.hidden",
    "http://a.cn/x?b=2&a=1",
    "http://a.cn/x?a=1&a=",
    "http://a.cn/x?a",
    "http://a.cn/x?",
    "http://a.cn/x?=v",
    "http://a.cn/x?a=b=c",
    "http://a.cn/x?a=1&&b=2",
    "http://a.cn/x?a=1&b=%41",
    "http://a.cn/x?z=1&a=2&a=1",
    "http://a.cn/x#f",
    "http://A.cn/X",
    "HTTP://a.cn/",
    "http://user@a.cn/",
    "http://a-b.cn./x",
    "http://-a.cn/x",
    "http://a..cn/x",
    "http://xn--fiqs8s.cn/报告.html",
    "http://127.0.0.1:8000/p/1.html",
    "http://" + "a" * 70 + ".cn/x",
    " http://a.cn/x ",
    "a.cn/x",
    "ftp://a.cn/x",
]


def _random_urls(n: int) -> list[str]:
    rng = random.Random(7)
    hosts = ["www.gov.cn", "a-b.example.gov.cn", "127.0.0.1", "Zj.gov.cn", "x.cn."]
    ports = ["", ":80", ":443", ":8080", ":0", ":080", ""]
    segs = ["col", "art", "2024", "index.html", "A_b-c~d.htm", ".", "..", "%7E", "报告", "a b"]
    args = ["a=1", "b=", "c", "page=2", "id=X_y.z~", "a=2", "q=%E6", "=x", "a=b=c", ""]
    out = []
    for _ in range(n):
        scheme = rng.choice(["http", "https", "HTTP"])
        path = "".join("/" + rng.choice(segs) for _ in range(rng.randrange(4)))
        query = "&".join(rng.choice(args) for _ in range(rng.randrange(4)))
        url = f"{scheme}://{rng.choice(hosts)}{rng.choice(ports)}{path}"
        if query or rng.random() < 0.1:
            url += "?" + query
        if rng.random() < 0.1:
            url += "#frag"
        out.append(url)
    return out


def _corpus_urls() -> list[str]:
    """Absolute URLs in the real portal pages of the test corpus."""
    found: set[str] = set()
    for path in sorted((FIXTURES / "corpus").rglob("*.htm*")):
        found.update(_ABSOLUTE.findall(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def _outcome(key: Callable[[str], str], url: str) -> str:
    try:
        return key(url)
    except ValueError as exc:  # w3lib refuses some URLs (a port out of range)
        return f"ValueError: {exc}"


def test_shortcut_equals_w3lib_canonicalisation() -> None:
    urls = TRICKY + _random_urls(3000) + _corpus_urls()
    shortcut = 0
    for url in urls:
        plain = _plain_key(url)
        if plain is not None:
            shortcut += 1
            assert plain == canonical_key(url), url
        assert _outcome(url_key, url) == _outcome(canonical_key, url), url
    # The shortcut is really taken, for a good share of the URLs.
    assert shortcut > 100


def test_crawled_url_shapes_take_the_shortcut() -> None:
    for url in [
        "http://www.example.gov.cn/col/col1229/index.html",
        "https://www.example.gov.cn:8443/xxgk/ndbg/2023.html?id=12&page=3",
        "http://127.0.0.1:8000/p/1.html",
    ]:
        assert _plain_key(url) == canonical_key(url)
