"""Archiving overhead: CPU time per page of the same loopback crawl, archiving on vs off.

Serves a generated portal (listing pages linking to report-sized pages, half of them
gzip-encoded, some chunked) on 127.0.0.1, then crawls it several times in fresh
subprocesses with govcrawl's settings. Three modes, interleaved within each round (the
order rotates from round to round, so drift in the shared machine's load hits every mode):

- ``off``: no archiving at all, as a plain Scrapy project would run: Scrapy's stock
  download handlers (``DOWNLOAD_HANDLERS = {}``, the Twisted HTTP/1.1 client) and no
  capture extension (``ARCHIVE_ENABLED=False``);
- ``wire``: the wire-recording handler (crawler/capture_handler.py) but no capture
  extension: separates the handler's cost from the writing's;
- ``on``: the full capture path (wire handler + capture extension + WARC + index).

Each child measures its own CPU time (user + sys) from spider open to spider close, so
interpreter start-up and the server are not counted. Prints the median CPU per page of
each mode, the median of the per-round ratios on/off (the target: <= 1.10x) and on/wire
(what the capture extension and the writer cost on their own). Then one
extra ``on`` crawl, not part of those figures, runs with direct CPU timers around the
parts of the archiving path (thread CPU time, two clock reads per call: unlike a
profiler they barely slow what they time) and prints where the archiving time goes.

    .venv/bin/python bench/bench_capture_overhead.py [--pages 600] [--rounds 7] [--no-breakdown]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
PER_LISTING = 50
MODES = ("on", "off", "wire")

# Where the archiving time goes: (label, module, owner in it or "", function). Times are
# inclusive, so indented rows are parts of the row above them. Each function is patched
# where its caller looks it up (a module global, or a method on its class).
BREAKDOWN = (
    ("build Capture from Scrapy objects", "crawler.capture", "", "build_capture"),
    ("ArchiveWriter.write_capture", "archive.writer", "ArchiveWriter", "write_capture"),
    ("  HTTP head serialisation", "archive.writer", "", "http_head_bytes"),
    ("  WARC records (3 per capture)", "archive.warcfile", "RecordWriter", "write"),
    ("    SHA-1 digests, payload", "archive.warcfile", "", "sha1_digest"),
    ("    SHA-1 digests, block", "archive.warcfile", "", "_sha1_of"),
    ("    WARC head serialisation", "archive.warcfile", "", "warc_head_bytes"),
    ("    gzip members (deflate)", "archive.warcfile", "", "deflate_member"),
    ("    write + flush to the OS", "archive.warcfile", "RecordWriter", "_write_all"),
    ("  index row, insert, commits, roll", "archive.writer", "ArchiveWriter", "_index_and_roll"),
    ("    index row (from the written headers)", "archive.writer", "", "row_from"),
    ("      URL key", "archive.records", "", "url_key"),
    ("    sqlite inserts + crawl state (batched)", "archive.index", "ArchiveIndex", "add_batch"),
    ("    sqlite commits", "archive.index", "ArchiveIndex", "commit"),
    ("open the archive (once per crawl)", "archive.writer", "ArchiveWriter", "__init__"),
    ("seal it, close the index (once per crawl)", "archive.writer", "ArchiveWriter", "close"),
    (
        "wire handler: WireExchange per response",
        "crawler.capture_handler",
        "",
        "wire_exchange_from",
    ),
)


def _page(n: int) -> bytes:
    para = (
        f"<p>第{n}号 政府信息公开工作年度报告 本报告所列数据的统计期限自1月1日起至12月31日止。</p>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>报告 {n}</title></head><body>"
        f"<h1>某县{2000 + n % 24}年政府信息公开工作年度报告</h1>" + para * 120 + "</body></html>"
    ).encode()


def _listing(i: int, pages: int) -> bytes:
    first = i * PER_LISTING
    links = "".join(
        f'<li><a href="/p/{n}.html">某县政府信息公开工作年度报告{n}</a></li>'
        for n in range(first, min(first + PER_LISTING, pages))
    )
    nxt = f'<a href="/list/{i + 1}.html">下一页</a>' if first + PER_LISTING < pages else ""
    return f"<html><body><ul>{links}</ul>{nxt}</body></html>".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: ClassVar[int] = 0

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        chunked = False
        if path == "/robots.txt":
            body, gz = b"User-agent: *\nAllow: /\n", False
        elif path.startswith("/list/"):
            body, gz = _listing(int(path[6:-5]), self.pages), False
        elif path.startswith("/p/"):
            n = int(path[3:-5])
            body, gz, chunked = _page(n), n % 2 == 0, n % 5 == 0
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if gz:
            body = gzip.compress(body, compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def mode_overrides(mode: str) -> dict[str, Any]:
    """Settings that make one mode (module docstring)."""
    if mode == "off":
        # Scrapy's stock handlers: the project's DOWNLOAD_HANDLERS replaced by Scrapy's default.
        return {"ARCHIVE_ENABLED": False, "DOWNLOAD_HANDLERS": {}}
    if mode == "wire":
        return {"ARCHIVE_ENABLED": False}
    return {"ARCHIVE_ENABLED": True}


def _count_cpu_in() -> dict[str, list[float]]:
    """Wrap the BREAKDOWN functions so that their CPU time and calls add up in the result."""
    import importlib  # noqa: PLC0415

    spent: dict[str, list[float]] = {}
    for label, module_name, owner_name, attr in BREAKDOWN:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        original = getattr(owner, attr)
        tally = spent[label] = [0.0, 0]

        def timed(
            *args: Any, _original: Any = original, _tally: list[float] = tally, **kw: Any
        ) -> Any:
            start = time.thread_time()
            try:
                return _original(*args, **kw)
            finally:
                _tally[0] += time.thread_time() - start
                _tally[1] += 1

        setattr(owner, attr, timed)
    return spent


def child(mode: str, url: str, archive_dir: str, timers: bool) -> None:
    """Run one crawl in this process and print its CPU time and page count as JSON."""
    import scrapy  # noqa: PLC0415
    from scrapy import signals  # noqa: PLC0415
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415

    # Imported in every mode before the measured window: module import is a one-off
    # start-up cost, not a per-page one (the capture extension imports it lazily).
    import archive.writer  # noqa: F401, PLC0415
    from crawler.cli.crawl_cmds import crawl_settings  # noqa: PLC0415

    marks: dict[str, float] = {}
    spent = _count_cpu_in() if timers else {}

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    class BenchSpider(scrapy.Spider):
        name = "bench"

        async def start(self) -> Any:
            yield scrapy.Request(url + "list/0.html")

        def parse(self, response: Any) -> Any:
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href)

    settings = crawl_settings(
        Path(archive_dir),
        delay=0.0,
        allow_private=True,
        log_level="ERROR",
    )
    bench_settings = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "PROGRESS_ENABLED": False,
        "REPORT_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DEPTH_LIMIT": 0,  # the listing chain is longer than the default depth
    }
    for name, value in {**bench_settings, **mode_overrides(mode)}.items():
        settings.set(name, value, priority="cmdline")
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BenchSpider)

    def opened() -> None:
        marks["open"] = cpu()

    # Scrapy keeps only weak references to signal handlers: ``opened`` lives in this frame.
    crawler.signals.connect(opened, signals.spider_opened)
    process.crawl(crawler)
    process.start()
    marks["close"] = cpu()  # after spider_closed: the WARC file is sealed by then
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps(
            {
                "cpu": marks["close"] - marks["open"],
                "pages": stats.get("downloader/response_count", 0),
                "captures": stats.get("archive/captures_written", 0),
                "spent": spent,
            }
        )
    )


def run_once(mode: str, url: str, *, timers: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--child", mode, url, tmp]
        if timers:
            cmd.append("--timers")
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=600,
        )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def breakdown(run: dict[str, Any]) -> None:
    """Print the timed parts of the archiving path, per page and as a share of the crawl."""
    pages, total = max(run["pages"], 1), run["cpu"]
    print(f"Where the archiving time goes (one more 'on' crawl with timers, {total:.2f} s CPU):")
    for label, (seconds, calls) in run["spent"].items():
        print(
            f"  {label:<44} {seconds / pages * 1000:7.3f} ms/page {seconds / total:6.1%}"
            f"  ({calls} calls)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-breakdown", action="store_true", help="skip the timed crawl")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "URL", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--timers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.timers)
        return
    handler = type("BenchHandler", (_Handler,), {"pages": args.pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    per_page: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        run_once("off", url)  # warm the OS caches once, not measured
        for i in range(args.rounds):
            order = MODES[i % 3 :] + MODES[: i % 3]
            for mode in order:
                r = run_once(mode, url)
                per_page[mode].append(r["cpu"] / max(r["pages"], 1))
                print(
                    f"  round {i + 1} {mode:>4}: {r['pages']} pages, {r['captures']} captures,"
                    f" {r['cpu']:.2f} s CPU",
                    flush=True,
                )
        timed = None if args.no_breakdown else run_once("on", url, timers=True)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    med = {mode: statistics.median(v) for mode, v in per_page.items()}
    ratios = [on / off for on, off in zip(per_page["on"], per_page["off"], strict=True)]
    wire_ratios = [w / off for w, off in zip(per_page["wire"], per_page["off"], strict=True)]
    capture_ratios = [on / w for on, w in zip(per_page["on"], per_page["wire"], strict=True)]
    print(f"CPU per page, archiving off (stock Scrapy handler): {med['off'] * 1000:.2f} ms")
    print(f"CPU per page, wire handler only, no capture      : {med['wire'] * 1000:.2f} ms")
    print(f"CPU per page, archiving on (full capture path)   : {med['on'] * 1000:.2f} ms")
    print(f"ratio wire/off, median of paired rounds: {statistics.median(wire_ratios):.3f}x")
    print(
        "ratio on/wire (capture extension + writer alone), median of paired rounds:"
        f" {statistics.median(capture_ratios):.3f}x"
    )
    print(
        f"ratio on/off, median of paired rounds: {statistics.median(ratios):.3f}x"
        f" (rounds: {', '.join(f'{r:.3f}' for r in ratios)}; target <= 1.10x)"
    )
    if timed is not None:
        breakdown(timed)


if __name__ == "__main__":
    main()
