"""A read-only projection of an Experiment a Rollout owns (its experiment steps). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api.labels import HASH_LABEL

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
        )
