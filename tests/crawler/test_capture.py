"""Unit tests of capture building and of the capture extension, without a network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from archive import Capture, CaptureRef
from crawler import settings as project_settings
from crawler.capture import (
    CAPTURE_META_KEY,
    CaptureExtension,
    build_capture,
    crawl_config,
    declared_charset,
    provenance_from_meta,
    robots_policy,
    warcinfo_fields,
)
from crawler.capture_handler import WIRE_META_KEY, WireExchange

T0 = datetime(2024, 1, 30, 1, 30, tzinfo=UTC)


def _wire(**kw: Any) -> WireExchange:
    base: dict[str, Any] = {
        "method": "GET",
        "request_target": "/zwgk/?a=1&b=%E4%B8%AD",
        "request_headers": (("Host", "www.example.gov.cn"), ("Accept-Encoding", "gzip")),
        "protocol": "HTTP/1.1",
        "status": 200,
        "reason": "Okey Dokey",
        "response_headers": (
            ("Set-Cookie", "a=1"),
            ("content-type", "text/html; Charset=GB2312"),
            ("Set-Cookie", "b=2"),
        ),
        "ip_address": "192.0.2.7",
        "started_at": T0,
    }
    base.update(kw)
    return WireExchange(**base)


def _exchange(meta: dict[str, Any] | None = None, status: int = 200) -> tuple[Request, Response]:
    request = Request("http://www.example.gov.cn/zwgk/?a=1&b=%E4%B8%AD", meta=meta or {})
    response = HtmlResponse(
        request.url,
        status=status,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        body=b"\x1f\x8bcompressed-bytes",
        request=request,
    )
    return request, response


def test_capture_takes_wire_facts_and_body_as_received() -> None:
    request, response = _exchange()
    capture = build_capture(request, response, _wire())
    assert capture.url == request.url
    assert capture.request_target == "/zwgk/?a=1&b=%E4%B8%AD"
    assert capture.reason == "Okey Dokey"
    assert capture.response_headers == _wire().response_headers  # order, repeats, case
    assert capture.request_headers == _wire().request_headers
    assert capture.body == b"\x1f\x8bcompressed-bytes"  # not decoded
    assert capture.fetched_at == T0
    assert capture.ip_address == "192.0.2.7"
    assert capture.charset_decision == "http-header:gb2312"
    assert capture.fetch_method == "http"


def test_post_body_is_kept() -> None:
    request = Request("http://x.gov.cn/api?p=1", method="POST", body=b'{"page":2}')
    response = Response(request.url, body=b"{}", request=request)
    capture = build_capture(request, response, _wire(method="POST"))
    assert capture.method == "POST"
    assert capture.request_body == b'{"page":2}'


def test_without_wire_facts_the_capture_is_rebuilt_and_marked() -> None:
    request, response = _exchange(status=404)
    capture = build_capture(request, response, None)
    assert capture.status == 404
    assert capture.reason == "Not Found"
    assert capture.request_target == "/zwgk/?a=1&b=%E4%B8%AD"
    assert ("capture_fidelity", "reconstructed: reason phrase and header case from Scrapy") in (
        capture.provenance.extra
    )


def test_stale_wire_facts_of_another_status_are_not_used() -> None:
    request, response = _exchange(status=500)
    capture = build_capture(request, response, _wire(status=200, reason="OK"))
    assert capture.status == 500
    assert capture.reason == "Internal Server Error"


def test_provenance_from_govcrawl_meta_keys_and_scrapy_bookkeeping() -> None:
    request = Request(
        "http://x.gov.cn/nb/t1.html",
        meta={
            "govcrawl_portal": "demo",
            "govcrawl_via": "http://x.gov.cn/nb/",
            "govcrawl_link_text": "2023年度报告",
            "govcrawl_hops": "LLP",
            "govcrawl_rule": "link-text:年度报告",
            "govcrawl_hint_title": "某县2023年政府信息公开工作年度报告",
            "govcrawl_hint_date": "2024-01-30",
            "redirect_urls": ["http://x.gov.cn/a", "http://x.gov.cn/b"],
            "retry_times": 2,
        },
    )
    prov = provenance_from_meta(request)
    assert (prov.portal, prov.discovered_from, prov.link_text, prov.hops, prov.rule) == (
        "demo",
        "http://x.gov.cn/nb/",
        "2023年度报告",
        "LLP",
        "link-text:年度报告",
    )
    extra = dict(prov.extra)
    assert extra["hint_title"] == "某县2023年政府信息公开工作年度报告"
    assert extra["hint_date"] == "2024-01-30"
    assert extra["redirected_from"] == "http://x.gov.cn/b"
    assert extra["retry_attempt"] == "2"


def test_robots_txt_fetch_is_marked() -> None:
    request = Request("http://x.gov.cn/robots.txt", meta={"dont_obey_robotstxt": True})
    assert ("fetch_reason", "robots.txt") in provenance_from_meta(request).extra


def test_proxied_and_truncated_responses_are_marked() -> None:
    request, _ = _exchange()
    response = Response(request.url, body=b"part", flags=["dataloss"], request=request)
    capture = build_capture(request, response, _wire(via_proxy=True, ip_address=None))
    extra = dict(capture.provenance.extra)
    assert extra["response_flags"] == "dataloss"
    assert capture.truncated == "disconnect"
    assert extra["via_proxy"] == "yes"
    assert capture.ip_address is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("Content-Type", "text/html; charset=GBK"),), "gbk"),
        ((("content-type", 'text/html;charset="utf-8"'),), "utf-8"),
        ((("Content-Type", "text/html"),), None),
        ((), None),
    ],
)
def test_declared_charset(headers: tuple[tuple[str, str], ...], expected: str | None) -> None:
    assert declared_charset(headers) == expected


def _settings(**values: Any) -> Settings:
    s = Settings()
    s.setmodule(project_settings, priority="project")
    s.setdict(values, priority="cmdline")
    return s


def test_warcinfo_has_policy_contact_and_config() -> None:
    fields = warcinfo_fields(_settings(GOVCRAWL_CONTACT="ops@example.org"), None)
    assert fields["robots"] == "obey"
    assert fields["operator"] == "ops@example.org"
    assert fields["http-client"].startswith("Scrapy/")
    config = fields["crawl-config"]
    assert config["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert config["ROBOTSTXT_OBEY"] is True


def test_robots_policy_names_overridden_portals() -> None:
    assert robots_policy(_settings()) == "obey"
    assert robots_policy(_settings(ROBOTSTXT_OBEY=False)) == "ignore"
    policy = robots_policy(_settings(ROBOTSTXT_OVERRIDE_PORTALS=["b", "a"]))
    assert policy == "obey (ignored for portals: a, b)"


def test_crawl_config_changes_with_settings() -> None:
    assert crawl_config(_settings(DOWNLOAD_DELAY=5), None) != crawl_config(_settings(), None)


class FakeWriter:
    """Stands in for ArchiveWriter: records what it was given."""

    def __init__(self, archive_dir: Path, max_file_size: int, warcinfo: dict[str, Any]) -> None:
        self.archive_dir = archive_dir
        self.max_file_size = max_file_size
        self.warcinfo = warcinfo
        self.captures: list[Capture] = []
        self.closed = False
        self.records_written = 1
        self.bytes_written = 100
        self.files_sealed = 0
        self.recovered: list[Any] = []
        self.fail = False

    def write_capture(self, capture: Capture) -> CaptureRef:
        if self.fail:
            raise OSError("disk full")
        self.captures.append(capture)
        self.records_written += 3
        self.bytes_written += 1000
        return CaptureRef(
            record_id=f"<urn:uuid:{len(self.captures)}>",
            warc_file="warc/x.warc.gz",
            offset=0,
            length=1000,
            url=capture.url,
            fetched_at=capture.fetched_at,
            status=capture.status,
            content_type=None,
            payload_digest=None,
        )

    def close(self) -> None:
        self.closed = True
        self.files_sealed = 1


def _crawler(archive_dir: Path, **values: Any) -> Crawler:
    settings: dict[str, Any] = {
        "CAPTURE_ENABLED": True,
        "ARCHIVE_ENABLED": True,
        "ARCHIVE_DIR": str(archive_dir),
        "ARCHIVE_MAX_FILE_SIZE": project_settings.ARCHIVE_MAX_FILE_SIZE,
    }
    settings.update(values)
    return get_crawler(settings_dict=settings)


@pytest.fixture
def fake_writer(monkeypatch: pytest.MonkeyPatch) -> list[FakeWriter]:
    made: list[FakeWriter] = []

    def factory(*args: Any, **kwargs: Any) -> FakeWriter:
        made.append(FakeWriter(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr("archive.writer.ArchiveWriter", factory)
    return made


def test_extension_is_off_unless_enabled_and_given_a_directory(tmp_path: Path) -> None:
    for values in (
        {"CAPTURE_ENABLED": False},
        {"ARCHIVE_ENABLED": False},
        {"ARCHIVE_DIR": ""},
    ):
        with pytest.raises(NotConfigured):
            CaptureExtension.from_crawler(_crawler(tmp_path, **values))
    assert CaptureExtension.from_crawler(_crawler(tmp_path)) is not None


def test_extension_writes_each_exchange_and_puts_the_ref_in_meta(
    tmp_path: Path, fake_writer: list[FakeWriter]
) -> None:
    crawler = _crawler(tmp_path, ARCHIVE_MAX_FILE_SIZE=1234)
    ext = CaptureExtension.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    ext.spider_opened(crawler._create_spider("test"))  # type: ignore[attr-defined]
    writer = fake_writer[0]
    assert writer.max_file_size == 1234
    assert writer.warcinfo["robots"] in ("obey", "ignore")

    request, response = _exchange()
    request.meta[WIRE_META_KEY] = _wire()
    ext.response_downloaded(response, request, None)  # type: ignore[arg-type]
    assert WIRE_META_KEY not in request.meta  # consumed: a redirect copy cannot reuse it
    assert request.meta[CAPTURE_META_KEY].record_id == "<urn:uuid:1>"
    assert writer.captures[0].reason == "Okey Dokey"
    assert crawler.stats.get_value("archive/captures_written") == 1
    assert crawler.stats.get_value("archive/records_written") == 4
    assert crawler.stats.get_value("archive/bytes_written") == 1100

    ext.spider_closed(None, "finished")  # type: ignore[arg-type]
    assert writer.closed
    assert crawler.stats.get_value("archive/files_sealed") == 1


def test_extension_stops_the_crawl_when_the_archive_fails(
    tmp_path: Path, fake_writer: list[FakeWriter]
) -> None:
    crawler = _crawler(tmp_path)
    ext = CaptureExtension.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    ext.spider_opened(crawler._create_spider("test"))  # type: ignore[attr-defined]
    closed: list[str] = []

    class Engine:
        def close_spider_async(self, *, reason: str) -> None:
            closed.append(reason)  # the real one is a coroutine; the call is what counts

    crawler.engine = Engine()  # type: ignore[assignment]
    fake_writer[0].fail = True
    request, response = _exchange()
    ext.response_downloaded(response, request, None)  # type: ignore[arg-type]
    assert closed == ["archive_error"]
    assert crawler.stats.get_value("archive/write_errors") == 1
    assert CAPTURE_META_KEY not in request.meta
    # nothing more is attempted once the archive failed
    fake_writer[0].fail = False
    ext.response_downloaded(response, request, None)  # type: ignore[arg-type]
    assert fake_writer[0].captures == []


def test_browser_rendered_responses_are_not_stored_as_responses(
    tmp_path: Path, fake_writer: list[FakeWriter]
) -> None:
    crawler = _crawler(tmp_path)
    ext = CaptureExtension.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    ext.spider_opened(crawler._create_spider("test"))  # type: ignore[attr-defined]
    request, response = _exchange({"playwright": True, "govcrawl_snapshot": "snapshot-ref"})
    ext.response_downloaded(response, request, None)  # type: ignore[arg-type]
    assert fake_writer[0].captures == []
    assert request.meta[CAPTURE_META_KEY] == "snapshot-ref"
    # with the browser off the same request goes over HTTP: then it is a real exchange
    request, response = _exchange({"playwright": True})
    request.meta[WIRE_META_KEY] = _wire()
    ext.response_downloaded(response, request, None)  # type: ignore[arg-type]
    assert len(fake_writer[0].captures) == 1


def test_request_line_version_kept_when_the_server_answers_another() -> None:
    request, response = _exchange()
    old_server = build_capture(request, response, _wire(protocol="HTTP/1.0"))
    assert old_server.protocol == "HTTP/1.0"
    assert old_server.request_protocol == "HTTP/1.1"
    assert build_capture(request, response, _wire()).request_protocol is None
