"""The dashboard's HTTP side: a Starlette app over the shared caches, filtered per user by SubjectAccessReview.

Reads never reach the API server: they come from `cache.Cache`, and each answer keeps only what the user may
list (rollouts decide which namespaces they see; ReplicaSets, pods, AnalysisRuns and Experiments appear in a
tree only when those may be listed too). Actions go through `actions.perform`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from plugin import intents
from plugin.dashboard import actions, model, pages
from plugin.dashboard.access import Authoriser, User
from plugin.dashboard.auth import Auth, AuthConfig
from plugin.dashboard.cache import KINDS, Cache
from plugin.dashboard.live import Feed
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

STATIC = Path(__file__).parent / "static"
TREE_KINDS = ("replicasets", "pods", "analysisruns", "experiments")


class Dashboard:
    def __init__(
        self, kube: Kube, config: AuthConfig, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.kube = kube
        self.auth = Auth(kube, config)
        self.authoriser = Authoriser(kube)
        self.cache = Cache(kube)
        self.feed = Feed()
        self.cache.subscribe(self.feed.changed)
        self.now = now

    # ---- what a user may see ---------------------------------------------------------------------------------

    def may_list(self, user: User, kind: str, namespace: str) -> bool:
        resource = KINDS[kind]
        return self.authoriser.allowed(user, "list", resource, "") or self.authoriser.allowed(
            user, "list", resource, namespace
        )

    def visible_namespaces(self, user: User) -> list[str]:
        return [ns for ns in self.cache.namespaces() if self.may_list(user, "rollouts", ns)]

    def objects(self, user: User, kind: str, namespace: str) -> list[dict[str, Any]]:
        return self.cache.in_namespace(kind, namespace) if self.may_list(user, kind, namespace) else []

    # ---- endpoints -------------------------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        if not self.auth.config.user_header and self.auth.session(request) is None:
            return Response(status_code=303, headers={"Location": "/login"})
        return HTMLResponse(pages.shell())

    def namespaces(self, request: Request) -> Response:
        return JSONResponse({"namespaces": self.visible_namespaces(self.auth.user(request))})

    def rollouts(self, request: Request) -> Response:
        user = self.auth.user(request)
        wanted = request.query_params.get("namespace")
        rows = []
        for namespace in self.visible_namespaces(user):
            if wanted and namespace != wanted:
                continue
            runs = self.objects(user, "analysisruns", namespace)
            rows += [model.row(rollout, runs) for rollout in self.cache.in_namespace("rollouts", namespace)]
        rows.sort(key=lambda line: (line["namespace"], line["name"]))
        return JSONResponse({"rollouts": rows})

    def rollout(self, request: Request) -> Response:
        user = self.auth.user(request)
        namespace, name = request.path_params["namespace"], request.path_params["name"]
        if not self.authoriser.allowed(user, "get", resources.ROLLOUTS, namespace):
            raise HTTPException(403, f"{user.name} may not get rollouts in namespace {namespace}")
        found = [
            r for r in self.cache.in_namespace("rollouts", namespace) if (r.get("metadata") or {}).get("name") == name
        ]
        if not found:
            raise HTTPException(404, f"rollout {namespace}/{name} not found")
        tree = {kind: self.objects(user, kind, namespace) for kind in TREE_KINDS}
        detail = model.detail(
            rollout=found[0],
            replicasets=tree["replicasets"],
            pods=tree["pods"],
            analysis_runs=tree["analysisruns"],
            experiments=tree["experiments"],
            now=self.now(),
        )
        return JSONResponse(detail)

    def act(self, request: Request) -> Response:
        session = self.auth.action_session(request)
        namespace, name, action = (request.path_params[key] for key in ("namespace", "name", "action"))
        kube = actions.user_kube(self.kube, session.token) if session.token else self.kube
        try:
            message = actions.perform(
                action=action,
                kube=kube,
                authoriser=self.authoriser,
                user=session.user,
                namespace=namespace,
                name=name,
                replicasets=self.cache.in_namespace("replicasets", namespace),
                now=self.now(),
            )
        except actions.Refused as refused:
            return JSONResponse({"error": str(refused)}, 403)
        except intents.IntentError as error:
            return JSONResponse({"error": str(error)}, 400)
        except errors.ApiError as error:
            return JSONResponse({"error": error.message}, error.status if 400 <= error.status < 600 else 502)
        return JSONResponse({"message": message})

    async def events(self, request: Request) -> Response:
        user = self.auth.user(request)
        stream = self.feed.stream(lambda namespace: self.may_list(user, "rollouts", namespace))
        return StreamingResponse(
            stream, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )


def _error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, exc.status_code)


async def _security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    response.headers.update(pages.SECURITY_HEADERS)
    if request.url.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def build_app(dashboard: Dashboard) -> Starlette:
    """The app over a dashboard whose cache was started; its lifespan connects the live feed to the event loop."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        dashboard.feed.bind(asyncio.get_running_loop())
        yield

    routes = [
        Route("/", dashboard.index),
        Route("/healthz", lambda _request: JSONResponse({"ok": True})),
        Route("/login", dashboard.auth.login_page, methods=["GET"]),
        Route("/login", dashboard.auth.login, methods=["POST"]),
        Route("/logout", dashboard.auth.logout, methods=["POST"]),
        Route("/api/session", dashboard.auth.session_info),
        Route("/api/namespaces", dashboard.namespaces),
        Route("/api/rollouts", dashboard.rollouts),
        Route("/api/events", dashboard.events),
        Route("/api/rollouts/{namespace}/{name}", dashboard.rollout),
        Route("/api/rollouts/{namespace}/{name}/{action}", dashboard.act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(BaseHTTPMiddleware, dispatch=_security_headers)]
    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _error}, middleware=middleware
    )
