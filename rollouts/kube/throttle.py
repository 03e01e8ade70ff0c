"""The client-side rate limit every request passes before it is sent."""

from __future__ import annotations

import threading
import time


class Throttle:
    """client-go's token bucket (Argo's --qps and --burst): `qps` requests a second on average, `burst` at once.

    Each caller reserves a token, going into debt if none is left, and sleeps until its token would have come in.
    """

    def __init__(self, qps: float, burst: int) -> None:
        self.qps = qps
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if self.qps <= 0:
            return  # unlimited
        with self._lock:
            now = time.monotonic()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps) - 1
            self._last = now
            delay = -self._tokens / self.qps
        if delay > 0:
            time.sleep(delay)
