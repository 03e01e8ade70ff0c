"""What has been delivered, kept on the Rollout itself so that a restarted controller neither repeats nor loses a
notification: annotation `notified.notifications.argoproj.io` (as Argo's notifications engine keeps it), a JSON map
of delivery key → unix time. Bounded: entries older than the delivery window go, and at most `MAX_ENTRIES` stay.
Pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

NOTIFIED_ANNOTATION = "notified.notifications.argoproj.io"
MAX_ENTRIES = 100
MAX_KEY_CHARS = 200


def delivery_key(occurrence: str, trigger: str, condition: int, service: str, recipient: str) -> str:
    key = f"{occurrence}:{trigger}:{condition}:{service}:{recipient}"
    if len(key) <= MAX_KEY_CHARS:
        return key
    return key[: MAX_KEY_CHARS - 17] + ":" + hashlib.sha256(key.encode()).hexdigest()[:16]


def read_state(rollout: Mapping[str, Any]) -> dict[str, int]:
    """The delivered keys; an unreadable annotation counts as empty (it is rewritten on the next delivery)."""
    text = ((rollout.get("metadata") or {}).get("annotations") or {}).get(NOTIFIED_ANNOTATION)
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): int(v) for k, v in found.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def updated_state(
    state: Mapping[str, int], delivered: list[str], now: datetime, window_seconds: float
) -> dict[str, int]:
    """`state` with `delivered` added at `now`, entries past twice the window dropped, and the newest kept."""
    stamp = int(now.timestamp())
    merged = {**state, **dict.fromkeys(delivered, stamp)}
    fresh = {k: v for k, v in merged.items() if stamp - v <= 2 * window_seconds}
    newest = sorted(fresh.items(), key=lambda item: (item[1], item[0]), reverse=True)[:MAX_ENTRIES]
    return dict(sorted(newest))


def state_patch(state: Mapping[str, int]) -> dict[str, Any]:
    """The merge patch that stores `state` on the Rollout."""
    return {"metadata": {"annotations": {NOTIFIED_ANNOTATION: json.dumps(dict(state), separators=(",", ":"))}}}
