"""Who the user is (TokenReview) and what they may do (SubjectAccessReview), asked of the API server.

The server reads everything through its own informers; every response and action is filtered by what the
signed-in user may get, list or patch. Answers are cached briefly per user, namespace, verb and resource, so a
page refresh costs no review; a review that fails (API down) counts as "no" and is not cached.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource

_log = logging.getLogger(__name__)

TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"
ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
CACHE_SECONDS = 10.0
CACHE_LIMIT = 20_000


@dataclass(frozen=True)
class User:
    """A Kubernetes identity, as the authenticator (or the authenticating proxy) reported it."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""


def review_token(kube: Kube, token: str) -> User | None:
    """The user a bearer token authenticates as, or None when the API server does not accept it."""
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
    try:
        status = (kube.raw("POST", TOKEN_REVIEWS, body=body) or {}).get("status") or {}
    except errors.ApiError as error:
        _log.warning("token review failed: %s", error.message)
        return None
    if not status.get("authenticated"):
        return None
    info = status.get("user") or {}
    return User(str(info.get("username") or ""), tuple(info.get("groups") or ()), str(info.get("uid") or ""))


CacheKey = tuple[User, str, str, str, str, str]


class Authoriser:
    """`allowed(user, verb, resource, namespace)` by SubjectAccessReview, remembered for `ttl` seconds."""

    def __init__(self, kube: Kube, *, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._kube = kube
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[CacheKey, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def allowed(self, user: User, verb: str, resource: Resource, namespace: str, subresource: str = "") -> bool:
        key = (user, verb, resource.group, resource.plural, subresource, namespace)
        now = self._clock()
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        answer = self._review(user, verb, resource, namespace, subresource)
        if answer is None:
            return False
        with self._lock:
            if len(self._answers) >= CACHE_LIMIT:
                self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
            self._answers[key] = (answer, now + self._ttl)
        return answer

    def _review(self, user: User, verb: str, resource: Resource, namespace: str, subresource: str) -> bool | None:
        attributes = {"namespace": namespace, "verb": verb, "group": resource.group, "resource": resource.plural}
        if subresource:
            attributes["subresource"] = subresource
        spec: dict[str, object] = {"user": user.name, "groups": list(user.groups), "resourceAttributes": attributes}
        if user.uid:
            spec["uid"] = user.uid
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
        try:
            status = (self._kube.raw("POST", ACCESS_REVIEWS, body=body) or {}).get("status") or {}
        except errors.ApiError as error:
            _log.warning("access review for %s failed: %s", user.name, error.message)
            return None
        return bool(status.get("allowed"))
