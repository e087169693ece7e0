"""Benchmark: a latency-bound crawl of 50 loopback hosts that each answer after 500 ms.

Each host (127.0.0.2 ... 127.0.0.51, one port) serves a home page linking to ``--pages``
pages, a 404 robots.txt, and answers every request after ``--delay`` seconds. govcrawl
crawls them with its politeness stack (scope, robots, back-off, challenges, traps,
report, progress) and one request in flight per host, so the ideal is
``hosts / delay`` pages per second (100 pages/s for 50 hosts at 500 ms).

Baselines measured in the same run, on the same hosts:
- ``wget --recursive`` as 50 parallel processes, one per host (also one in flight per host);
- ``wget --recursive`` as one process over ``--wget-sequential-hosts`` hosts (wget fetches
  one URL at a time, so its rate does not depend on how many hosts it is given).

Prints pages, seconds and pages/s for each, and govcrawl's rate as a share of the ideal
and against both wget runs. Bounded: fixed page counts, a timeout on every crawl, and
the server process is stopped at the end.

Usage: .venv/bin/python bench/bench_latency.py [--hosts 50] [--pages 10] [--delay 0.5]
(``--serve`` is the server side, started by the benchmark itself.)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNT_PATH = "/_bench/served"
SERVED = [0]  # requests answered by this server process


# -- server side ----------------------------------------------------------------------------


def host_address(i: int) -> str:
    """The loopback address of host ``i`` (127.0.0.2, 127.0.0.3, ...)."""
    return f"127.0.0.{2 + i}"


def page_body(path: str, pages: int, size: int) -> bytes:
    """The home page links every page; each page links home and its neighbours."""
    if path == "/":
        links = "".join(f'<li><a href="/p{n}.html">第{n}页 报告</a></li>' for n in range(pages))
        return f"<html><body><ul>{links}</ul></body></html>".encode()
    n = int(path[2:].split(".", maxsplit=1)[0])
    filler = "政府信息公开工作年度报告正文。" * max(1, size // 45)
    links = "".join(f'<a href="/p{m}.html">第{m}页</a>' for m in (n - 1, n + 1) if 0 <= m < pages)
    return f'<html><body><a href="/">首页</a>{links}<p>{filler}</p></body></html>'.encode()


async def _serve_client(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    pages: int,
    delay: float,
    size: int,
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode("latin-1")
            if path == COUNT_PATH:  # the benchmark's own bookkeeping: no delay, not counted
                body = str(SERVED[0]).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
                continue
            SERVED[0] += 1
            if delay:
                await asyncio.sleep(delay)
            known = path == "/" or (
                path.startswith("/p")
                and path[2:].split(".")[0].isdigit()
                and int(path[2:].split(".")[0]) < pages
            )
            status, body = (
                ("200 OK", page_body(path, pages, size))
                if known
                else ("404 Not Found", b"not found")
            )
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def serve(hosts: int, port: int, pages: int, delay: float, size: int) -> None:
    """Listen on every host address until stdin closes."""

    async def client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _serve_client(r, w, pages, delay, size)

    servers = [
        await asyncio.start_server(client, host_address(i), port, backlog=256) for i in range(hosts)
    ]
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closes stdin to stop us
    for s in servers:
        s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return int(s.getsockname()[1])


class Server:
    """The loopback hosts, in a subprocess so that their CPU is not the crawler's."""

    def __init__(self, hosts: int, pages: int, delay: float, size: int = 2000) -> None:
        self.hosts, self.pages, self.port = hosts, pages, free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--hosts",
                str(hosts),
                "--pages",
                str(pages),
                "--delay",
                str(delay),
                "--size",
                str(size),
                "--port",
                str(self.port),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "READY":
            self.stop()
            raise SystemExit(f"loopback server did not start: {line!r}")

    def served(self) -> int:
        """Requests the hosts have answered so far (all runs together)."""
        with urllib.request.urlopen(f"http://{host_address(0)}:{self.port}{COUNT_PATH}") as r:
            return int(r.read())

    def urls(self, count: int | None = None) -> list[str]:
        return [f"http://{host_address(i)}:{self.port}/" for i in range(count or self.hosts)]

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- crawler side ---------------------------------------------------------------------------


def crawl_settings(tmp: Path, *, politeness: bool, concurrency: int) -> dict[str, Any]:
    """govcrawl's politeness stack (as registered in crawler/settings.py) or plain Scrapy."""
    sys.path.insert(0, str(ROOT))
    import crawler.settings as project  # noqa: PLC0415 - after the path is set

    settings: dict[str, Any] = {
        "TWISTED_REACTOR_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # 0 as asked; govcrawl's back-off middleware keeps its slots at >= 1 ms so that
        # Scrapy 2.19 starts one request at a time (see crawler/middlewares/backoff.py).
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 0,
        "USER_AGENT": "govcrawl-bench",
    }
    if politeness:
        mine = (
            "ROBOTSTXT_",
            "SCOPE_",
            "SSRF_",
            "BACKOFF_",
            "CHALLENGES_",
            "LINKS_",
            "TRAPS_",
            "REDIRECT_",
            "SCHEDULER_PRIORITY_QUEUE",
        )
        settings.update({n: getattr(project, n) for n in dir(project) if n.startswith(mine)})
        settings["DOWNLOADER_MIDDLEWARES"] = {
            k: v
            for k, v in project.DOWNLOADER_MIDDLEWARES.items()
            if k.startswith(("crawler.middlewares.", "scrapy."))
        }
        settings["SPIDER_MIDDLEWARES"] = dict(project.SPIDER_MIDDLEWARES)
        settings["EXTENSIONS"] = {
            k: v
            for k, v in project.EXTENSIONS.items()
            if k.startswith(("crawler.progress", "crawler.report"))
        }
        settings.update(SCOPE_ALLOW_PRIVATE=True, PROGRESS_MODE="log", REPORT_DIR=str(tmp))
    return settings


def run_crawl(urls: list[str], settings: dict[str, Any]) -> tuple[int, float, float, float]:
    """Crawl; returns (responses, wall seconds, engine seconds, CPU seconds of this process).

    Wall time includes starting Scrapy; engine time is from spider open to close.
    """
    from scrapy import Request, Spider  # noqa: PLC0415 - keep --serve light
    from scrapy.crawler import AsyncCrawlerRunner  # noqa: PLC0415
    from scrapy.http import Response, TextResponse  # noqa: PLC0415

    class BenchSpider(Spider):
        name = "bench"

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.allowed_domains = sorted({u.split("/")[2].split(":")[0] for u in urls})

        async def start(self) -> Any:
            for url in urls:
                yield Request(url, meta={"govcrawl_portal": url.split("/")[2].split(":")[0]})

        def parse(self, response: Response) -> Any:
            if not isinstance(response, TextResponse):
                return
            portal = response.meta.get("govcrawl_portal")
            for a in response.css("a"):
                text = "".join(a.css("::text").getall())
                yield response.follow(
                    a.attrib["href"],
                    meta={
                        "govcrawl_portal": portal,
                        "govcrawl_link_text": text,
                        "govcrawl_rule": "bench" if "报告" in text else None,
                    },
                )

    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(BenchSpider)

    async def go() -> None:
        await asyncio.wait_for(runner.crawl(crawler), timeout=600)

    cpu0, t0 = time.process_time(), time.perf_counter()
    asyncio.run(go())
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    engine = (stats["finish_time"] - stats["start_time"]).total_seconds()
    return int(stats.get("response_received_count", 0)), wall, engine, cpu


def run_wget(urls: list[str], parallel: bool) -> float:
    """wget --recursive over the URLs; returns wall seconds."""
    wget = shutil.which("wget")
    if wget is None:
        raise SystemExit("wget is missing: apt-get install -y wget")
    with tempfile.TemporaryDirectory() as out:
        base = [
            wget,
            "--recursive",
            "--level=inf",
            "--no-parent",
            "--quiet",
            "--tries=1",
            "--timeout=30",
            "--no-proxy",
            "-P",
            out,
        ]
        t0 = time.perf_counter()
        if parallel:
            procs = [subprocess.Popen([*base, u]) for u in urls]
            for p in procs:
                p.wait(timeout=600)
        else:
            subprocess.run([*base, *urls], check=False, timeout=600)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--wget-sequential-hosts", type=int, default=2)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.hosts, args.port, args.pages, args.delay, args.size))
        return

    server = Server(args.hosts, args.pages, args.delay, args.size)
    try:
        urls = server.urls()
        ideal = args.hosts / args.delay
        with tempfile.TemporaryDirectory() as tmp:
            settings = crawl_settings(Path(tmp), politeness=True, concurrency=4 * args.hosts)
            before = server.served()
            pages, wall, engine, cpu = run_crawl(urls, settings)
            assert server.served() - before == pages
        before = server.served()
        w_wall = run_wget(urls, parallel=True)
        w_pages = server.served() - before
        before = server.served()
        s_wall = run_wget(urls[: args.wget_sequential_hosts], parallel=False)
        s_pages = server.served() - before
    finally:
        server.stop()

    rate, e_rate = pages / wall, pages / engine
    w_rate, s_rate = w_pages / w_wall, s_pages / s_wall
    print(
        f"hosts={args.hosts}, {args.pages + 2} requests/host (robots.txt, home, pages), "
        f"every answer after {args.delay * 1000:.0f} ms; ideal {ideal:.1f} pages/s"
    )
    print(
        f"govcrawl (politeness stack, 1 in flight/host): {pages} pages in {wall:.2f} s "
        f"(process) = {rate:.1f} pages/s = {rate / ideal:.0%} of ideal; engine open->close "
        f"{engine:.2f} s = {e_rate:.1f} pages/s = {e_rate / ideal:.0%}; CPU {cpu:.2f} s"
    )
    print(
        f"wget --recursive x{args.hosts} parallel processes: {w_pages} pages in {w_wall:.2f} s"
        f" = {w_rate:.1f} pages/s; govcrawl/wget = {rate / w_rate:.2f}"
    )
    print(
        f"wget --recursive, one process, {args.wget_sequential_hosts} hosts: {s_pages} pages "
        f"in {s_wall:.2f} s = {s_rate:.1f} pages/s; govcrawl/wget = {rate / s_rate:.1f}"
    )


if __name__ == "__main__":
    main()
