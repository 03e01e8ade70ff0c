"""A read-only projection of an Experiment a Rollout owns (its experiment steps). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api.labels import HASH_LABEL
from rollouts.plan import collisions

FINISHED = frozenset({"Successful", "Failed", "Error", "Inconclusive"})


@dataclass(frozen=True)
class TemplateDestination:
    """Where an experiment template's pods take traffic: its Service and pod hash."""

    name: str
    service_name: str
    pod_template_hash: str
    status: str


@dataclass(frozen=True)
class ExperimentView:
    name: str
    pod_hash: str
    phase: str
    message: str
    terminating: bool
    created: str
    templates: tuple[TemplateDestination, ...] = ()
    owner_uid: str = ""
    """uid of the controlling owner (the Rollout whose step created it)."""
    spec: str = ""
    """The spec as canonical JSON, `terminate` left out (as Argo compares them): is this the one we would create?"""

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> ExperimentView:
        metadata = raw.get("metadata") or {}
        status = raw.get("status") or {}
        templates = tuple(
            TemplateDestination(
                name=str(ts.get("name") or ""),
                service_name=str(ts.get("serviceName") or ""),
                pod_template_hash=str(ts.get("podTemplateHash") or ""),
                status=str(ts.get("status") or ""),
            )
            for ts in status.get("templateStatuses") or []
        )
        return cls(
            name=str(metadata.get("name", "")),
            pod_hash=str((metadata.get("labels") or {}).get(HASH_LABEL, "")),
            phase=str(status.get("phase") or ""),
            message=str(status.get("message") or ""),
            terminating=bool((raw.get("spec") or {}).get("terminate")),
            created=str(metadata.get("creationTimestamp", "")),
            templates=templates,
            owner_uid=collisions.controller_uid(raw),
            spec=comparable_spec(raw.get("spec") or {}),
        )


def comparable_spec(spec: Mapping[str, Any]) -> str:
    return collisions.spec_text({key: value for key, value in spec.items() if key != "terminate"})
