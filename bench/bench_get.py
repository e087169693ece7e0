"""Benchmark: ``archive.open(DIR).get(url)`` latency at 10,000 and 1,000,000 captures.

For each size, 1,000 real captures are written with ArchiveWriter (so every ``get`` does
the full work: index lookup, WARC read, gzip member decompression, record and metadata
parsing), and the index is padded with synthetic rows for other URLs up to the size.
Half the lookups ask for the latest capture, half for ``at=`` a time between captures.
Prints median and p95 latency in milliseconds for both sizes, and the 1M/10k ratio
(target: median < 5 ms at 1M; ratio near 1, i.e. lookups do not slow as the archive grows).

Usage: .venv/bin/python bench/bench_get.py [--sizes 10000,1000000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import archive
from archive import Capture, Provenance
from archive.index import INDEX_NAME, ArchiveIndex, IndexRow
from archive.times import format_ts
from archive.writer import ArchiveWriter

REAL = 1_000
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def real_url(i: int) -> str:
    return f"http://www{i % 50}.example.gov.cn/xxgk/ndbg/{i}.html?id={i}"


def write_real(archive_dir: Path) -> None:
    rng = random.Random(1)
    with ArchiveWriter(archive_dir) as w:
        for i in range(REAL):
            for version in range(2):  # two captures per URL, a day apart
                w.write_capture(
                    Capture(
                        url=real_url(i),
                        method="GET",
                        request_target=f"/xxgk/ndbg/{i}.html?id={i}",
                        request_headers=(("Host", "example.gov.cn"),),
                        request_body=b"",
                        protocol="HTTP/1.1",
                        status=200,
                        reason="OK",
                        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
                        body=rng.randbytes(200) + b"<html>" + b"x" * 8000 + b"</html>",
                        fetched_at=T0 + timedelta(days=version, seconds=i),
                        provenance=Provenance(portal="bench", hops="LL"),
                    )
                )


def filler(count: int) -> Iterator[IndexRow]:
    for n in range(count):
        url = f"http://portal{n % 997}.gov.cn/page/{n}.html"
        yield IndexRow(
            record_id=f"<urn:uuid:filler-{n}>",
            record_type="response",
            url=url,
            urlkey=url,
            fetched_at=format_ts(T0 + timedelta(seconds=n)),
            status=200,
            content_type="text/html",
            warc_file="warc/none.warc.gz",
            offset=n * 1000,
            length=1000,
            payload_digest=None,
            payload_length=900,
            fetch_method="http",
        )


def measure(archive_dir: Path, queries: int) -> list[float]:
    rng = random.Random(2)
    timings: list[float] = []
    with archive.open(archive_dir) as arc:
        for q in range(queries):
            i = rng.randrange(REAL)
            at = None if q % 2 else T0 + timedelta(hours=12, seconds=i)
            start = time.perf_counter()
            stored = arc.get(real_url(i), at=at)
            timings.append((time.perf_counter() - start) * 1000)
            assert stored.ref.url == real_url(i)
    return timings


def run(size: int, queries: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="bench-get-") as tmp:
        archive_dir = Path(tmp)
        t = time.perf_counter()
        write_real(archive_dir)
        index = ArchiveIndex(archive_dir / INDEX_NAME)
        index.insert_rows(filler(size - 2 * REAL))
        total = index.count()
        index.close()
        setup = time.perf_counter() - t
        measure(archive_dir, 200)  # warm the page cache, as a running service would be
        timings = sorted(measure(archive_dir, queries))
    median = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{total:>9,} captures: get median {median:.3f} ms, p95 {p95:.3f} ms "
        f"({queries} lookups; set-up {setup:.1f} s)"
    )
    return median, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {size: run(size, args.queries) for size in sizes}
    if len(sizes) >= 2:
        small, large = results[sizes[0]], results[sizes[-1]]
        print(
            f"ratio {sizes[-1]:,}/{sizes[0]:,}: median {large[0] / small[0]:.2f}x, "
            f"p95 {large[1] / small[1]:.2f}x"
        )


if __name__ == "__main__":
    main()
