"""crawler/browser.py: Chromium, launch arguments, proxy, what is aborted, when a render ends."""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace

from crawler.browser import (
    LAUNCH_ARGS,
    LISTS_READY_JS,
    PAGE_TURN_JS,
    BrowserDownloadHandler,
    PageActivity,
    browser_settings,
    chromium_executable,
    launch_options,
    render_meta,
    settle,
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


# --- when a render is done: PageActivity and settle (crawler/browser.py) -------------------


@dataclasses.dataclass(eq=False)
class FakeRequest:
    url: str
    resource_type: str = "fetch"
    method: str = "GET"
    post_data_buffer: bytes | None = None


@dataclasses.dataclass(eq=False)
class FakeResponse:
    request: FakeRequest
    status: int = 200


class FakePage:
    """Answers settle's page calls: a task turn, the DOM condition, the wait for the DOM."""

    url = "http://a.gov.cn/list/"

    def __init__(self, lists_ready: bool) -> None:
        self.lists_ready = lists_ready
        self.filled = asyncio.Event()
        self.turns = 0

    async def evaluate(self, script: str, arg: object = None) -> object:
        if script == PAGE_TURN_JS:
            self.turns += 1
            return None
        assert script == LISTS_READY_JS
        return self.lists_ready

    async def wait_for_function(self, script: str, *, timeout: float, **kwargs: object) -> None:
        assert script == LISTS_READY_JS
        await asyncio.wait_for(self.filled.wait(), timeout / 1000)  # as Playwright's does
        self.lists_ready = True

    def fill(self) -> None:
        self.filled.set()


def idle(act: PageActivity) -> bool:
    return act.idle  # a call, so the type checker does not narrow between state changes


async def _steps(n: int = 20) -> None:
    for _ in range(n):
        await asyncio.sleep(0)  # let other tasks run; no wall-clock wait


def test_page_activity_counts_list_requests_not_repeats_or_images() -> None:
    async def go() -> None:
        answered: list[str] = []
        repeats: list[int] = []

        async def on_answer(req: FakeRequest) -> None:
            answered.append(req.url)

        act = PageActivity(on_answer=on_answer, on_repeat=lambda: repeats.append(1))
        assert idle(act)
        act.request(FakeRequest("http://a/banner.jpg", "image"))
        assert idle(act)  # not a list request
        ping, data = FakeRequest("http://a/ping.json"), FakeRequest("http://a/list.json")
        act.request(ping)
        act.request(data)
        assert not idle(act)
        act.finished(ping)
        assert not idle(act)  # the list is still in flight
        again = FakeRequest("http://a/ping.json")
        act.request(again)  # polling: answered once already
        act.finished(again)
        assert repeats == [1]
        act.finished(data)
        await act.wait_idle()
        assert answered == ["http://a/ping.json", "http://a/list.json"]  # the repeat is not
        # The same URL with another POST body is another request (POST paging).
        page2 = FakeRequest("http://a/list.json", "xhr", "POST", b"page=2")
        act.request(page2)
        assert not idle(act)
        act.failed(page2)
        assert idle(act)
        script = FakeRequest("http://a/jsonp.js", "script")
        act.request(script)
        act.finished(script)
        await act.wait_idle()
        assert answered[-1] == "http://a/list.json"  # scripts are waited for, not archived

    asyncio.run(go())


def test_settle_waits_for_the_list_request_then_the_dom() -> None:
    async def go() -> None:
        act = PageActivity()
        page = FakePage(lists_ready=False)
        data = FakeRequest("http://a/list.json")
        act.request(data)
        task = asyncio.create_task(settle(page, act, 300_000))
        await _steps()
        assert not task.done()  # the list request is in flight
        assert page.turns == 0
        act.response(FakeResponse(data))
        act.finished(data)
        await _steps()
        assert page.turns == 1
        assert not task.done()  # answered, but the list is not drawn yet
        page.fill()
        assert await task is True
        assert page.turns == 2  # one more round after the DOM filled

    asyncio.run(go())


def test_settle_does_not_wait_for_a_list_whose_api_failed() -> None:
    async def go() -> None:
        act = PageActivity()
        data = FakeRequest("http://a/list.json")
        act.request(data)
        act.response(FakeResponse(data, 500))
        act.finished(data)
        page = FakePage(lists_ready=False)  # never filled
        assert await settle(page, act, 300_000) is True
        # With a 2xx answer the same page is waited for (here: up to the safety net).
        act = PageActivity()
        act.request(data)
        act.response(FakeResponse(data))
        act.finished(data)
        assert await settle(FakePage(lists_ready=False), act, 50) is False

    asyncio.run(go())


def test_settle_gives_up_at_the_safety_net_only() -> None:
    async def go() -> None:
        act = PageActivity()
        act.request(FakeRequest("http://a/never-answered.json"))
        assert await settle(FakePage(lists_ready=True), act, 50) is False
        # A page with nothing in flight and nothing to fill is done at once.
        assert await settle(FakePage(lists_ready=True), PageActivity(), 300_000) is True

    asyncio.run(go())


def test_polls_with_cache_busters_are_repeats_paging_is_not() -> None:
    async def go() -> None:
        repeats: list[int] = []
        act = PageActivity(on_repeat=lambda: repeats.append(1))
        first = FakeRequest("http://a/count.do?site=7&_=1700000000000")
        act.request(first)
        act.finished(first)
        for url in (
            "http://a/count.do?site=7&_=1700000000300",  # jQuery cache: false
            "http://a/count.do?site=7&t=1700000000",
            "http://a/count.do?site=7&r=0.8134",
        ):
            act.request(FakeRequest(url))
        assert repeats == [1, 1, 1]
        assert idle(act)
        for url in ("http://a/count.do?site=8", "http://a/list.do?site=7&page=1700000000"):
            act.request(FakeRequest(url))  # another site id; a long page number is no buster
        assert repeats == [1, 1, 1]
        assert not idle(act)

    asyncio.run(go())
