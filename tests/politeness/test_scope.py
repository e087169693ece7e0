"""Scope: allowed domains (per portal too), redirects out of scope, non-HTTP links, SSRF."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from crawler.middlewares.ssrf import PublicOnlyResolver, is_public_address
from tests.politeness.conftest import page, run_crawl


def test_offsite_links_and_redirects_are_refused_and_reported(serve, tmp_path: Path) -> None:
    outside = serve({"/": page(), "/landing": page()}, host="localhost")
    site = serve({})
    site.routes.update(
        {
            "/": page(
                ("/in", "in"),
                (outside.url("/"), "out"),
                ("/jump", "jump"),
                ("ftp://127.0.0.1/x", "ftp"),
                ("data://text/plain,x", "data"),
            ),
            "/in": page(),
            "/jump": (302, {"Location": outside.url("/landing")}, b""),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path, spider_attrs={"allowed_domains": ["127.0.0.1"]})

    assert outside.hits == []  # zero forbidden fetches, redirect target included
    assert sorted(site.paths()) == ["/", "/in", "/jump", "/robots.txt"]
    stats = crawl.stats
    assert stats["scope/offsite_refused"] == 1
    assert stats["scope/redirect_refused"] == 1
    assert stats["links/dropped_scheme"] == 2
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["portals"]["p"]["refused"] == {"scope/offsite": 1, "scope/redirect": 1}
    assert outside.url("/landing") in report["portals"]["p"]["samples"]["refused/scope/redirect"]


def test_per_portal_scope_from_portal_domains(serve, tmp_path: Path) -> None:
    other = serve({"/": page()}, host="localhost")
    site = serve({"/": page((other.url("/"), "other portal's host"))})
    crawl = run_crawl(
        [site.url("/")],
        tmp_path,
        spider_attrs={
            "allowed_domains": ["127.0.0.1", "localhost"],
            "portal_domains": {"p": ["127.0.0.1"]},
        },
    )
    assert other.hits == []
    assert crawl.stats["scope/offsite_refused"] == 1


def test_loopback_is_refused_unless_private_addresses_are_allowed(serve, tmp_path: Path) -> None:
    site = serve({"/": page(("/next", "next")), "/next": page()})
    crawl = run_crawl([site.url("/")], tmp_path, SCOPE_ALLOW_PRIVATE=False)
    assert site.hits == []
    assert crawl.stats["ssrf/refused"] == 1  # refused before robots.txt is even asked for
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["portals"]["p"]["refused"]["ssrf"] == 1
    # a host *name* resolving to loopback is refused the same way
    named = serve({"/": page()}, host="localhost")
    crawl = run_crawl([named.url("/")], tmp_path, SCOPE_ALLOW_PRIVATE=False)
    assert named.hits == []
    assert crawl.stats["ssrf/refused"] >= 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::", False),
        ("not-an-ip", False),
        ("202.96.128.86", True),
        ("8.8.8.8", True),
        ("2400:3200::1", True),
    ],
)
def test_public_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


class _FakeResolver(AbstractResolver):
    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.closed = False

    async def resolve(self, host, port=0, family=socket.AF_INET):  # type: ignore[no-untyped-def]
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


def test_public_only_resolver_refuses_rebinding_answers() -> None:
    public = PublicOnlyResolver(_FakeResolver(["202.96.128.86"]))
    answers = asyncio.run(public.resolve("www.gd.gov.cn", 80))
    assert [a["host"] for a in answers] == ["202.96.128.86"]
    # one private address among public ones is enough to refuse
    rebinding = PublicOnlyResolver(_FakeResolver(["202.96.128.86", "127.0.0.1"]))
    with pytest.raises(OSError, match=r"non-public address 127\.0\.0\.1"):
        asyncio.run(rebinding.resolve("evil.example.cn", 80))
    inner = _FakeResolver([])
    asyncio.run(PublicOnlyResolver(inner).close())
    assert inner.closed
