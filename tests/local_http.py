"""Real HTTP(S) servers on 127.0.0.1 for provider tests: scripted endpoints that record what they were sent,
and a Prometheus exporter whose values the test sets. Each runs in a daemon thread; nothing here is a mock.
"""

from __future__ import annotations

import math
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    """One request as the server received it; header names are lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    delay: float = 0.0  # seconds the server holds the reply back, to run clients into their timeouts
    headers: dict[str, str] = field(default_factory=dict)


Answer = Reply | Callable[[Seen], Reply]


class LocalServer:
    """A threaded HTTP server; each path answers with a fixed Reply or a function of the request.

    Unrouted paths go to `fallback` (404 without one). With `tls=(cert, key)` it speaks HTTPS.
    """

    def __init__(self, *, fallback: Callable[[Seen], Reply] | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.seen: list[Seen] = []
        self._routes: dict[str, Answer] = {}
        self._fallback = fallback
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=f"local-http-{self.port}", daemon=True)
        self._thread.start()

    def route(self, path: str, answer: Answer) -> str:
        """Serve `path` with `answer`; returns the full URL."""
        self._routes[path] = answer
        return self.url + path

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def answer(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        answer = self._routes.get(seen.path)
        if answer is None:
            return self._fallback(seen) if self._fallback else Reply(404, b"not found", "text/plain")
        reply = answer(seen) if callable(answer) else answer
        if reply.delay:
            self._closing.wait(reply.delay)
        return reply


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = server.answer(Seen(self.command, parts.path, parse_qs(parts.query), headers, body))
            payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to tell it

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Exporter:
    """Prometheus text-format metrics at /metrics; `set('http_requests_total{code="200"}', 100)` changes a series."""

    def __init__(self) -> None:
        self._values: dict[str, float] = {}
        self._lock = threading.Lock()
        self.server = LocalServer()
        self.server.route("/metrics", self._render)
        self.target = f"127.0.0.1:{self.server.port}"

    def set(self, series: str, value: float) -> None:
        with self._lock:
            self._values[series] = float(value)

    def remove(self, series: str) -> None:
        with self._lock:
            self._values.pop(series, None)

    def close(self) -> None:
        self.server.close()

    def _render(self, _seen: Seen) -> Reply:
        with self._lock:
            lines = [f"{series} {_sample(value)}\n" for series, value in sorted(self._values.items())]
        return Reply(200, "".join(lines), "text/plain; version=0.0.4")


def _sample(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 that no client trusts, made with openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key
