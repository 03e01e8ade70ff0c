"""Signing in and out, who is asking, and the CSRF check every action passes.

Two modes: a user pastes a Kubernetes bearer token into the sign-in form (the API server's TokenReview says who
it is), or, in-cluster behind an authenticating proxy, the proxy's header names the user (and groups). Either
way the browser only ever holds an HttpOnly, SameSite=Strict session cookie; the CSRF token it must echo in
`X-CSRF-Token` on every action comes from `/api/session` and is bound to that session.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from plugin.dashboard import pages
from plugin.dashboard.access import User, review_token
from plugin.dashboard.sessions import SESSION_SECONDS, Session, Sessions
from rollouts.kube.client import Kube

COOKIE = "rollouts_dashboard_session"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_LIMIT = 16_384
"""Largest sign-in form accepted (service-account JWTs are ~1 KiB)."""


@dataclass(frozen=True)
class AuthConfig:
    user_header: str | None = None
    """Trust this request header as the user name (only behind an authenticating proxy); None: token sign-in."""
    groups_header: str = "X-Forwarded-Groups"
    secure_cookie: bool = False
    """Mark the cookie Secure (when served over HTTPS)."""


class Auth:
    def __init__(self, kube: Kube, config: AuthConfig) -> None:
        self._kube = kube
        self.config = config
        self.sessions = Sessions()

    def user(self, request: Request) -> User:
        """The user behind a read; 401 when nobody is signed in."""
        if self.config.user_header:
            return self._proxy_user(request)
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is None:
            raise HTTPException(401, "sign in first")
        return session.user

    def session(self, request: Request) -> Session | None:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is not None and self.config.user_header and session.user != self._proxy_user(request):
            return None  # the proxy now vouches for someone else
        return session

    def action_session(self, request: Request) -> Session:
        """The session an action runs in, once the request proved it came from our own page."""
        session = self.session(request)
        if session is None:
            raise HTTPException(401, "sign in first")
        if not _same_origin(request):
            raise HTTPException(403, "cross-origin request refused")
        if not session.csrf_matches(request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
        return session

    def session_info(self, request: Request) -> Response:
        """Who is signed in and the CSRF token for actions; behind a proxy this is where the session starts."""
        session = self.session(request)
        if session is None and self.config.user_header:
            session = self.sessions.create(self._proxy_user(request), None)
        if session is None:
            raise HTTPException(401, "sign in first")
        response = JSONResponse(
            {
                "user": session.user.name,
                "groups": list(session.user.groups),
                "csrf": session.csrf,
                "proxy": bool(self.config.user_header),
            }
        )
        self._set_cookie(response, session)
        return response

    def login_page(self, _request: Request) -> Response:
        if self.config.user_header:
            return RedirectResponse("/", 303)
        return HTMLResponse(pages.login())

    async def login(self, request: Request) -> Response:
        if self.config.user_header:
            return RedirectResponse("/", 303)
        body = await request.body()
        token = (
            parse_qs(body.decode(errors="replace")).get("token", [""])[0].strip() if len(body) <= TOKEN_LIMIT else ""
        )
        if not token:
            return HTMLResponse(pages.login("Paste a Kubernetes bearer token."), 400)
        user = await run_in_threadpool(review_token, self._kube, token)
        if user is None:
            return HTMLResponse(pages.login("The API server did not accept this token."), 401)
        response = RedirectResponse("/", 303)
        self._set_cookie(response, self.sessions.create(user, token))
        return response

    def logout(self, request: Request) -> Response:
        self.action_session(request)
        self.sessions.drop(request.cookies.get(COOKIE))
        response = JSONResponse({"signedOut": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    def _proxy_user(self, request: Request) -> User:
        name = request.headers.get(self.config.user_header or "", "").strip()
        if not name:
            raise HTTPException(401, f"the authenticating proxy sent no {self.config.user_header} header")
        groups = request.headers.get(self.config.groups_header, "")
        return User(name, tuple(group.strip() for group in groups.split(",") if group.strip()))

    def _set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.id,
            max_age=int(SESSION_SECONDS),
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.config.secure_cookie,
        )


def _same_origin(request: Request) -> bool:
    """No Origin (same-origin GET-style clients) is fine; a present one must name the host we were asked as."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    return urlsplit(origin).netloc in hosts - {""}
