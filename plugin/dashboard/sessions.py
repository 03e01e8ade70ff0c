"""Signed-in users: a random session id in an HttpOnly cookie, and a CSRF token the page sends back on actions.

Sessions live in this process only (a restart signs everyone out). A bearer token a user signed in with stays
here, never in a page or URL: actions are sent with it, so the API server checks them once more itself.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from plugin.dashboard.access import User

SESSION_SECONDS = 8 * 3600.0
SESSION_LIMIT = 10_000


@dataclass(frozen=True)
class Session:
    id: str
    user: User
    csrf: str
    token: str | None
    """The bearer token the user signed in with; None behind an authenticating proxy."""
    expires: float

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), self.csrf.encode())


class Sessions:
    def __init__(self, *, ttl: float = SESSION_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, user: User, token: str | None) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), token, now + self._ttl)
        with self._lock:
            if len(self._by_id) >= SESSION_LIMIT:
                self._by_id = {k: s for k, s in self._by_id.items() if s.expires > now}
            self._by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._by_id.get(session_id)
        if session is None or session.expires <= self._clock():
            return None
        return session

    def drop(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)
