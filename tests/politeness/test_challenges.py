"""Anti-bot challenges and stubs: detected, archived first, counted, backed off, never parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.crawler import Crawler

import crawler.settings as project_settings
from crawler.middlewares.challenges import detect_challenge
from tests.politeness.conftest import HTML, page, run_crawl

RUISHU = (
    b'<html><head><meta http-equiv="Content-Type" content="text/html">'
    b"<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts={};"
    b'$_ts.nsd=59352;$_ts.cd="qWNqrfAlErLc";</script>'
    b'<script src="/abc/def.js" r="m"></script></head><body></body></html>'
)
JIASULE = (
    b"<html><body><script>document.cookie=('_')+('_')+('jsl_clearance_s')+('=')+"
    b"'1700000000.123|0|abc';__jsl_clearance=1;location.href=location.pathname+"
    b"location.search</script></body></html>"
)
STUB = b'<html><head><meta http-equiv="refresh" content="0;url=../"></head><body></body></html>'


@pytest.mark.parametrize(
    ("status", "body", "url", "kind"),
    [
        (412, RUISHU, "http://a.gov.cn/x.html", "ruishu"),
        (200, RUISHU, "http://a.gov.cn/x.html", "ruishu"),
        (521, JIASULE, "http://a.gov.cn/x.html", "jiasule"),
        (200, b"ok", "http://a.gov.cn/x.html", "waf_tiny"),
        (200, b"", "http://a.gov.cn/x.html", "waf_tiny"),
        (200, STUB, "http://a.gov.cn/col/202001/t20200101_1.html", "deleted_stub"),
        # ordinary answers
        (
            200,
            b"<html><body>" + "正文".encode() * 200 + b"</body></html>",
            "http://a.gov.cn/x.html",
            None,
        ),
        (521, b"origin down", "http://a.gov.cn/x.html", None),
        (412, b"precondition failed", "http://a.gov.cn/x.html", None),
        (404, b"", "http://a.gov.cn/x.html", None),
        (200, b"", "http://a.gov.cn/robots.txt", None),
        (200, b"[]", "http://a.gov.cn/api/list?page=9", None),
        (200, b"{}", "http://a.gov.cn/api/x", None),
        # a home page refreshing *down* to the real home page is navigation, not a stub
        (
            200,
            b'<meta http-equiv="refresh" content="0;url=/zwgk/index.html">',
            "http://a.gov.cn/",
            None,
        ),
        (
            200,
            b'<meta http-equiv="refresh" content="0;url=/web/">',
            "http://a.gov.cn/index.html",
            None,
        ),
    ],
)
def test_detect_challenge(status: int, body: bytes, url: str, kind: str | None) -> None:
    assert detect_challenge(status, body, url) == kind


def test_tiny_json_answers_are_data_not_waf_bodies() -> None:
    assert detect_challenge(200, b"0", "http://a.gov.cn/x", content_type="text/html") == "waf_tiny"
    assert detect_challenge(200, b"0", "http://a.gov.cn/x", content_type="application/json") is None


def test_real_listing_with_ruishu_script_is_not_a_challenge(fixtures_dir: Path) -> None:
    # A real UCAP listing embeds the Ruishu bootstrap script *and* the list itself.
    body = (fixtures_dir / "corpus/listings/ucap-gansu-1.html").read_bytes()
    assert b"$_ts" in body
    assert detect_challenge(200, body, "http://www.gansu.gov.cn/list.html") is None


def test_challenges_are_archived_counted_backed_off_and_not_parsed(serve, tmp_path: Path) -> None:
    site = serve(
        {
            "/": page(
                ("/col/a.html", "a"),
                ("/col/b.html", "b"),
                ("/col/c.html", "c"),
                ("/col/d.html", "d"),
                ("/col/ok.html", "ok"),
            ),
            "/col/a.html": (412, HTML, RUISHU),
            "/col/b.html": (521, HTML, JIASULE),
            "/col/c.html": (200, HTML, b"0"),
            "/col/d.html": (200, HTML, STUB),
            "/col/ok.html": page(text="正文"),
            "/col/": page(("/col/never.html", "never")),
        }
    )
    downloaded: list[str] = []

    def listen(crawler: Crawler) -> None:
        # What the capture component hears: it must see every challenge response.
        def seen(response, request, spider):  # type: ignore[no-untyped-def]
            downloaded.append(response.url)

        crawler.signals.connect(seen, signal=signals.response_downloaded, weak=False)

    crawl = run_crawl(
        [site.url("/")],
        tmp_path,
        on_crawler=listen,
        CHALLENGES_BACKOFF_DELAY=0.01,
        CHALLENGES_GIVE_UP=10,
    )
    for path in ("/col/a.html", "/col/b.html", "/col/c.html", "/col/d.html"):
        assert site.url(path) in downloaded  # archived as received
        assert site.url(path) not in crawl.spider.parsed  # never reached the spider
    assert site.url("/col/ok.html") in crawl.spider.parsed
    assert "/col/" not in site.paths()  # the stub's refresh was not followed
    stats = crawl.stats
    assert stats["challenges/total"] == 4
    for kind in ("ruishu", "jiasule", "waf_tiny", "deleted_stub"):
        assert stats[f"challenges/{kind}"] == 1
    # hostile kinds hold the host; a deletion stub does not
    assert stats["backoff/holds/challenge_ruishu"] == 1
    assert stats["backoff/holds/challenge_jiasule"] == 1
    assert stats["backoff/holds/challenge_waf_tiny"] == 1
    assert "backoff/holds/challenge_deleted_stub" not in stats
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    assert report["portals"]["p"]["challenges"] == {
        "ruishu": 1,
        "jiasule": 1,
        "waf_tiny": 1,
        "deleted_stub": 1,
    }


def test_repeated_challenges_abandon_the_host(serve, tmp_path: Path) -> None:
    links = [(f"/c{i}.html", f"c{i}") for i in range(6)]
    site = serve({"/": page(*links), **{p: (412, HTML, RUISHU) for p, _ in links}})
    crawl = run_crawl(
        [site.url("/")], tmp_path, CHALLENGES_BACKOFF_DELAY=0.01, CHALLENGES_GIVE_UP=2
    )
    fetched = [p for p in site.paths() if p.startswith("/c")]
    assert len(fetched) in (2, 3)  # one more may already be on the wire
    assert crawl.stats["challenges/hosts_abandoned"] == 1
    assert crawl.stats["backoff/refused"] == 6 - len(fetched)


def test_challenge_pages_reach_the_archive(serve, tmp_path: Path) -> None:
    """With the real capture component and download handler: challenges are archived."""
    import archive  # noqa: PLC0415 - only this test needs the archive reader

    site = serve(
        {
            "/": page(("/col/a.html", "a"), ("/col/d.html", "d")),
            "/col/a.html": (412, HTML, RUISHU),
            "/col/d.html": (200, HTML, STUB),
        }
    )
    out = tmp_path / "archive"
    archive_settings = {
        name: getattr(project_settings, name)
        for name in dir(project_settings)
        if name.startswith(("ARCHIVE_", "CAPTURE_", "GOVCRAWL_"))
    }
    archive_settings["ARCHIVE_DIR"] = str(out)
    crawl = run_crawl(
        [site.url("/")],
        tmp_path,
        **archive_settings,
        EXTENSIONS={"crawler.capture.CaptureExtension": 100},
        DOWNLOAD_HANDLERS={
            "http": "crawler.capture_handler.WireHttpDownloadHandler",
            "https": "crawler.capture_handler.WireHttpDownloadHandler",
        },
        CHALLENGES_BACKOFF_DELAY=0.01,
    )
    assert crawl.stats["challenges/total"] == 2
    stored = {sc.ref.url: sc for sc in archive.open(out).iter_captures()}
    assert stored[site.url("/col/a.html")].status == 412
    assert stored[site.url("/col/a.html")].body() == RUISHU  # as received
    assert stored[site.url("/col/d.html")].body() == STUB
    # and never normalised: crawler.records skips them offline (detect_challenge)
    from crawler.records import source_page  # noqa: PLC0415

    assert source_page(stored[site.url("/col/d.html")]) is None
    assert source_page(stored[site.url("/")]) is not None
