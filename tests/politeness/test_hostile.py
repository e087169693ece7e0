"""Hostile servers at the socket level: not HTTP at all, and a body that never ends."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.politeness.conftest import page, run_crawl


class RawSocketServer:
    """Answers every connection on 127.0.0.1 with ``behave(conn)``; stopped by the test."""

    def __init__(self, behave: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.behave = behave
        self.stopping = threading.Event()
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                self.behave(conn)
            except OSError:
                pass  # the crawler hung up: what a bounded client does

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawSocketServer]]:
    servers: list[RawSocketServer] = []

    def start(behave: Callable[[socket.socket], None]) -> RawSocketServer:
        servers.append(RawSocketServer(behave))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def test_not_http_and_endless_bodies_fail_bounded(serve, raw_server, tmp_path: Path) -> None:
    def not_http(conn: socket.socket) -> None:
        conn.sendall(b"\x00\xffSSH-2.0-garbage\r\n\r\n" * 10)

    def endless(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        chunk = b"<p>" + b"x" * 16384 + b"</p>"
        for _ in range(100_000):  # bounded: ~1.6 GB at most, the crawler stops far earlier
            if conn.sendall(chunk) is not None:
                break

    garbage = raw_server(not_http)
    flood = raw_server(endless)
    site = serve(
        {
            "/": page(
                (f"http://127.0.0.1:{garbage.port}/", "garbage"),
                (f"http://127.0.0.1:{flood.port}/", "flood"),
                ("/ok", "ok"),
            ),
            "/ok": page(),
        }
    )
    crawl = run_crawl([site.url("/")], tmp_path, DOWNLOAD_MAXSIZE=256 * 1024)
    assert crawl.stats["finish_reason"] == "finished"
    assert site.url("/ok") in crawl.spider.parsed
    report = json.loads((tmp_path / "crawl-report.json").read_text())
    failures = report["portals"]["p"]["failures"]
    # robots.txt and the page of each hostile host failed, and were counted
    assert sum(failures.values()) == 4, failures
    assert garbage.connections >= 1
    assert flood.connections >= 1
