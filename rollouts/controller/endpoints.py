"""The controller's HTTP endpoints: Prometheus metrics and /healthz, each on its own port and daemon thread."""

from __future__ import annotations

import http.server
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import make_wsgi_app

from rollouts import __version__
from rollouts.controller.metrics import ControllerMetrics


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_metrics(metrics: ControllerMetrics, port: int) -> threading.Thread | None:
    if port == 0:
        return None
    metrics.info.labels(__version__).set(1)
    server = make_server("", port, make_wsgi_app(metrics.registry), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    return thread


class _Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = self.path.rstrip("/") == "/healthz"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"not found")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_healthz(port: int) -> threading.Thread | None:
    if port == 0:
        return None
    server = http.server.ThreadingHTTPServer(("", port), _Healthz)
    thread = threading.Thread(target=server.serve_forever, name="healthz", daemon=True)
    thread.start()
    return thread
