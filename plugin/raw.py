"""Read raw API objects (plain dicts) without tripping over missing parts. Pure.

Every accessor tolerates absent sections and odd values (a missing `status`, a non-numeric count), because the
plugin shows whatever the API holds, including objects a controller never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from plugin import durations
from rollouts.api.labels import REVISION_ANNOTATION

Obj = Mapping[str, Any]
"""An object as the API returns it (read-only)."""


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def pod_spec(rs: Obj) -> Obj:
    return (spec(rs).get("template") or {}).get("spec") or {}


def canary(rollout: Obj) -> Obj | None:
    """`spec.strategy.canary`, or None for another strategy."""
    found = (spec(rollout).get("strategy") or {}).get("canary")
    return found if isinstance(found, Mapping) else None


def blue_green(rollout: Obj) -> Obj | None:
    """`spec.strategy.blueGreen`, or None for another strategy."""
    found = (spec(rollout).get("strategy") or {}).get("blueGreen")
    return found if isinstance(found, Mapping) else None


def desired_replicas(workload_spec: Obj) -> int:
    """`spec.replicas`, which defaults to 1."""
    return as_int(workload_spec.get("replicas"), 1)


def as_int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def owned_by(obj: Obj, uid: str | None) -> bool:
    return uid is not None and any(ref.get("uid") == uid for ref in meta(obj).get("ownerReferences") or [])


def revision(obj: Obj) -> int:
    """The `rollout.argoproj.io/revision` annotation; 0 when absent or not a number."""
    return as_int((meta(obj).get("annotations") or {}).get(REVISION_ANNOTATION))


def oldest_first(objs: list[Obj]) -> list[Obj]:
    """By creation time, then name."""
    return sorted(objs, key=lambda o: (str(meta(o).get("creationTimestamp") or ""), str(meta(o).get("name") or "")))


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def same_time(a: Any, b: Any) -> bool:
    first, second = parse_time(a), parse_time(b)
    return first is not None and first == second


def age(obj: Obj, now: datetime | None) -> str:
    """kubectl's AGE of an object at `now`; empty without `now` or a creation time."""
    return age_since(meta(obj).get("creationTimestamp"), now)


def age_since(timestamp: Any, now: datetime | None) -> str:
    when = parse_time(timestamp)
    if when is None or now is None:
        return ""
    return durations.human((now - when).total_seconds())
