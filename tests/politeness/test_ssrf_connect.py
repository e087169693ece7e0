"""DNS rebinding: the download handler itself refuses names resolving to private addresses.

The SSRF middleware checks a host before its request is queued; a name can answer with a
public address then and a private one when the connection is made. The wire handler's
connector resolves through ``PublicOnlyResolver``, so the connection is refused there too.
The middleware is taken out of these crawls to stand for a name that passed its check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.capture_handler import ssrf_resolver_wanted
from tests.politeness.conftest import page, politeness_settings, run_crawl

WIRE = "crawler.capture_handler.WireHttpDownloadHandler"


def _without_ssrf_middleware(tmp_path: Path) -> dict[str, Any]:
    mws = dict(politeness_settings(tmp_path)["DOWNLOADER_MIDDLEWARES"])
    mws["crawler.middlewares.ssrf.SsrfMiddleware"] = None
    return mws


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("allow_private", [False, True])
def test_connect_time_resolution_refuses_private_addresses(
    serve: Any, tmp_path: Path, allow_private: bool
) -> None:
    named = serve({"/": page()}, host="localhost")
    run_crawl(
        [named.url("/")],
        tmp_path,
        SCOPE_ALLOW_PRIVATE=allow_private,
        ROBOTSTXT_OBEY=False,
        DOWNLOADER_MIDDLEWARES=_without_ssrf_middleware(tmp_path),
        DOWNLOAD_HANDLERS={"http": WIRE, "https": WIRE},
    )
    # Refused at connect time when private addresses are not allowed; fetched otherwise
    # (so the refusal is the resolver's doing, not a broken crawl).
    assert [h.path for h in named.hits] == ([] if not allow_private else ["/"])


def test_resolver_is_off_behind_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ssrf_resolver_wanted(ssrf_enabled=True, allow_private=False)
    assert not ssrf_resolver_wanted(ssrf_enabled=False, allow_private=False)
    assert not ssrf_resolver_wanted(ssrf_enabled=True, allow_private=True)
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    assert not ssrf_resolver_wanted(ssrf_enabled=True, allow_private=False)
