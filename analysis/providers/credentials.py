"""Turn a metric's `headers` and `authentication` settings into what goes on its HTTP requests.

Owns the OAuth2 client-credentials token cache. Talks HTTP only to token endpoints, and reads no clock:
token expiry is judged against the `now` the caller passes in.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from analysis.providers.base import ProviderError

EXPIRY_MARGIN = timedelta(seconds=10)  # renew a little early, as golang.org/x/oauth2 does


def request_headers(entries: Any, field: str = "headers") -> dict[str, str]:
    """`[{key, value}]` → a header dict. Names are case-insensitive and a later entry wins (Go's Header.Set)."""
    if not entries:
        return {}
    if not isinstance(entries, list):
        raise ProviderError(f"{field}: expected a list of {{key, value}}, got {type(entries).__name__}")
    headers: dict[str, str] = {}
    for index, entry in enumerate(entries):
        key = entry.get("key") if isinstance(entry, Mapping) else None
        if not key:
            raise ProviderError(f"{field}[{index}].key is required")
        for existing in [name for name in headers if name.lower() == str(key).lower()]:
            del headers[existing]
        headers[str(key)] = str(entry.get("value") or "")
    return headers


def basic_auth(authentication: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """`authentication.basicAuth` as a (username, password) pair; None when unset, an error when half set."""
    basic = (authentication or {}).get("basicAuth") or {}
    username, password = str(basic.get("username") or ""), str(basic.get("password") or "")
    if not username and not password:
        return None
    if not username or not password:
        raise ProviderError("authentication.basicAuth needs both username and password")
    return username, password


@dataclass(frozen=True)
class _Token:
    header: str  # the whole Authorization header value, e.g. "Bearer abc"
    expires_at: datetime | None  # None: the server gave no lifetime, so it is reused until the process ends


class OAuth2Tokens:
    """Client-credentials access tokens, fetched on first use and cached per endpoint and client until expiry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str, tuple[str, ...]], _Token] = {}

    def authorization(
        self, oauth2: Mapping[str, Any] | None, *, now: datetime, timeout: float, verify: bool
    ) -> str | None:
        """The Authorization header for `authentication.oauth2`, or None when it sets no `tokenUrl`."""
        settings = oauth2 or {}
        token_url = str(settings.get("tokenUrl") or "")
        if not token_url:
            return None
        client_id, client_secret = str(settings.get("clientId") or ""), str(settings.get("clientSecret") or "")
        if not client_id or not client_secret:
            raise ProviderError("authentication.oauth2 needs clientId and clientSecret when tokenUrl is set")
        scopes = tuple(str(scope) for scope in settings.get("scopes") or ())
        key = (token_url, client_id, client_secret, scopes)
        with self._lock:  # one fetch per key at a time; the cache is shared by every metric of the process
            cached = self._cache.get(key)
            if cached is not None and (cached.expires_at is None or now < cached.expires_at - EXPIRY_MARGIN):
                return cached.header
            token = _fetch(token_url, client_id, client_secret, scopes, now=now, timeout=timeout, verify=verify)
            self._cache[key] = token
            return token.header


def _fetch(
    url: str, client_id: str, secret: str, scopes: tuple[str, ...], *, now: datetime, timeout: float, verify: bool
) -> _Token:
    form = {"grant_type": "client_credentials"}
    if scopes:
        form["scope"] = " ".join(scopes)
    try:
        # RFC 6749 §2.3.1: credentials in a Basic header first; some servers only read them from the form.
        response = requests.post(
            url, data=form, auth=(quote(client_id, safe=""), quote(secret, safe="")), timeout=timeout, verify=verify
        )
        if response.status_code in (400, 401):
            response = requests.post(
                url, data={**form, "client_id": client_id, "client_secret": secret}, timeout=timeout, verify=verify
            )
    except requests.RequestException as error:
        raise ProviderError(f"oauth2 token request to {url} failed: {error}") from error
    if not 200 <= response.status_code < 300:
        raise ProviderError(f"oauth2 token request to {url} failed: HTTP {response.status_code}: {response.text[:200]}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("access_token"):
        raise ProviderError(f"oauth2 token response from {url} has no access_token")
    kind = str(body.get("token_type") or "Bearer")
    kind = {"bearer": "Bearer", "mac": "MAC", "basic": "Basic"}.get(kind.lower(), kind)
    return _Token(f"{kind} {body['access_token']}", _expiry(body.get("expires_in"), now))


def _expiry(lifetime: Any, now: datetime) -> datetime | None:
    try:
        seconds = float(lifetime)  # a number, or a numeric string from lenient servers
    except (TypeError, ValueError):
        return None
    return now + timedelta(seconds=seconds) if seconds > 0 else None
