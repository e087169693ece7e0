"""Archiving overhead: CPU time per page of the same loopback crawl, archiving on vs off.

Serves a generated portal (listing pages linking to report-sized pages, half of them
gzip-encoded, some chunked) on 127.0.0.1, then crawls it several times in fresh
subprocesses with govcrawl's settings, alternating archiving on (WARC + index, the
default) and off (``ARCHIVE_ENABLED=False``). Each child measures its own CPU time
(user + sys) from spider open to spider close, so interpreter start-up and the server
are not counted. Prints both medians per page and their ratio (target: <= 1.10x).

    .venv/bin/python bench/bench_capture_overhead.py [--pages 600] [--rounds 3]
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
PER_LISTING = 50


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


def child(mode: str, url: str, archive_dir: str) -> None:
    """Run one crawl in this process and print its CPU time and page count as JSON."""
    import scrapy  # noqa: PLC0415
    from scrapy import signals  # noqa: PLC0415
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415

    # Imported in both modes before the measured window: module import is a one-off
    # start-up cost, not a per-page one (the capture extension imports it lazily).
    import archive.writer  # noqa: F401, PLC0415
    from crawler.cli.crawl_cmds import crawl_settings  # noqa: PLC0415

    marks: dict[str, float] = {}

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
        overrides={
            "ARCHIVE_ENABLED": str(mode == "on"),
            "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
            "PROGRESS_ENABLED": "False",
            "REPORT_ENABLED": "False",
            "TELNETCONSOLE_ENABLED": "False",
            "DEPTH_LIMIT": "0",  # the listing chain is longer than the default depth
        },
    )
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
            }
        )
    )


def run_once(mode: str, url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", mode, url, tmp],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=600,
        )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "URL", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    handler = type("BenchHandler", (_Handler,), {"pages": args.pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    per_page: dict[str, list[float]] = {"on": [], "off": []}
    try:
        run_once("off", url)  # warm the OS caches once, not measured
        for _ in range(args.rounds):
            for mode in ("on", "off"):
                r = run_once(mode, url)
                per_page[mode].append(r["cpu"] / max(r["pages"], 1))
                print(
                    f"  archiving {mode:>3}: {r['pages']} pages, {r['captures']} captures,"
                    f" {r['cpu']:.2f} s CPU"
                )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    on, off = statistics.median(per_page["on"]), statistics.median(per_page["off"])
    print(f"CPU per page, archiving on : {on * 1000:.2f} ms")
    print(f"CPU per page, archiving off: {off * 1000:.2f} ms")
    print(f"ratio on/off: {on / off:.3f}x (target <= 1.10x)")


if __name__ == "__main__":
    main()
