"""The crawl report: what each portal yielded and what stood in the way, as JSON and text.

An extension that listens to the crawl (responses, the politeness components' signals
from ``crawler.middlewares.events``) and, when the spider closes, writes
``<REPORT_DIR>/crawl-report.json`` (``REPORT_DIR`` defaults to ``ARCHIVE_DIR``) and logs a
human summary (also saved as ``crawl-report.txt``). Per portal:

- pages fetched and HTTP statuses;
- ``candidates``: discovery's view, the responses whose request carried a
  report-candidate rule (``govcrawl_rule``), by year and kind as the link text
  (``govcrawl_link_text``, else the hint title) names them. A page holding several
  documents is one candidate here, so these are discovery figures, not the documents;
- ``documents``: the documents found, by kind and year, and the years missing between
  the first and the last annual report found, counted from the records normalised out
  of the archive (``add_documents``, called once ``records.jsonl`` is written at the end
  of the same crawl; each record is attributed to the portal named in its capture's
  provenance). Until then the section is absent;
- challenges by kind, failures (HTTP >= 400 and network errors), refused fetches (scope,
  SSRF, robots, abandoned hosts) and traps, each with a few sample URLs;
- discovery's column bookkeeping: the spiders put ``discovery/<portal>/declared/<column>``
  and ``discovery/<portal>/found/<column>`` in the Scrapy stats; a column that declares
  more records than were found gets a note. Every other ``discovery/<portal>/...`` stat
  is copied as it is.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

import archive
from archive.errors import ArchiveError
from crawler.middlewares.events import (
    NO_PORTAL,
    challenge_detected,
    fetch_failed,
    fetch_refused,
    host_of,
    is_robots_fetch,
    portal_of,
)

logger = logging.getLogger(__name__)

REPORT_JSON = "crawl-report.json"
REPORT_TEXT = "crawl-report.txt"
REPORT_VERSION = 2  # 2: "candidates" (link text) and "documents" (records) sections
SAMPLES = 20  # sample URLs kept per portal and reason: enough to act on, bounded in size
_YEAR_WITH_NIAN = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def year_of(text: str) -> int | None:
    """The report year a link text names (``2019年度…`` -> 2019), or None."""
    m = _YEAR_WITH_NIAN.search(text) or _YEAR.search(text)
    return int(m.group(1)) if m else None


KINDS = ("annual_report", "guide")


def kind_of(text: str, rule: str = "") -> str:
    """``guide``, ``annual_report`` or ``other``: the kind the candidate rule names
    (discovery's rules read ``title:annual_report``, ``title:guide``...), else the link text's.
    """
    for kind in KINDS:
        if kind in rule:
            return kind
    if "指南" in text:
        return "guide"
    if "年度报告" in text or "年报" in text or "工作报告" in text:
        return "annual_report"
    return "other"


def missing_years(years: set[int]) -> list[int]:
    """Years between the first and the last found that have no report."""
    if not years:
        return []
    return [y for y in range(min(years), max(years) + 1) if y not in years]


@dataclass
class PortalTally:
    """What the crawl saw of one portal."""

    pages: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> facts
    challenges: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def sample(self, key: str, url: str) -> None:
        urls = self.samples[key]
        if len(urls) < SAMPLES and url not in urls:
            urls.append(url)


class CrawlReportExtension:
    """Extension: tally the crawl per portal and write the crawl report when it ends."""

    def __init__(self, crawler: Crawler, out_dir: Path | None) -> None:
        self.crawler = crawler
        self.out_dir = out_dir
        self.portals: dict[str, PortalTally] = defaultdict(PortalTally)
        self.started = datetime.now(UTC)
        self._host_portal: dict[str, str] = {}  # first portal seen per host

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("REPORT_ENABLED", True):
            raise NotConfigured("REPORT_ENABLED is off")
        out = s.get("REPORT_DIR") or s.get("ARCHIVE_DIR")
        ext = cls(crawler, Path(out) if out else None)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.fetch_refused, signal=fetch_refused)
        crawler.signals.connect(ext.fetch_failed, signal=fetch_failed)
        crawler.signals.connect(ext.challenge_detected, signal=challenge_detected)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # -- tallies ---------------------------------------------------------------------------

    def response_received(self, response: Response, request: Request) -> None:
        if is_robots_fetch(request):
            return  # robots.txt is bookkeeping, not a page of the portal
        tally = self.portals[portal_of(request)]
        tally.pages += 1
        tally.statuses[response.status] += 1
        if response.status >= 400:
            key = f"http_{response.status}"
            tally.failures[key] += 1
            tally.sample(f"failure/{key}", response.url)
            return
        if request.meta.get("govcrawl_rule") and 200 <= response.status < 300:
            text = str(
                request.meta.get("govcrawl_link_text")
                or request.meta.get("govcrawl_hint_title")
                or ""
            )
            rule = str(request.meta["govcrawl_rule"])
            tally.reports.setdefault(
                response.url,
                {
                    "url": response.url,
                    "link_text": text,
                    "year": year_of(text),
                    "kind": kind_of(text, rule),
                    "rule": rule,
                },
            )

    def request_scheduled(self, request: Request) -> None:
        portal = portal_of(request)
        if portal != NO_PORTAL:
            self._host_portal.setdefault(host_of(request.url), portal)

    def _portal_for(self, request: Request) -> str:
        """The request's portal; robots.txt fetches (which carry none) get their host's."""
        portal = portal_of(request)
        if portal == NO_PORTAL:
            return self._host_portal.get(host_of(request.url), NO_PORTAL)
        return portal

    def fetch_refused(self, request: Request, reason: str) -> None:
        tally = self.portals[portal_of(request)]
        tally.refused[reason] += 1
        tally.sample(f"refused/{reason}", request.url)

    def fetch_failed(self, request: Request, reason: str) -> None:
        tally = self.portals[self._portal_for(request)]
        tally.failures[reason] += 1
        tally.sample(f"failure/{reason}", request.url)

    def challenge_detected(self, request: Request, response: Response, kind: str) -> None:
        tally = self.portals[self._portal_for(request)]
        tally.challenges[kind] += 1
        tally.sample(f"challenge/{kind}", response.url)

    # -- the report ------------------------------------------------------------------------

    def build(self, reason: str) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        stats = self.crawler.stats
        assert stats is not None
        all_stats = stats.get_stats()
        discovery = _discovery_stats(all_stats)
        names = sorted(set(self.portals) | set(discovery))
        portals = {name: self._portal(name, discovery.get(name, {})) for name in names}
        crawl_keys = (
            "depth/request_ignored_count",
            "robotstxt/",
            "backoff/",
            "scope/",
            "ssrf/",
            "traps/",
            "challenges/",
            "links/",
        )
        return {
            "report_version": REPORT_VERSION,
            "started": self.started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "finish_reason": reason,
            "totals": {
                "pages": sum(t.pages for t in self.portals.values()),
                "candidates": sum(len(t.reports) for t in self.portals.values()),
                "challenges": sum(sum(t.challenges.values()) for t in self.portals.values()),
                "failures": sum(sum(t.failures.values()) for t in self.portals.values()),
                "refused": sum(sum(t.refused.values()) for t in self.portals.values()),
            },
            "politeness_stats": {
                k: v for k, v in sorted(all_stats.items()) if k.startswith(crawl_keys)
            },
            "portals": portals,
        }

    def _portal(self, name: str, discovery: dict[str, Any]) -> dict[str, Any]:
        tally = self.portals.get(name) or PortalTally()
        by_year: dict[str, Counter[str]] = defaultdict(Counter)
        for facts in tally.reports.values():
            year = facts["year"]
            by_year[str(year) if year else "unknown"][facts["kind"]] += 1
        traps = {k.split("/", 1)[1]: v for k, v in tally.refused.items() if k.startswith("trap/")}
        refused = {k: v for k, v in tally.refused.items() if not k.startswith("trap/")}
        return {
            "pages_fetched": tally.pages,
            "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
            "candidates": {
                "found": len(tally.reports),
                "by_year": _sorted_years(by_year),
                "pages": sorted(tally.reports.values(), key=lambda f: (f["year"] or 0, f["url"])),
            },
            "challenges": dict(tally.challenges),
            "failures": dict(tally.failures),
            "refused": refused,
            "traps": traps,
            "samples": {k: v for k, v in sorted(tally.samples.items())},
            "discovery": discovery,
            "notes": _shortfall_notes(discovery),
        }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        report = self.build(reason)
        text = summary_text(report)
        for line in text.splitlines():
            logger.info("%s", line)
        if self.out_dir is None:
            return
        try:
            write_report(self.out_dir, report)
        except OSError as exc:
            # The crawl is over and archived; a report that cannot be written must not
            # turn into a traceback at shutdown.
            logger.error("crawl report not written to %s: %s", self.out_dir, exc)


def write_report(out_dir: Path, report: dict[str, Any]) -> None:
    """Write crawl-report.json and crawl-report.txt (each replaced atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _replace_text(out_dir / REPORT_JSON, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _replace_text(out_dir / REPORT_TEXT, summary_text(report) + "\n")


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _sorted_years(by_year: Mapping[str, Counter[str]]) -> dict[str, dict[str, int]]:
    """Years in order, "unknown" last; kinds in name order."""
    keys = sorted(by_year, key=lambda y: (not y.isdigit(), y))
    return {y: dict(sorted(by_year[y].items())) for y in keys}


def documents_summary(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The documents section of one portal, from its normalised records.

    A stub page whose text only points to its attachment (``text_in_attachment``) is not
    counted when a record was made from that attachment: the two are one document.
    """
    records = list(records)
    from_files = {r.get("parent_record_id") for r in records if r.get("parent_record_id")}
    by_kind: Counter[str] = Counter()
    by_year: dict[str, Counter[str]] = defaultdict(Counter)
    years: dict[str, set[int]] = defaultdict(set)
    for rec in records:
        if "text_in_attachment" in (rec.get("flags") or ()) and rec.get("record_id") in from_files:
            continue
        kind = str(rec.get("kind") or "other")
        year = rec.get("report_year")
        by_kind[kind] += 1
        if isinstance(year, int):
            by_year[str(year)][kind] += 1
            years[kind].add(year)
        else:
            by_year["unknown"][kind] += 1
    report_years = sorted(years.get("annual_report", ()))
    return {
        "found": sum(by_kind.values()),
        "by_kind": dict(sorted(by_kind.items())),
        "by_year": _sorted_years(by_year),
        "annual_report_years": report_years,
        "missing_years": missing_years(set(report_years)),
    }


def record_portals(archive_dir: Path, records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Portal of each record's capture (WARC record id -> portal name), read from the
    capture's metadata record; captures without provenance get ``NO_PORTAL``."""
    wanted = {
        str(cap["record_id"])
        for rec in records
        if isinstance(cap := rec.get("capture"), Mapping) and cap.get("record_id")
    }
    found: dict[str, str] = {}
    with archive.open(archive_dir) as arc:
        for record_id in sorted(wanted):
            row = arc.index.by_record_id(record_id)
            provenance = arc.provenance(row)[0] if row is not None else None
            found[record_id] = (provenance.portal if provenance else None) or NO_PORTAL
    return found


def documents_by_portal(
    records: Iterable[Mapping[str, Any]], portals: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Each portal's documents section; ``portals`` maps capture record ids to portals."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for rec in records:
        cap = rec.get("capture")
        record_id = str(cap.get("record_id")) if isinstance(cap, Mapping) else ""
        grouped[portals.get(record_id, NO_PORTAL)].append(rec)
    return {name: documents_summary(recs) for name, recs in sorted(grouped.items())}


def add_documents(
    report_dir: Path, archive_dir: Path, records: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Put the documents sections into the crawl report written when the spider closed,
    and rewrite its JSON and text. Returns the report, or None when the crawl wrote none
    (``REPORT_ENABLED`` off) or the archive cannot attribute the records."""
    path = report_dir / REPORT_JSON
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        sections = documents_by_portal(records, record_portals(archive_dir, records))
    except ArchiveError as exc:
        logger.error("crawl report: documents not attributed to portals: %s", exc)
        return None
    portals = report.setdefault("portals", {})
    for name in portals:
        portals[name]["documents"] = sections.get(name, documents_summary(()))
    for name, section in sections.items():
        portals.setdefault(name, {"pages_fetched": 0})["documents"] = section
    report.setdefault("totals", {})["documents"] = sum(s["found"] for s in sections.values())
    report["portals"] = dict(sorted(portals.items()))
    write_report(report_dir, report)
    return report


def _discovery_stats(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``discovery/<portal>/<rest>`` stats grouped by portal."""
    grouped: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in stats.items():
        parts = key.split("/", 2)
        if len(parts) == 3 and parts[0] == "discovery":
            grouped[parts[1]][parts[2]] = value
    return grouped


def _shortfall_notes(discovery: dict[str, Any]) -> list[str]:
    notes = []
    for key, declared in sorted(discovery.items()):
        if not key.startswith("declared/"):
            continue
        column = key.removeprefix("declared/")
        found = discovery.get(f"found/{column}", 0)
        if isinstance(declared, int) and isinstance(found, int) and declared > found:
            notes.append(f"column {column} declares {declared} records, {found} found")
    return notes


def summary_text(report: dict[str, Any]) -> str:
    """The human summary of a crawl report (documents once ``add_documents`` has run)."""
    t = report["totals"]
    documents = f"{t['documents']} documents, " if "documents" in t else ""
    lines = [
        f"crawl report ({report['finish_reason']}): {t['pages']} pages, {documents}"
        f"{t['candidates']} report candidates, {t['challenges']} challenges, "
        f"{t['failures']} failures, {t['refused']} refused fetches"
    ]
    for name, p in report["portals"].items():
        label = "(no portal)" if name == NO_PORTAL else name
        cand = p.get("candidates", {"found": 0, "by_year": {}})
        docs = p.get("documents")
        head = f"portal {label}: {p.get('pages_fetched', 0)} pages"
        if docs is not None:
            kinds = ", ".join(f"{k} {n}" for k, n in docs["by_kind"].items())
            head += f", {docs['found']} documents" + (f" ({kinds})" if kinds else "")
        lines.append(head + f", {cand['found']} report candidates")
        if docs is not None:
            for year, by_kind in docs["by_year"].items():
                lines.append(f"  {year}: " + ", ".join(f"{k} {n}" for k, n in by_kind.items()))
            if docs["missing_years"]:
                lines.append("  missing years: " + ", ".join(map(str, docs["missing_years"])))
        else:
            for year, by_kind in cand["by_year"].items():
                kinds_text = ", ".join(f"{k} {n}" for k, n in by_kind.items())
                lines.append(f"  candidates {year}: {kinds_text}")
        for title in ("challenges", "failures", "refused", "traps"):
            if p.get(title):
                items = ", ".join(f"{k} {v}" for k, v in sorted(p[title].items()))
                lines.append(f"  {title}: {items}")
        lines.extend(f"  note: {note}" for note in p.get("notes", ()))
    return "\n".join(lines)
