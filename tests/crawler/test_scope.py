"""Scope: registrable domains computed offline."""

from __future__ import annotations

import socket

import pytest

from crawler.scope import in_scope, registrable_domain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://www.jiaxiang.gov.cn/zwgk/", "jiaxiang.gov.cn"),
        ("https://xxgk.pingtan.gov.cn:8443/a", "pingtan.gov.cn"),
        ("WWW.Zibo.GOV.CN", "zibo.gov.cn"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain(value: str, expected: str) -> None:
    assert registrable_domain(value) == expected


def test_in_scope_subdomains_only() -> None:
    allowed = frozenset({"pingtan.gov.cn"})
    assert in_scope("http://www.pingtan.gov.cn/x", allowed)
    assert in_scope("http://pingtan.gov.cn/x", allowed)
    assert not in_scope("http://evilpingtan.gov.cn/x", allowed)
    assert not in_scope("http://www.fujian.gov.cn/x", allowed)


def test_no_network_fetch_of_suffix_list(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    registrable_domain.cache_clear()
    assert registrable_domain("http://a.b.example.gov.cn/") == "example.gov.cn"
