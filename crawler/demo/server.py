"""Serve the demo portal on 127.0.0.1 with a threaded stdlib HTTP/1.1 server.

The server behaves like a real portal's web server where it matters to a crawler and an
archive: persistent connections, gzip for clients that accept it, chunked transfer
coding on some pages, Last-Modified / If-Modified-Since (304), 301 redirects for
column paths without a trailing slash, 404 for broken links, two Set-Cookie headers on
the home page. Query strings are ignored for routing. Used by ``govcrawl demo`` and the
tests; ``DemoPortal`` is a context manager that always stops the server thread.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from crawler.demo.site import REDIRECTS, Page, build_site

NOT_FOUND = Page(
    body="<!DOCTYPE html><html><head><title>404 页面不存在</title></head>"
    "<body><h1>404</h1><p>您访问的页面不存在或已被删除。</p></body></html>".encode(),
    status=404,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer coding
    server_version = "nginx"
    sys_version = ""
    site: ClassVar[dict[str, Page]] = {}

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: the crawler logs every exchange already.
        return

    def _send(self, page: Page, head_only: bool = False) -> None:
        body = page.body
        accept = self.headers.get("Accept-Encoding", "")
        gzipped = page.gzip and "gzip" in accept.lower()
        if gzipped:
            body = gzip.compress(body, mtime=0)
        not_modified = (
            page.status == 200 and self.headers.get("If-Modified-Since") == page.last_modified
        )
        self.send_response(304 if not_modified else page.status)
        self.send_header("Content-Type", page.content_type)
        if page.status == 200:
            self.send_header("Last-Modified", page.last_modified)
        for name, value in page.headers:
            self.send_header(name, value)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if not_modified:
            self.end_headers()
            return
        if page.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head_only:
                step = 4096
                for i in range(0, len(body), step):
                    part = body[i : i + step]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _route(self, head_only: bool = False) -> None:
        path = unquote(urlsplit(self.path).path) or "/"
        if path in REDIRECTS:
            self.send_response(301, "Moved Permanently")
            self.send_header("Location", REDIRECTS[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(self.site.get(path, NOT_FOUND), head_only=head_only)

    def do_GET(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route(head_only=True)


class DemoPortal:
    """The demo portal on 127.0.0.1:``port`` (0 = any free port), in a background thread."""

    def __init__(self, port: int = 0) -> None:
        handler = type("DemoHandler", (_Handler,), {"site": build_site()})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-portal", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The portal's home page URL."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> DemoPortal:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> DemoPortal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
