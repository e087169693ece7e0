"""Focused discovery end to end on the simulated portals (tests/portals): one crawl of all six.

The crawl runs in a subprocess (Twisted's reactor starts once per process) with the real
settings, delay 0 and loopback allowed (``SCOPE_ALLOW_PRIVATE``), the browser plugged in.
Every assertion reads what the servers received and what the crawler logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import archive
from spiders.focused import NAV_DEPTH
from tests.portals.common import CALENDAR_START, NOISE_PREFIXES, calendar_day
from tests.portals.server import PortalServer
from tests.portals.sites import ALL_SITES, LIST_AFTER_PINGS, SiteSpec
from tests.subprocesses import run_module

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # crawls in subprocesses (never skipped)
PAGES_PER_REPORT_MAX = 4.5  # a wandering crawl of these portals costs 10x more


@dataclass
class Crawled:
    spec: SiteSpec
    server: PortalServer
    fetches: list[dict[str, Any]]
    stats: dict[str, Any]
    archive_dir: Path

    @property
    def paths(self) -> list[str]:
        return [h.path for h in self.server.hits]

    def url(self, path: str) -> str:
        return self.server.base + path


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Crawled]:
    tmp = tmp_path_factory.mktemp("portals")
    specs = [make() for make in ALL_SITES]
    servers = [PortalServer(s.site).start() for s in specs]
    try:
        toml = "".join(
            f'[[portal]]\nname = "{s.name}"\nstart_urls = ["{srv.base}{s.start}"]\n'
            f'platform = "{s.platform}"\n\n'
            for s, srv in zip(specs, servers, strict=True)
        )
        (tmp / "portals.toml").write_text(toml, encoding="utf-8")
        proc = run_module(
            "tests.portals.crawl",
            str(tmp / "portals.toml"),
            str(tmp / "out.json"),
            str(tmp / "archive"),
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
    finally:
        for srv in servers:
            srv.stop()
    out = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    return {
        s.name: Crawled(
            s,
            srv,
            [f for f in out["fetches"] if f["portal"] == s.name],
            out["stats"],
            tmp / "archive",
        )
        for s, srv in zip(specs, servers, strict=True)
    }


SITE_NAMES = [make().name for make in ALL_SITES]


@pytest.mark.parametrize("name", SITE_NAMES)
def test_complete_recall_of_reports(crawl: dict[str, Crawled], name: str) -> None:
    c = crawl[name]
    ok = {f["url"] for f in c.fetches if f["status"] == 200}
    missing = sorted(p for p in c.spec.reports if c.url(p) not in ok)
    assert not missing, f"{name}: reports not fetched: {missing}"
    assert c.spec.reports, "a site without reports cannot test recall"


@pytest.mark.parametrize("name", SITE_NAMES)
def test_listed_non_reports_are_not_fetched(crawl: dict[str, Crawled], name: str) -> None:
    c = crawl[name]
    assert not (set(c.paths) & c.spec.not_reports)


@pytest.mark.parametrize("name", SITE_NAMES)
def test_attachments_fetched_with_their_parent_page(crawl: dict[str, Crawled], name: str) -> None:
    c = crawl[name]
    for path, parent in c.spec.attachments.items():
        fetched = [f for f in c.fetches if f["url"] == c.url(path)]
        assert fetched, f"{name}: attachment {path} not fetched"
        assert fetched[0]["status"] == 200
        assert fetched[0]["via"] == c.url(parent)


@pytest.mark.parametrize("name", SITE_NAMES)
def test_zero_forbidden_fetches(crawl: dict[str, Crawled], name: str) -> None:
    c = crawl[name]
    hits = c.server.hits
    assert not [h for h in hits if h.host.startswith("localhost")], "out of scope"
    assert not [h.path for h in hits if h.path.startswith("/private/")], "robots-disallowed"
    days = [calendar_day(h.query) for h in hits if h.path == "/calendar/"]
    beyond = [d for d in days if d is not None and (d - CALENDAR_START).days >= NAV_DEPTH]
    assert not beyond, "calendar trap beyond the navigation limit"
    grown = [h.path for h in hits if h.path.count(f"/{c.spec.trap_segment}/") > 1]
    assert not grown, f"growing-URL trap followed: {grown}"
    assert not [h.path for h in hits if h.path.startswith(NOISE_PREFIXES)], "news/services/search"
    endless = [h for h in hits if h.path == "/xxgk/ndbg/2021/" and h.query not in ("", "page=2")]
    assert not endless, "endless pagination followed past the first repeat"
    # Only the sites' own pages: no request ever left the portal through the spider either.
    assert all(f["url"].startswith(c.server.base) for f in c.fetches)


@pytest.mark.parametrize("name", SITE_NAMES)
def test_pages_fetched_per_report_found(crawl: dict[str, Crawled], name: str) -> None:
    c = crawl[name]
    # The crawler's own fetches (a browser render counts as one, whatever it loaded).
    pages = [f for f in c.fetches if not f["url"].endswith("/robots.txt")]
    ratio = len(pages) / len(c.spec.reports)
    print(f"{name}: {len(pages)} fetches for {len(c.spec.reports)} reports = {ratio:.2f}")
    assert ratio <= PAGES_PER_REPORT_MAX


def test_catalogue_without_reports_is_not_paginated(crawl: dict[str, Crawled]) -> None:
    c = crawl["trs"]
    assert "/zwgk/zfxxgk/fdzdgknr/" in c.paths  # visited once: it might have held reports
    assert not [p for p in c.paths if p.startswith("/zwgk/zfxxgk/fdzdgknr/index_")]


def test_by_unit_and_by_year_subcolumns_are_walked(crawl: dict[str, Crawled]) -> None:
    assert "/zwgk/zfxxgk/bmxxgk/wjj/gknb/" in crawl["trs"].paths
    gbk = crawl["trs-gbk"].paths
    assert {"/xxgk/ndbg/2021/", "/xxgk/ndbg/2022/", "/xxgk/ndbg/2023/index_1.html"} <= set(gbk)
    ucap = crawl["ucap"]
    assert "/jyt/c2024/zwgklist_2.shtml" in ucap.paths  # year links under the report heading
    column = ucap.url("/jyt/c2024/")
    assert ucap.stats[f"discovery/ucap/declared/{column}"] == 3
    assert ucap.stats[f"discovery/ucap/found/{column}"] == 3


def test_platform_list_apis_are_used(crawl: dict[str, Crawled]) -> None:
    hanweb = [h for h in crawl["hanweb"].server.hits if h.path == "/module/web/jpage/dataproxy.jsp"]
    assert [h.method for h in hanweb] == ["POST"]
    assert b"columnid=200" in hanweb[0].body
    assert "startrecord=4&endrecord=9&perpage=3" in hanweb[0].query
    years = {
        h.query for h in crawl["hanweb"].server.hits if h.path.endswith("xxgkAnnualReport.jsp")
    }
    assert years == {"area=11370829&fbtime=2022", "area=11370829&fbtime=2023"}
    gk = sorted(h.query for h in crawl["gkmlpt"].server.hits if h.path == "/gkmlpt/api/all/2751")
    assert gk == ["page=1&sid=757001", "page=2&sid=757001", "page=3&sid=757001"]
    fj = [h for h in crawl["fjsearch"].server.hits if h.path == "/fjdzapp/search"]
    assert any(b"classsql=chnlid%3D1813" in h.body and b"page=2" in h.body for h in fj)


def test_declared_shortfall_is_in_stats_and_crawl_report(crawl: dict[str, Crawled]) -> None:
    c = crawl["fjsearch"]
    column = c.url("/zwgk/zfxxgk/zfxxgknb/")
    assert c.stats[f"discovery/fjsearch/declared/{column}"] == 20
    assert c.stats[f"discovery/fjsearch/found/{column}"] == 20  # 10 static + 10 from the API
    guide_col = c.url("/zwgk/zfxxgk/zfxxgkzn/")
    assert c.stats[f"discovery/fjsearch/declared/{guide_col}"] == 3
    assert c.stats[f"discovery/fjsearch/found/{guide_col}"] == 1
    report = json.loads((c.archive_dir / "crawl-report.json").read_text(encoding="utf-8"))
    notes = report["portals"]["fjsearch"]["notes"]
    assert any("declares 3 records, 1 found" in n for n in notes), notes
    assert not any(column in n for n in notes)


def test_reports_found_by_kind_and_year_in_stats(crawl: dict[str, Crawled]) -> None:
    stats = crawl["trs"].stats
    assert stats["discovery/trs/reports/annual_report/2023"] == 4  # county + 3 units
    assert stats["discovery/trs/reports/guide/unknown"] == 1


def test_browser_only_for_the_script_only_page(crawl: dict[str, Crawled]) -> None:
    rendered = [(name, f["url"]) for name, c in crawl.items() for f in c.fetches if f["browser"]]
    js = crawl["jsonly"]
    assert rendered == [("jsonly", js.url(p)) for p in sorted(js.spec.render_paths)]
    total = sum(len(c.fetches) for c in crawl.values())
    print(f"browser share: {len(rendered)}/{total} = {len(rendered) / total:.3f}")
    # The list the page fetched was captured from inside the browser; nothing else is.
    assert "/api/ndbg.json" in js.paths
    assert "/api/ping.json" in js.paths  # it kept polling, and the render still completed
    assert "/static/banner.jpg" not in js.paths  # images are not loaded
    assert not [h for h in js.server.hits if h.path.startswith("/outside/")]  # nor other hosts
    assert not [f for f in js.fetches if f["url"].endswith("/api/ndbg.json")]


def test_render_waits_for_the_list_not_for_a_timer(crawl: dict[str, Crawled]) -> None:
    js = crawl["jsonly"]
    # The list API answered only after this many polls (tests/portals/sites.py): a render
    # ended by a fixed wait would have been snapshot without the list, however fast.
    assert js.paths.count("/api/ping.json") >= LIST_AFTER_PINGS
    assert "browser/settle_timeouts" not in js.stats  # both conditions met, not the bound
    # Polls repeating one already answered are neither waited for nor archived again (a
    # poll sent before the previous one was answered, on a busy machine, still counts).
    polls = js.paths.count("/api/ping.json")
    assert js.stats["browser/repeats_ignored"] > 0
    pings = [sc for sc in archive.open(js.archive_dir).iter_captures() if "/api/ping" in sc.url]
    assert 1 <= len(pings) <= polls // 3


def test_browser_snapshot_and_xhr_are_archived(crawl: dict[str, Crawled]) -> None:
    js = crawl["jsonly"]
    captures = list(archive.open(js.archive_dir).iter_captures())
    column = js.url("/xxgk/ndbg/")
    snapshots = [sc for sc in captures if sc.record_type == "resource" and sc.url == column]
    assert len(snapshots) == 1
    assert "某镇2023年政府信息公开工作年度报告" in snapshots[0].body().decode("utf-8")
    raw = [
        sc
        for sc in captures
        if sc.record_type == "response" and sc.url == column and sc.fetch_method == "http"
    ]
    assert len(raw) == 1  # the render is not stored as a second, fake response
    assert snapshots[0].refers_to == raw[0].ref.record_id
    xhr = [sc for sc in captures if sc.url == js.url("/api/ndbg.json")]
    assert len(xhr) == 1
    assert xhr[0].fetch_method == "browser"
    prov = xhr[0].provenance
    assert prov is not None
    assert prov.discovered_from == column  # loaded by the rendered page
    assert prov.hops.endswith("BX")
    assert prov.portal == "jsonly"
    assert json.loads(xhr[0].body())["total"] == 4
    # The server sent it gzip-encoded; the browser stores the decoded body, re-framed.
    names = {k.lower(): v for k, v in xhr[0].headers}
    assert "content-encoding" not in names
    assert names["content-length"] == str(len(xhr[0].raw_body))
    assert "content-encoding" in names["x-govcrawl-rewritten"].lower()


def test_year_of_a_unit_report_comes_from_its_year_column(crawl: dict[str, Crawled]) -> None:
    stats = crawl["trs-gbk"].stats
    # 某区人民政府, 某区行政审批服务局 and 某区教育局 (titled by the unit only, in "2022年").
    assert stats["discovery/trs-gbk/reports/annual_report/2022"] == 3


def test_crawl_report_counts_every_report_and_no_attachment(crawl: dict[str, Crawled]) -> None:
    any_site = next(iter(crawl.values()))
    report = json.loads((any_site.archive_dir / "crawl-report.json").read_text(encoding="utf-8"))
    for name, c in crawl.items():
        expected = len(c.spec.reports) + len(c.spec.report_lists)
        assert report["portals"][name]["candidates"]["found"] == expected, name
