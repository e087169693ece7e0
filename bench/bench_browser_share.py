"""Benchmark (3): the share of fetches that went through the browser on the simulated portals.

Crawls the simulated portals of tests/portals (TRS, GBK TRS, Hanweb jcms, gkmlpt, UCAP,
Fujian search, script-only list) twice, each in its own subprocess, with the real
settings (delay 0, loopback allowed):

- ``auto`` (what govcrawl does): render only a report column whose static HTML lists
  nothing but carries script-driven list markers;
- ``always`` (the baseline, in the same run): render every listing and navigation page,
  as a crawler that does not decide per page would.

For each it prints the Scrapy-level fetches, how many were browser renders, the requests
the browser itself made (scripts, XHR: server hits beyond Scrapy's fetches), the share of
all server hits due to the browser, reports found, and wall time; then the ratio of
browser shares auto/always.

Usage: .venv/bin/python bench/bench_browser_share.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.portals.server import PortalServer  # noqa: E402
from tests.portals.sites import ALL_SITES  # noqa: E402
from tests.subprocesses import run_module  # noqa: E402


def run(rendering: str) -> dict[str, float]:
    specs = [make() for make in ALL_SITES]
    servers = [PortalServer(s.site).start() for s in specs]
    tmp = Path(tempfile.mkdtemp(prefix=f"browser-share-{rendering}-"))
    try:
        toml = "".join(
            f'[[portal]]\nname = "{s.name}"\nstart_urls = ["{srv.base}{s.start}"]\n'
            f'rendering = "{rendering}"\n\n'
            for s, srv in zip(specs, servers, strict=True)
        )
        (tmp / "portals.toml").write_text(toml, encoding="utf-8")
        started = time.perf_counter()
        proc = run_module(
            "tests.portals.crawl",
            str(tmp / "portals.toml"),
            str(tmp / "out.json"),
            str(tmp / "archive"),
            timeout=900,
        )
        wall = time.perf_counter() - started
    finally:
        for srv in servers:
            srv.stop()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({rendering}):\n{proc.stderr[-3000:]}")
    out = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    fetches = out["fetches"]
    renders = sum(1 for f in fetches if f["browser"])
    hits = sum(len(srv.hits) for srv in servers)
    # Scrapy's fetches reach the servers once each; the rest are the browser's own requests.
    browser_sub = max(hits - len(fetches), 0)
    found = 0
    for s, srv in zip(specs, servers, strict=True):
        ok = {f["url"] for f in fetches if f["status"] == 200}
        found += sum(1 for p in s.reports if srv.base + p in ok)
    return {
        "fetches": len(fetches),
        "renders": renders,
        "browser_sub": browser_sub,
        "hits": hits,
        "share": (renders + browser_sub) / hits if hits else 0.0,
        "reports": found,
        "expected": sum(len(s.reports) for s in specs),
        "wall": wall,
    }


def main() -> None:
    results = {mode: run(mode) for mode in ("auto", "always")}
    for mode, r in results.items():
        print(
            f"{mode:>6}: {r['fetches']:.0f} crawler fetches, {r['renders']:.0f} browser renders, "
            f"{r['browser_sub']:.0f} browser sub-requests, {r['hits']:.0f} server hits; "
            f"browser share {r['share']:.1%} (renders/fetches {r['renders'] / r['fetches']:.1%}); "
            f"reports {r['reports']:.0f}/{r['expected']:.0f}; wall {r['wall']:.1f} s"
        )
    auto, always = results["auto"], results["always"]
    if always["share"]:
        print(f"browser share auto/always: {auto['share'] / always['share']:.3f}")
    print(f"wall time auto/always: {auto['wall'] / always['wall']:.3f}")


if __name__ == "__main__":
    main()
