"""Normaliser speed: pages per CPU second on the real Pingtan pages, against trafilatura.

Both run in the same process on the same pages (decoded bytes in, text out), so the
ratio holds on any machine. Target: at least 1.5x trafilatura.extract while doing more
(charset decision, splitting, tables, sections, inference).

    .venv/bin/python bench/bench_normalise.py [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from normalise import SourcePage
from normalise.pipeline import analyse_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "tests" / "fixtures" / "corpus" / "pingtan").rglob("*.html"))


def pages_per_cpu_second(fn: Callable[[bytes], object], bodies: list[bytes], rounds: int) -> float:
    fn(bodies[0])  # warm-up (imports, regex compilation)
    start = time.process_time()
    for _ in range(rounds):
        for body in bodies:
            fn(body)
    return rounds * len(bodies) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bodies = [p.read_bytes() for p in PAGES]
    size = sum(map(len, bodies)) / len(bodies) / 1024
    print(f"{len(bodies)} Pingtan pages, mean {size:.0f} KB, {args.rounds} rounds")

    def ours(body: bytes) -> object:
        return analyse_page(SourcePage(url="https://www.pingtan.gov.cn/x.htm", body=body))

    def theirs(body: bytes) -> object:
        return trafilatura.extract(body.decode("utf-8"))

    a = pages_per_cpu_second(ours, bodies, args.rounds)
    b = pages_per_cpu_second(theirs, bodies, args.rounds)
    print(f"govcrawl normalise_page : {a:7.1f} pages/s (CPU)")
    print(f"trafilatura.extract     : {b:7.1f} pages/s (CPU)")
    print(f"ratio                   : {a / b:7.2f}x (target >= 1.5x)")


if __name__ == "__main__":
    main()
