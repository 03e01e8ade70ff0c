"""A real local HTTP server standing in for a webhook receiver, Slack's Web API and a Teams incoming webhook.

It answers as each service does (Slack: `{"ok": true}`, Teams: `1`) and records every request; `failing` makes a
path answer 500 until it is cleared, `slow` makes it wait `SLOW_SECONDS` before answering. Nothing here is a mock of our code: the notifier talks HTTP to it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_SECONDS = 12.0
ANSWERS = {
    "/verdict": (b'{"ok": false}', "application/json"),
    "/slack/chat.postMessage": (b'{"ok": true, "channel": "C1", "ts": "1.0"}', "application/json"),
    "/teams/releases": (b"1", "text/plain"),
}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    accepted: bool

    def json(self) -> Any:
        return json.loads(self.body)


class Receivers:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failing: set[str] = set()
        self.slow: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def accepted(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path and r.accepted]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path in receivers.slow:
                    time.sleep(SLOW_SECONDS)
                ok = self.path not in receivers.failing
                with receivers._lock:
                    receivers.received.append(
                        Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, ok)
                    )
                answer, content_type = (
                    ANSWERS.get(self.path, (b"ok", "text/plain")) if ok else (b"receiver down", "text/plain")
                )
                self.send_response(200 if ok else 500)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
