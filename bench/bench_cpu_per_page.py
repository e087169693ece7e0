"""Benchmark: CPU time per page of a CPU-bound loopback crawl, with and without politeness.

Loopback hosts (the server of ``bench_latency.py``, in its own process so that its CPU
is not counted) answer at once, so the crawler is CPU-bound. The same crawl runs twice
in this process, alternately, ``--rounds`` times each:

- baseline: plain Scrapy 2.19 (its own OffsiteMiddleware, RobotsTxtMiddleware, defaults);
- govcrawl: the politeness stack registered in crawler/settings.py (scope, SSRF off as on
  loopback, robots with soft-404 handling, back-off, challenge detection, link hygiene,
  traps, the crawl report and progress extensions).

Prints CPU milliseconds per page for each (best round: the machine is shared) and the
ratio govcrawl/baseline, i.e. what the politeness layer costs per page. Both crawls keep
one request in flight per host (``--hosts`` hosts in parallel).

Usage: .venv/bin/python bench/bench_cpu_per_page.py [--hosts 20] [--pages 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_latency import Server, crawl_settings, run_crawl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--size", type=int, default=15000, help="bytes of text per page")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    server = Server(args.hosts, args.pages, delay=0.0, size=args.size)
    results: dict[str, list[tuple[int, float, float]]] = {"baseline": [], "govcrawl": []}
    try:
        urls = server.urls()
        for _ in range(args.rounds):
            for name in ("baseline", "govcrawl"):
                with tempfile.TemporaryDirectory() as tmp:
                    settings = crawl_settings(
                        Path(tmp), politeness=name == "govcrawl", concurrency=4 * args.hosts
                    )
                    pages, wall, _engine, cpu = run_crawl(urls, settings)
                results[name].append((pages, wall, cpu))
    finally:
        server.stop()

    print(
        f"{args.hosts} hosts x {args.pages + 2} requests, ~{args.size} bytes/page, "
        f"answers without delay; best of {args.rounds} rounds"
    )
    best: dict[str, float] = {}
    for name, runs in results.items():
        pages, wall, cpu = min(runs, key=lambda r: r[2] / r[0])
        best[name] = cpu / pages * 1000
        print(
            f"{name:9s}: {pages} pages, CPU {cpu:.2f} s = {best[name]:.2f} ms/page, "
            f"wall {wall:.2f} s = {pages / wall:.0f} pages/s"
        )
    print(f"govcrawl/baseline CPU per page: {best['govcrawl'] / best['baseline']:.2f}")


if __name__ == "__main__":
    main()
