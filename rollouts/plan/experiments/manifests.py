"""The objects an Experiment creates: `<experiment>-<template>` ReplicaSets, their Services, and
`<experiment>-<analysis>` AnalysisRuns, each owned by the Experiment and named as Argo names them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rollouts.api import AnalysisTemplateRef, Argument, Experiment, ExperimentAnalysis, ExperimentTemplate
from rollouts.api.labels import (
    API_VERSION,
    EXPERIMENT_NAME_ANNOTATION,
    EXPERIMENT_TEMPLATE_ANNOTATION,
    HASH_LABEL,
    INSTANCE_ID_LABEL,
)
from rollouts.plan.experiments.actions import Raw, TemplateLookup
from rollouts.plan.hashing import pod_template_hash
from rollouts.plan.runspec import templates as run_templates


def owner(experiment: Raw) -> dict[str, Any]:
    metadata = experiment["metadata"]
    return {
        "apiVersion": API_VERSION,
        "kind": "Experiment",
        "name": metadata["name"],
        "uid": metadata.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def template_hash(template: ExperimentTemplate, collision_count: int | None) -> str:
    return pod_template_hash(template.template or {}, collision_count=collision_count)


def replica_set(
    experiment: Raw, model: Experiment, template: ExperimentTemplate, *, replicas: int, collision_count: int | None
) -> dict[str, Any]:
    pod_hash = template_hash(template, collision_count)
    pod = copy.deepcopy(dict(template.template or {}))
    pod_meta = pod.setdefault("metadata", {})
    pod_meta["labels"] = {**(pod_meta.get("labels") or {}), HASH_LABEL: pod_hash}
    selector = copy.deepcopy(dict(template.selector or {}))
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    name = model.metadata.name or ""
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{name}-{template.name}",
            "namespace": experiment["metadata"].get("namespace"),
            "labels": {HASH_LABEL: pod_hash},
            "annotations": {EXPERIMENT_NAME_ANNOTATION: name, EXPERIMENT_TEMPLATE_ANNOTATION: template.name},
            "ownerReferences": [owner(experiment)],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": template.min_ready_seconds or 0,
            "selector": selector,
            "template": pod,
        },
    }


def service(experiment: Raw, template: ExperimentTemplate, rs: Raw) -> dict[str, Any] | None:
    """A Service selecting the template's pods on every container port; None when no container has a port."""
    ports = []
    for container in ((rs.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []:
        for port in container.get("ports") or []:
            entry = {
                "protocol": port.get("protocol") or "TCP",
                "port": port["containerPort"],
                "targetPort": port["containerPort"],
            }
            if port.get("name"):
                entry["name"] = port["name"]
            ports.append(entry)
    if not ports:
        return None
    labels = dict(rs["metadata"].get("labels") or {})
    name = (template.service.name if template.service else None) or rs["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": experiment["metadata"].get("namespace"),
            "labels": labels,
            "annotations": {
                EXPERIMENT_NAME_ANNOTATION: experiment["metadata"]["name"],
                EXPERIMENT_TEMPLATE_ANNOTATION: template.name,
            },
            "ownerReferences": [owner(experiment)],
        },
        "spec": {"selector": labels, "ports": ports},
    }


def analysis_run(
    experiment: Raw, model: Experiment, analysis: ExperimentAnalysis, lookup: TemplateLookup, values: Mapping[str, str]
) -> dict[str, Any]:
    """The run for one analysis; `values` fill Argo's `{{templates.*}}` and `{{experiment.*}}` placeholders.
    Raises ValueError (TemplateError, ArgumentError) when the spec cannot be built."""
    args = [_filled(arg, values) for arg in analysis.args or []]
    ref = AnalysisTemplateRef(template_name=analysis.template_name, cluster_scope=analysis.cluster_scope)
    spec = run_templates.build_run_spec(
        [ref],
        lookup,
        args=args,
        dry_run=model.spec.dry_run or [],
        measurement_retention=model.spec.measurement_retention or [],
    )
    metadata = model.spec.analysis_run_metadata
    labels = dict((metadata.labels or {}) if metadata else {})
    if instance := (experiment["metadata"].get("labels") or {}).get(INSTANCE_ID_LABEL):
        labels[INSTANCE_ID_LABEL] = instance
    run_metadata: dict[str, Any] = {
        "name": f"{model.metadata.name}-{analysis.name}",
        "namespace": experiment["metadata"].get("namespace"),
        "ownerReferences": [owner(experiment)],
    }
    if labels:
        run_metadata["labels"] = labels
    if metadata and metadata.annotations:
        run_metadata["annotations"] = dict(metadata.annotations)
    return {
        "apiVersion": API_VERSION,
        "kind": "AnalysisRun",
        "metadata": run_metadata,
        "spec": spec.to_dict(),
    }


def _filled(arg: Argument, values: Mapping[str, str]) -> Argument:
    if arg.value is None:
        return arg
    text = arg.value
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return Argument(name=arg.name, value=text)
