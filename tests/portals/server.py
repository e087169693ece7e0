"""A loopback HTTP server for one simulated portal, recording every request it receives.

Binds 127.0.0.1 on port 0; ``stop()`` shuts it down (tests use it as a context manager).
A site is a function from a request to a response, so portals can compute pages (endless
traps, POST paging, JSON APIs) instead of listing every URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the server received."""

    method: str
    path: str
    query: str
    body: bytes
    host: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the site answers: status, content type, body, extra headers."""

    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Request:
    """The request a site function sees."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    base: str  # scheme://host:port of this server


Site = Callable[[Request], Reply]
NOT_FOUND = Reply(404, "text/html; charset=utf-8", b"<html><body>404</body></html>")


@dataclass(slots=True)
class PortalServer:
    """Serves one site on 127.0.0.1:<free port> and records hits."""

    site: Site
    hits: list[Hit] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0  # set by start(); kept after stop() so results can still be read

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PortalServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return  # keep test output clean

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with outer._lock:
                    outer.hits.append(
                        Hit(
                            self.command,
                            parts.path,
                            parts.query,
                            body,
                            self.headers.get("Host", ""),
                        )
                    )
                form = dict(parse_qsl(body.decode("latin-1"))) if body else {}
                req = Request(
                    self.command, parts.path, dict(parse_qsl(parts.query)), form, outer.base
                )
                try:
                    reply = outer.site(req)
                except Exception as exc:  # a site bug must show up as a 500, not a hang
                    reply = Reply(500, "text/plain", repr(exc).encode())
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers:
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = _serve
            do_POST = _serve
            do_HEAD = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
