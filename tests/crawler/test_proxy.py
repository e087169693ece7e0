"""``http_proxy`` is honoured: a crawl of a real-looking host name through a local proxy.

A tiny forwarding proxy on 127.0.0.1 sends every request to the demo portal, so the
crawl can use ``http://www.demo-county.gov.cn/`` (which does not resolve here) exactly as
it would on the internet. The archive must hold the origin URLs, origin-form request
lines with the origin's Host header, and no WARC-IP-Address (the proxy's address is not
the server's).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from crawler.demo.server import DemoPortal
from crawler.demo.site import SEED_PATHS
from tests.crawler.warcbytes import archive_records
from tests.subprocesses import run_govcrawl

HOST = "www.demo-county.gov.cn"
HOP_BY_HOP = {
    "connection",
    "proxy-connection",
    "proxy-authorization",
    "keep-alive",
    "transfer-encoding",
    "content-length",
}


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream_port: ClassVar[int] = 0
    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self.seen.append(self.path)  # absolute-form, as a client sends it to a proxy
        if auth := self.headers.get("Proxy-Authorization"):
            self.seen.append("auth:" + auth)
        parts = urlsplit(self.path)
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        resp = upstream.getresponse()
        body = resp.read()
        self.send_response(resp.status, resp.reason)
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    with DemoPortal() as portal:
        seen: list[str] = []
        handler = type("Forward", (_Forward,), {"upstream_port": portal.port, "seen": seen})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", seen
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


def test_crawl_through_http_proxy_archives_origin_urls(
    proxy: tuple[str, list[str]], tmp_path: Path
) -> None:
    proxy_url, seen = proxy
    # with credentials: the proxy gets them, the archive must not
    env = {"http_proxy": proxy_url.replace("://", "://crawler:s3cret@"), "no_proxy": ""}
    archive_dir = tmp_path / "archive"
    proc = run_govcrawl(
        "crawl",
        f"http://{HOST}/",
        "--archive",
        str(archive_dir),
        "--delay",
        "0",
        "--log-level",
        "WARNING",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    # Every fetch went through the proxy, with absolute-form targets.
    assert f"http://{HOST}/robots.txt" in seen
    assert f"http://{HOST}/" in seen

    records = archive_records(archive_dir)
    responses = [r for r in records if r.type == "response"]
    uris = {r.get("WARC-Target-URI") for r in responses}
    for path in SEED_PATHS.values():
        assert f"http://{HOST}{path}" in uris
    assert all(r.get("WARC-IP-Address") is None for r in responses)
    assert "auth:Basic Y3Jhd2xlcjpzM2NyZXQ=" in seen
    assert not any(b"s3cret" in r.block or b"Y3Jhd2xlcjpzM2NyZXQ" in r.block for r in records)
    assert not any(b"Proxy-Authorization" in r.block for r in records if r.type == "request")

    home = next(
        r for r in records if r.type == "request" and r.get("WARC-Target-URI") == f"http://{HOST}/"
    )
    assert home.block.startswith(b"GET / HTTP/1.1\r\nHost: www.demo-county.gov.cn\r\n")
    meta = next(
        r
        for r in records
        if r.type == "metadata" and r.get("WARC-Concurrent-To") == home.get("WARC-Concurrent-To")
    )
    assert b"x-via_proxy: yes\r\n" in meta.block
    assert b"portal: demo-county.gov.cn\r\n" in meta.block

    lines = (archive_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    assert all(urlsplit(json.loads(line)["source_url"]).hostname == HOST for line in lines)


def test_several_start_sites_each_in_scope_by_registrable_domain(
    proxy: tuple[str, list[str]], tmp_path: Path
) -> None:
    proxy_url, seen = proxy
    env = {"http_proxy": proxy_url, "no_proxy": ""}
    archive_dir = tmp_path / "archive"
    other = "xxgk.other-county.gov.cn"
    proc = run_govcrawl(
        "crawl",
        f"http://{HOST}/",
        f"http://{other}/zwgk/zfxxgk/",
        "--archive",
        str(archive_dir),
        "--delay",
        "0",
        "--log-level",
        "WARNING",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    records = archive_records(archive_dir)
    uris = {r.get("WARC-Target-URI") for r in records if r.type == "response"}
    report = SEED_PATHS["000_4203514349d05a27.txt"]
    assert f"http://{HOST}{report}" in uris
    assert f"http://{other}{report}" in uris
    assert f"http://{other}/robots.txt" in uris
    # every fetch of the second site went to that site (same host, through the proxy)
    assert any(u.startswith(f"http://{other}/") for u in seen)
