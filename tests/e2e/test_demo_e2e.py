"""End to end: ``govcrawl demo`` in a subprocess, then the WARCs, the index and the records.

The demo starts the bundled portal on 127.0.0.1, crawls it with govcrawl's settings,
archives every exchange and derives records.jsonl; everything here is read back from
disk with independent readers (warcio, sqlite3, json), not with govcrawl's own code.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.site import NEWS, SEED_PATHS

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Demo:
    archive_dir: Path
    stdout: str
    records: list[dict[str, Any]]
    warc_records: list[Any]  # warcio ArcWarcRecord, read eagerly with their payloads
    payloads: dict[str, bytes]  # WARC-Record-ID -> raw HTTP payload as stored

    def responses(self) -> list[Any]:
        return [r for r in self.warc_records if r.rec_type == "response"]

    def path_of(self, record: Any) -> str:
        return urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=180, check=False, cwd=ROOT, **kwargs
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    archive_dir = tmp_path_factory.mktemp("e2e") / "demo"
    proc = _run([str(BIN / "govcrawl"), "demo", "--archive", str(archive_dir)])
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    records = [
        json.loads(line)
        for line in (archive_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    warc_records: list[Any] = []
    payloads: dict[str, bytes] = {}
    for path in sorted((archive_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh, no_record_parse=False):
                payloads[rec.rec_headers.get_header("WARC-Record-ID")] = rec.raw_stream.read()
                warc_records.append(rec)
    return Demo(archive_dir, proc.stdout, records, warc_records, payloads)


def test_summary_names_pages_files_documents_and_outputs(demo: Demo) -> None:
    out = demo.stdout
    assert "pages fetched: " in out
    assert "WARC files: 1," in out
    assert f"documents: {len(demo.records)}" in out
    assert str(demo.archive_dir / "records.jsonl") in out


def test_one_warcinfo_per_file_and_every_exchange_complete(demo: Demo) -> None:
    types = Counter(r.rec_type for r in demo.warc_records)
    files = list((demo.archive_dir / "warc").glob("*.warc.gz"))
    assert types["warcinfo"] == len(files) == 1
    assert types["response"] == types["request"] == types["metadata"] > 10
    response_ids = {r.rec_headers.get_header("WARC-Record-ID") for r in demo.responses()}
    for r in demo.warc_records:
        if r.rec_type in ("request", "metadata"):
            assert r.rec_headers.get_header("WARC-Concurrent-To") in response_ids


def test_warcinfo_records_config_hash_robots_policy_and_software(demo: Demo) -> None:
    info = next(r for r in demo.warc_records if r.rec_type == "warcinfo")
    fields = demo.payloads[info.rec_headers.get_header("WARC-Record-ID")].decode()
    assert "software: govcrawl/" in fields
    assert "robots: obey" in fields
    assert "crawl-config: {" in fields
    assert "crawl-config-sha256: " in fields or "crawl-config-hash: " in fields
    assert "operator: " in fields


def test_the_portal_was_crawled_towards_reports_only(demo: Demo) -> None:
    paths = {demo.path_of(r) for r in demo.responses()}
    for seed_path in SEED_PATHS.values():
        assert seed_path in paths
    # both listing pages of the report column (TRS pagination)
    assert {"/zwgk/zfxxgk/zfxxgknb/", "/zwgk/zfxxgk/zfxxgknb/index_1.html"} <= paths
    # robots.txt fetched and archived; the disallowed search page never fetched
    assert "/robots.txt" in paths
    assert not any(p.startswith("/search/") for p in paths)
    # the news section holds no reports and is not followed
    assert not any(p == path for p, _, _ in NEWS for path in paths)


def test_statuses_redirect_and_broken_link_archived(demo: Demo) -> None:
    status = {demo.path_of(r): r.http_headers.get_statuscode() for r in demo.responses()}
    assert status["/zwgk"] == "301"
    assert status["/zwgk/zfxxgk/zfxxgkzd/"] == "404"


def test_gbk_page_archived_as_gbk_bytes(demo: Demo) -> None:
    path = SEED_PATHS["002_a780bcacce4add61.txt"]
    rec = next(r for r in demo.responses() if demo.path_of(r) == path)
    assert rec.http_headers.get_header("Content-Type") == "text/html; charset=gb2312"
    body = demo.payloads[rec.rec_headers.get_header("WARC-Record-ID")]
    assert "政府信息公开".encode("gbk") in body
    assert "政府信息公开".encode() not in body


def test_gzip_responses_stored_still_encoded(demo: Demo) -> None:
    home = next(r for r in demo.responses() if demo.path_of(r) == "/")
    assert home.http_headers.get_header("Content-Encoding") == "gzip"
    assert demo.payloads[home.rec_headers.get_header("WARC-Record-ID")][:2] == b"\x1f\x8b"
    cookies = [v for k, v in home.http_headers.headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2


def test_index_has_one_row_per_response_pointing_at_it(demo: Demo) -> None:
    with sqlite3.connect(demo.archive_dir / "index.sqlite3") as db:
        rows = db.execute(
            "SELECT record_id, url, status, warc_file, offset, length, payload_digest,"
            " content_type, fetched_at FROM captures"
        ).fetchall()
    by_id = {r.rec_headers.get_header("WARC-Record-ID"): r for r in demo.responses()}
    assert len(rows) == len(by_id)
    for record_id, url, status, warc_file, offset, length, digest, _ctype, fetched in rows:
        rec = by_id[record_id]
        assert rec.rec_headers.get_header("WARC-Target-URI") == url
        assert str(status) == rec.http_headers.get_statuscode()
        assert rec.rec_headers.get_header("WARC-Payload-Digest") == digest
        assert fetched
        # offset/length address exactly one gzip member holding this record
        with (demo.archive_dir / warc_file).open("rb") as fh:
            fh.seek(offset)
            again = next(iter(ArchiveIterator(fh)))
            assert again.rec_headers.get_header("WARC-Record-ID") == record_id
        assert length > 0


def test_records_are_exactly_each_seed_pages_documents(demo: Demo) -> None:
    """Every demo page gives exactly its seed's documents, in order, with their kinds and
    years (tests/fixtures/seeds/expected.json); no other page (listings, home) gives any."""
    seeds = json.loads((ROOT / "tests/fixtures/seeds/expected.json").read_text(encoding="utf-8"))
    by_path: dict[str, list[dict[str, Any]]] = {}
    for r in demo.records:
        by_path.setdefault(urlsplit(r["source_url"]).path, []).append(r)
    assert set(by_path) == set(SEED_PATHS.values())
    for seed, path in SEED_PATHS.items():
        got = [(r["kind"], r["report_year"]) for r in by_path[path]]
        assert got == [(d["kind"], d["report_year"]) for d in seeds[seed]], seed
        assert [r["position"] for r in by_path[path]] == list(range(len(got)))
    multi = by_path[SEED_PATHS["001_9910e0f122eeadb7.txt"]]
    assert len(multi) == 9  # the 指南 and eight reports; the masthead line is not a record
    assert [r["report_year"] for r in multi[1:]] == list(range(2023, 2015, -1))
    assert len(demo.records) == 13


def test_records_point_at_their_archived_capture(demo: Demo) -> None:
    ids = {r.rec_headers.get_header("WARC-Record-ID") for r in demo.responses()}
    for r in demo.records:
        assert r["capture"]["record_id"] in ids
        assert r["fetched_at"]


def test_normalise_archive_gives_the_same_records_as_the_crawl(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "again.jsonl"
    proc = _run(
        [str(BIN / "govcrawl"), "normalise", "--archive", str(demo.archive_dir), "--out", str(out)]
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (demo.archive_dir / "records.jsonl").read_bytes()


def test_warcio_check_accepts_the_demo_warcs(demo: Demo) -> None:
    files = sorted(map(str, (demo.archive_dir / "warc").glob("*.warc.gz")))
    proc = _run([str(BIN / "warcio"), "check", *files])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_report_pages_listed_with_their_capture(demo: Demo) -> None:
    pages = [
        json.loads(line)
        for line in (demo.archive_dir / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ids = {r.rec_headers.get_header("WARC-Record-ID") for r in demo.responses()}
    assert {urlsplit(p["url"]).path for p in pages} == set(SEED_PATHS.values())
    assert all(p["record_id"] in ids and p["rule"] for p in pages)
