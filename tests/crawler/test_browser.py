"""crawler/browser.py: which Chromium, which launch arguments, which proxy, what is aborted."""

from __future__ import annotations

from types import SimpleNamespace

from crawler.browser import (
    LAUNCH_ARGS,
    BrowserDownloadHandler,
    browser_settings,
    chromium_executable,
    launch_options,
    render_meta,
)


def test_chromium_from_env_then_debian_path() -> None:
    assert chromium_executable({"GOVCRAWL_CHROMIUM": "/opt/chrome/chrome"}) == "/opt/chrome/chrome"
    found = chromium_executable({})
    assert found in ("/usr/bin/chromium", None)


def test_launch_options_args_and_proxy() -> None:
    opts = launch_options(
        {
            "GOVCRAWL_CHROMIUM": "/x/chromium",
            "http_proxy": "http://10.0.0.1:3128",
            "no_proxy": "localhost",
        }
    )
    assert opts["headless"] is True
    assert opts["executable_path"] == "/x/chromium"
    assert opts["args"] == list(LAUNCH_ARGS)
    for arg in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        assert arg in opts["args"]
    assert opts["proxy"] == {"server": "http://10.0.0.1:3128", "bypass": "localhost"}
    assert "proxy" not in launch_options({"GOVCRAWL_CHROMIUM": "/x/chromium"})


def test_settings_route_both_schemes_through_the_browser_handler() -> None:
    s = browser_settings({})
    assert set(s["DOWNLOAD_HANDLERS"].values()) == {"crawler.browser.BrowserDownloadHandler"}
    assert s["PLAYWRIGHT_BROWSER_TYPE"] == "chromium"
    assert render_meta()["playwright"] is True


def test_browser_sub_requests_out_of_scope_and_media_are_aborted() -> None:
    handler = object.__new__(BrowserDownloadHandler)
    spider = SimpleNamespace(allowed_domains=["a.gov.cn"], portal_domains={"p": ["b.gov.cn"]})
    handler._crawler_ref = SimpleNamespace(spider=spider)  # type: ignore[assignment]
    handler.stats = None

    def req(url: str, kind: str = "script") -> SimpleNamespace:
        return SimpleNamespace(url=url, resource_type=kind)

    assert not handler._abort(req("http://www.a.gov.cn/js/list.js"))
    assert not handler._abort(req("https://x.b.gov.cn/api/list.json", "fetch"))
    assert handler._abort(req("https://cdn.example.com/jquery.js"))
    assert handler._abort(req("http://www.a.gov.cn/banner.jpg", "image"))
    assert handler._abort(req("http://www.a.gov.cn/font.woff", "font"))
