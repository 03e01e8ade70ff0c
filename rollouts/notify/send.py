"""Send one notification request over HTTP: short timeouts, no redirects, a bounded read of the answer."""

from __future__ import annotations

import json

import urllib3

from rollouts.notify.messages import Request

_POOL = urllib3.PoolManager(num_pools=8, maxsize=4, retries=False)
TIMEOUT = urllib3.Timeout(connect=3.0, read=10.0)
MAX_ANSWER = 4096


def send(request: Request) -> str | None:
    """None when the receiver accepted the request, else a one-line cause."""
    try:
        response = _POOL.request(
            request.method,
            request.url,
            body=request.body or None,
            headers=dict(request.headers),
            timeout=TIMEOUT,
            redirect=False,
            preload_content=False,
        )
    except urllib3.exceptions.HTTPError as error:
        return f"cannot reach {request.url}: {type(error).__name__}"
    try:
        answer = response.read(MAX_ANSWER, decode_content=True) or b""
    except urllib3.exceptions.HTTPError as error:
        return f"reading the answer from {request.url}: {type(error).__name__}"
    finally:
        response.release_conn()
    text = answer.decode(errors="replace").strip()
    if not 200 <= response.status < 300:
        return f"HTTP {response.status} from {request.url}: {text[:200]}"
    if request.expect == "teams" and text != "1":
        return f"teams webhook answered {text[:200]!r}"
    if request.expect == "slack":
        try:
            reply = json.loads(text)
        except ValueError:
            return f"slack answered with no JSON: {text[:200]!r}"
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            return f"slack error: {reply.get('error') if isinstance(reply, dict) else reply}"
    return None
