"""Capture fidelity: a server sends exactly chosen bytes; the WARC records must hold them.

One real crawl (govcrawl's settings, download handler and capture component, in a
subprocess) against ``RawServer``; each test then compares the stored records, read as
raw bytes by ``warcbytes``, with the bytes that crossed the socket in each direction.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crawler.rawserver import RawServer
from tests.crawler.warcbytes import RawRecord, archive_records
from tests.crawler.wire_crawl import POST_BODY, SEEN_FILE

ROOT = Path(__file__).resolve().parents[2]

GZ_BODY = gzip.compress("<html><body>政府信息公开年报</body></html>".encode(), mtime=0)
GBK_NAME = "2023年度报告.pdf".encode("gbk")


def _response(head: bytes, body: bytes = b"") -> bytes:
    return head + b"\r\n\r\n" + body


REASON_BODY = "政府信息公开工作年度报告。".encode() * 200
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
SENT: dict[str, bytes] = {
    "/robots.txt": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d" % len(ROBOTS),
        ROBOTS,
    ),
    # Odd reason, repeated Set-Cookie interleaved with other headers, names in odd case,
    # a non-UTF-8 (GBK) header value, an empty header value.
    "/headers": _response(
        b"HTTP/1.1 200 Okey Dokey\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Set-Cookie: JSESSIONID=abc; Path=/\r\n"
        b"x-lower-case: yes\r\n"
        b"X-MiXeD-CaSe: Yes\r\n"
        b"Set-Cookie: SERVERID=web01; Path=/\r\n"
        b'Content-Disposition: attachment; filename="' + GBK_NAME + b'"\r\n'
        b"X-Empty: \r\n"
        b"Content-Length: 5",
        b"hello",
    ),
    "/gzip": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Encoding: gzip\r\nContent-Length: %d" % len(GZ_BODY),
        GZ_BODY,
    ),
    "/chunked": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nX-After: 1",
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    ),
    "/gzip-chunked": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"Transfer-Encoding: chunked",
        b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, GZ_BODY[:10], len(GZ_BODY) - 10, GZ_BODY[10:]),
    ),
    "/api/list": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: 11",
        b'{"total":0}',
    ),
    "/notmod": _response(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nServer: TRS'),
    "/missing": _response(
        b"HTTP/1.1 404 Nicht Gefunden\r\nContent-Type: text/html\r\nContent-Length: 9", b"not here!"
    ),
    "/error": _response(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4",
        b"oops",
    ),
    "/redirect": _response(
        b"HTTP/1.1 302 Found\r\nLocation: /gzip?via=redirect\r\nContent-Length: 0"
    ),
    # (a body long enough not to look like an anti-bot stub to the challenge detector)
    "/reason": _response(
        "HTTP/1.1 200 Très Bien\r\nContent-Type: text/plain\r\nContent-Length: %d".encode("latin-1")
        % len(REASON_BODY),
        REASON_BODY,
    ),
    # An old server: HTTP/1.0, no Content-Length, the body ends when the connection closes.
    "/http10": _response(
        b"HTTP/1.0 200 OK\r\nServer: Microsoft-IIS/6.0\r\nContent-Type: text/html; charset=gb2312",
        "<html>政府信息公开</html>".encode("gbk"),
    ),
    # The server promises 100 bytes, sends 26 and hangs up.
    "/truncated": _response(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100",
        b"the first 26 bytes arrived",
    ),
}


@dataclass
class Crawled:
    archive_dir: Path
    server: RawServer
    records: list[RawRecord]

    def of_type(self, rtype: str, path: str) -> list[RawRecord]:
        """Records of a type whose target URI has this path (query ignored)."""
        out = []
        for r in self.records:
            uri = r.get("WARC-Target-URI") or ""
            if (
                r.type == rtype
                and uri.split("://", 1)[1].split("/", 1)[1].split("?")[0] == path[1:]
            ):
                out.append(r)
        return out

    def one(self, rtype: str, path: str) -> RawRecord:
        found = self.of_type(rtype, path)
        assert len(found) == 1, f"{len(found)} {rtype} records for {path}"
        return found[0]

    def by_id(self, record_id: str) -> RawRecord:
        return next(r for r in self.records if r.get("WARC-Record-ID") == record_id)

    def metadata_of(self, response: RawRecord) -> dict[str, str]:
        rid = response.get("WARC-Record-ID")
        meta = next(
            r for r in self.records if r.type == "metadata" and r.get("WARC-Concurrent-To") == rid
        )
        fields = {}
        for line in meta.block.decode().split("\r\n"):
            name, sep, value = line.partition(": ")
            if sep:
                fields.setdefault(name, value)
        return fields


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    archive_dir = tmp_path_factory.mktemp("wire") / "archive"
    # robots.txt answers late, so every scenario request waits for it (all of them must
    # then obey it, not only the first: see test_robots_txt_captured_marked_and_obeyed).
    with RawServer(
        dict(SENT), close_after=frozenset({"/truncated"}), delays={"/robots.txt": 0.5}
    ) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.crawler.wire_crawl", str(archive_dir), server.base],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        yield Crawled(archive_dir, server, archive_records(archive_dir))


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


@pytest.mark.parametrize(
    "path",
    [
        "/robots.txt",
        "/headers",
        "/gzip",
        "/api/list",
        "/notmod",
        "/missing",
        "/reason",
        "/http10",
    ],
)
def test_response_record_is_exactly_what_the_server_sent(crawled: Crawled, path: str) -> None:
    stored = crawled.of_type("response", path)
    assert stored, f"no response record for {path}"
    # /gzip is fetched twice (directly and through the redirect): both are exact.
    for record in stored:
        assert record.block == SENT[path]


def test_error_status_stored_exactly_and_every_retry_attempt_captured(crawled: Crawled) -> None:
    attempts = crawled.of_type("response", "/error")
    assert len(attempts) == 2  # RETRY_TIMES=1: the first try and one retry
    assert all(r.block == SENT["/error"] for r in attempts)
    assert len(crawled.server.requests_for("/error")) == 2
    assert crawled.metadata_of(attempts[1]).get("x-retry_attempt") == "1"


def test_chunked_body_stored_dechunked_with_consistent_headers(crawled: Crawled) -> None:
    record = crawled.one("response", "/chunked")
    assert record.http_head == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-After: 1\r\nContent-Length: 11\r\n\r\n"
    )
    assert record.http_body == b"hello world"
    meta = crawled.metadata_of(record)
    assert meta["http-header-removed"] == "Transfer-Encoding: chunked"
    assert meta["http-header-added"] == "Content-Length: 11"


def test_gzip_sent_chunked_is_stored_dechunked_but_still_gzip(crawled: Crawled) -> None:
    record = crawled.one("response", "/gzip-chunked")
    assert record.http_body == GZ_BODY
    assert b"Content-Encoding: gzip\r\n" in record.http_head
    assert record.get("WARC-Payload-Digest") == _sha1(GZ_BODY)


def test_payload_digest_is_over_the_body_as_received(crawled: Crawled) -> None:
    for record in crawled.of_type("response", "/gzip"):
        assert record.get("WARC-Payload-Digest") == _sha1(GZ_BODY)
        assert record.get("WARC-Block-Digest") == _sha1(record.block)


def test_request_records_are_exactly_what_the_server_received(crawled: Crawled) -> None:
    requests = [r for r in crawled.records if r.type == "request"]
    received = [r.head + r.body for r in crawled.server.received]
    assert len(requests) == len(received)
    for record in requests:
        assert record.block in received, record.block[:200]


def test_query_string_and_post_body_on_the_request_line(crawled: Crawled) -> None:
    get = crawled.one("request", "/headers")
    assert get.block.startswith(b"GET /headers?x=1&y=%E4%B8%AD&y=2 HTTP/1.1\r\nHost: 127.0.0.1:")
    post = crawled.one("request", "/api/list")
    assert post.block.startswith(b"POST /api/list?channel=7 HTTP/1.1\r\n")
    assert b"\r\nContent-Type: application/json\r\n" in post.http_head
    assert b"\r\nContent-Length: %d\r\n" % len(POST_BODY) in post.http_head
    assert post.http_body == POST_BODY
    assert post.get("WARC-Payload-Digest") == _sha1(POST_BODY)


def test_conditional_request_headers_are_recorded(crawled: Crawled) -> None:
    request = crawled.one("request", "/notmod")
    assert b"\r\nIf-Modified-Since: Tue, 30 Jan 2024 01:30:00 GMT\r\n" in request.http_head


def test_request_and_response_linked_with_warcinfo_and_ip(crawled: Crawled) -> None:
    infos = {r.get("WARC-Record-ID") for r in crawled.records if r.type == "warcinfo"}
    responses = {r.get("WARC-Record-ID"): r for r in crawled.records if r.type == "response"}
    for r in crawled.records:
        if r.type == "request":
            assert r.get("WARC-Concurrent-To") in responses
        if r.type in ("request", "response", "metadata"):
            assert r.get("WARC-Warcinfo-ID") in infos
    assert all(r.get("WARC-IP-Address") == "127.0.0.1" for r in responses.values())


def test_redirect_hops_are_both_captured(crawled: Crawled) -> None:
    hop = crawled.one("response", "/redirect")
    assert hop.block == SENT["/redirect"]
    target = next(
        r
        for r in crawled.of_type("response", "/gzip")
        if "via=redirect" in str(r.get("WARC-Target-URI"))
    )
    meta = crawled.metadata_of(target)
    assert meta["x-redirected_from"].endswith("/redirect")


def test_robots_txt_captured_marked_and_obeyed(crawled: Crawled) -> None:
    robots = crawled.one("response", "/robots.txt")
    assert crawled.metadata_of(robots).get("x-fetch_reason") == "robots.txt"
    assert crawled.server.requests_for("/private/secret") == []
    assert crawled.of_type("response", "/private/secret") == []


def test_provenance_from_request_meta_in_metadata_record(crawled: Crawled) -> None:
    meta = crawled.metadata_of(crawled.one("response", "/headers"))
    assert meta["portal"] == "wire"
    assert meta["hopsFromSeed"] == "L"
    assert meta["via"] == crawled.server.base + "/"
    assert meta["charset-decision"] == "http-header:utf-8"
    assert meta["fetch-method"] == "http"


def test_capture_ref_reaches_the_spider_in_response_meta(crawled: Crawled) -> None:
    seen = [
        json.loads(line)
        for line in (crawled.archive_dir / SEEN_FILE).read_text(encoding="utf-8").splitlines()
    ]
    assert seen, "the spider saw no response"
    for entry in seen:
        record = crawled.by_id(entry["record_id"])
        assert record.type == "response"
        assert record.get("WARC-Target-URI") == entry["url"]


def test_warcio_check_accepts_the_files(crawled: Crawled) -> None:
    files = sorted((crawled.archive_dir / "warc").glob("*.warc.gz"))
    assert files
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run(
        [str(warcio), "check", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_body_cut_short_is_archived_as_received_and_flagged(crawled: Crawled) -> None:
    record = crawled.one("response", "/truncated")
    assert record.block == SENT["/truncated"]  # the head as sent, the 26 bytes that came
    assert crawled.metadata_of(record)["x-response_flags"] == "dataloss"
    assert record.get("WARC-Truncated") == "disconnect"
    assert all(r.get("WARC-Truncated") is None for r in crawled.records if r is not record)
