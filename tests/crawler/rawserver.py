"""A loopback HTTP/1.1 server that answers each path with exactly the bytes a test chose.

No HTTP library on the server side: the test decides every byte of the status line,
headers and body (odd reason phrases, header case, repeats, chunk framing), and the
server keeps the raw bytes of every request it received, so a test can compare what
the archive stored with what really crossed the socket. Connections are kept alive
(the scenarios are framed by Content-Length or chunking, or have no body), except
HTTP/1.0 answers, after which the connection is closed (a close-delimited body).
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit


@dataclass
class RawRequest:
    """One request as received: the head bytes (up to the blank line) and the body."""

    head: bytes
    body: bytes

    @property
    def target(self) -> str:
        return self.head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")


@dataclass
class RawServer:
    """Serve ``responses[path]`` (path without query) verbatim; unknown paths get a 404."""

    responses: dict[str, bytes]
    received: list[RawRequest] = field(default_factory=list)
    ssl_context: ssl.SSLContext | None = None  # serve HTTPS with this context
    close_after: frozenset[str] = frozenset()  # paths after whose answer the server hangs up
    # seconds to wait before answering a path: makes other requests queue up behind it
    delays: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, name="rawserver", daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def base(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def requests_for(self, path: str) -> list[RawRequest]:
        with self._lock:
            return [r for r in self.received if urlsplit(r.target).path == path]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        if self.ssl_context is not None:
            try:
                conn = self.ssl_context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        buf = b""
        with conn:
            for _ in range(1000):  # bounded: a test never sends that many requests
                while b"\r\n\r\n" not in buf:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk or self._stop.is_set():
                        return
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(buf) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]
                request = RawRequest(head + b"\r\n\r\n", body)
                with self._lock:
                    self.received.append(request)
                path = urlsplit(request.target).path
                answer = self.responses.get(
                    path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                )
                if path in self.delays:
                    self._stop.wait(self.delays[path])
                conn.sendall(answer)
                if answer.startswith(b"HTTP/1.0 ") or path in self.close_after:
                    return  # HTTP/1.0 without keep-alive, or a connection cut mid-body

    def __enter__(self) -> RawServer:
        self._accept.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._sock.close()
        self._accept.join(timeout=5)
        for t in self._threads:
            t.join(timeout=5)
