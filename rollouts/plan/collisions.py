"""Argo's collision counter for the AnalysisRuns and Experiments a controller creates, with adoption.

A new object goes to its deterministic name, else `<name><sep>1`, `<name><sep>2`, … (AnalysisRuns use `.`,
Experiments `-`). An object already at one of those names that we would have created ourselves (same owner,
unfinished, equal spec) is the one a restart kept us from recording: it is adopted instead of creating another.
A finished one is not (Argo neither): the new object goes to the next name.

Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


class Existing(Protocol):
    """What decides whether an object found at a candidate name is adopted."""

    @property
    def owner_uid(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    @property
    def spec(self) -> str: ...


Found = TypeVar("Found", bound=Existing)


@dataclass(frozen=True)
class Seen:
    """An object as read, reduced to what adoption looks at."""

    owner_uid: str
    finished: bool
    spec: str

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], *, finished: bool) -> Seen:
        return cls(owner_uid=controller_uid(raw), finished=finished, spec=spec_text(raw.get("spec") or {}))


def spec_text(spec: Mapping[str, Any]) -> str:
    """A spec as canonical JSON: equal specs give equal text whatever their key order."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)


def controller_uid(raw: Mapping[str, Any]) -> str:
    """The uid of the object's controlling owner ("" without one)."""
    refs = (raw.get("metadata") or {}).get("ownerReferences") or []
    return str(next((ref.get("uid") for ref in refs if ref.get("controller")), "") or "")


def place(
    existing: Callable[[str], Found | None],
    base: str,
    *,
    owner_uid: str,
    spec: Mapping[str, Any],
    separator: str,
) -> tuple[str, Found | None]:
    """The first free name from `base` on, or the object on the way that `owner_uid` would have created: its own,
    unfinished, with `spec`."""
    wanted = spec_text(spec)
    name, suffix = base, 0
    while (found := existing(name)) is not None:
        if found.owner_uid == owner_uid and not found.finished and found.spec == wanted:
            return name, found
        suffix += 1
        name = f"{base}{separator}{suffix}"
    return name, None
