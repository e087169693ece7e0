"""The portals file (crawler/portals.py): defaults, validation, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import ConfigError
from crawler.portals import PLATFORMS, load_portals, parse_portals, portal_from_urls
from spiders.model import PLATFORMS as DISCOVERY_PLATFORMS

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "portals.toml"


def test_defaults_scope_to_registrable_domain() -> None:
    (p,) = parse_portals('[[portal]]\nname = "a"\nstart_urls = ["http://www.qzlc.gov.cn/zwgk/"]\n')
    assert p.allowed_domains == frozenset({"qzlc.gov.cn"})
    assert p.platform == "auto"
    assert p.rendering == "auto"
    assert p.politeness.download_delay is None


def test_overrides_are_read() -> None:
    text = """
[[portal]]
name = "b"
start_urls = ["http://127.0.0.1:8000/"]
allowed_domains = ["127.0.0.1"]
platform = "hanweb"
rendering = "never"
[portal.politeness]
download_delay = 0
robots_obey = false
page_budget = 50
"""
    (p,) = parse_portals(text)
    assert p.allowed_domains == frozenset({"127.0.0.1"})
    assert p.platform == "hanweb"
    assert p.rendering == "never"
    assert p.politeness.download_delay == 0.0
    assert p.politeness.robots_obey is False
    assert p.politeness.page_budget == 50


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[portal]\n", "not valid TOML"),
        ("x = 1\n", "no [[portal]] tables"),
        ('[[portal]]\nstart_urls = ["http://a.gov.cn/"]\n', "'name'"),
        ('[[portal]]\nname = "a"\n', "'start_urls'"),
        ('[[portal]]\nname = "a"\nstart_urls = ["ftp://a.gov.cn/"]\n', "not an http(s) URL"),
        ('[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\nplatform = "x"\n', "platform"),
        ('[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\nrendering = 1\n', "rendering"),
        ('[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\ncolour = 1\n', "unknown key"),
        (
            '[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n'
            'allowed_domains = ["b.gov.cn"]\n',
            "outside allowed_domains",
        ),
        (
            '[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n'
            "[portal.politeness]\ndownload_delay = true\n",
            "wrong type",
        ),
        (
            '[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n'
            "[portal.politeness]\nspeed = 1\n",
            "unknown politeness key",
        ),
        (
            '[[portal]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n'
            '[[portal]]\nname = "a"\nstart_urls = ["http://b.gov.cn/"]\n',
            "duplicate portal name",
        ),
    ],
)
def test_bad_config_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_portals(text, "portals.toml")
    line = str(info.value)
    assert message in line
    assert line.startswith("portals.toml")
    assert "\n" not in line


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read portals file"):
        load_portals(tmp_path / "nope.toml")


def test_single_portal_from_urls() -> None:
    p = portal_from_urls(["https://www.pingtan.gov.cn/zwgk/", "https://fgw.pingtan.gov.cn/"])
    assert p.name == "pingtan.gov.cn"
    assert p.allowed_domains == frozenset({"pingtan.gov.cn"})


def test_example_file_loads_and_names_the_seed_agencies() -> None:
    portals = load_portals(EXAMPLE)
    assert len(portals) >= 5
    assert "NOT VERIFIABLE" in EXAMPLE.read_text(encoding="utf-8")
    notes = " ".join(p.note or "" for p in portals)
    for agency in ("嘉祥县", "高新区", "富源县", "鲤城区", "紫阳县"):
        assert agency in notes


def test_platform_names_agree_with_discovery() -> None:
    assert set(PLATFORMS) - {"auto"} == set(DISCOVERY_PLATFORMS)
