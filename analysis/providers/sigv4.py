"""AWS Signature Version 4 for Amazon Managed Prometheus (Argo's `authentication.sigv4`).

`sign` is pure (credentials and time come in); `SigV4Auth` signs each request `requests` sends, with credentials
from the AWS_* environment variables or a profile in the shared credentials file. Assuming a role (`roleArn`) needs
a call to AWS STS, which this controller does not make: it is reported as an error, never silently skipped.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import requests

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "aps"  # Amazon Managed Service for Prometheus


class SigV4Error(ValueError):
    """The sigv4 settings or credentials are unusable; the message says which."""


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to add to a request so that AWS accepts it (Authorization, X-Amz-Date, maybe the session token)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    parts = urlsplit(url)
    added = {
        "X-Amz-Date": stamp,
        **({"X-Amz-Security-Token": credentials.session_token} if credentials.session_token else {}),
    }
    signed = {
        name.lower(): " ".join(str(value).split()) for name, value in {**headers, **added, "host": parts.netloc}.items()
    }
    names = sorted(signed)
    canonical = "\n".join(
        [
            method.upper(),
            _encode_path(parts.path or "/"),
            "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{credentials.secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    return {**added, "Authorization": authorization}


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _encode_path(path: str) -> str:
    # Services other than S3 sign the path encoded once more, segment by segment.
    return "/".join(_encode(segment) for segment in path.split("/"))


def credentials_for(settings: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Credentials, str]:
    """Credentials and region for a metric's `sigv4` block: profile, else the AWS_* environment variables."""
    if settings.get("roleArn"):
        raise SigV4Error(
            "authentication.sigv4.roleArn: assuming a role needs AWS STS, which this controller does not call; give credentials via AWS_* variables or a profile"
        )
    region = str(settings.get("region") or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "")
    if not region:
        raise SigV4Error("authentication.sigv4.region: required (or set AWS_REGION)")
    profile = settings.get("profile")
    if profile:
        path = Path(environ.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials")
        parser = configparser.ConfigParser()
        parser.read(path)
        if not parser.has_section(str(profile)):
            raise SigV4Error(f"authentication.sigv4.profile: profile {profile!r} not found in {path}")
        section = parser[str(profile)]
        found = Credentials(
            section.get("aws_access_key_id", ""),
            section.get("aws_secret_access_key", ""),
            section.get("aws_session_token"),
        )
    else:
        found = Credentials(
            environ.get("AWS_ACCESS_KEY_ID", ""),
            environ.get("AWS_SECRET_ACCESS_KEY", ""),
            environ.get("AWS_SESSION_TOKEN"),
        )
    if not found.access_key or not found.secret_key:
        raise SigV4Error(
            "authentication.sigv4: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)"
        )
    return found, region


class SigV4Auth(requests.auth.AuthBase):
    """Signs every request a `requests` session sends."""

    def __init__(self, credentials: Credentials, region: str, service: str = SERVICE) -> None:
        self.credentials, self.region, self.service = credentials, region, service

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        payload = body.encode() if isinstance(body, str) else body
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type",)}
        request.headers.update(
            sign(
                request.method or "GET",
                request.url or "",
                headers,
                payload,
                credentials=self.credentials,
                region=self.region,
                service=self.service,
                now=datetime.now(UTC),
            )
        )
        return request
