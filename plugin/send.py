"""Carry out an `Intent`: send its changes, in order, through `Kube`. I/O, and nothing else.

A change to the `status` subresource that answers 404 switches to the intent's fallback (one combined patch on
the object itself), as Argo's CLI does for Rollout CRDs installed without the status subresource. Full updates
(PUT) that lose a race are rebuilt from a fresh read and retried (`send_fresh`).
"""

from __future__ import annotations

from collections.abc import Callable

from plugin.intents import Change, Intent
from plugin.sources import Raw
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource

PODTEMPLATES = Resource("", "v1", "podtemplates", "PodTemplate")
RESOURCES_BY_KIND = {
    "Rollout": resources.ROLLOUTS,
    "AnalysisRun": resources.ANALYSIS_RUNS,
    "Experiment": resources.EXPERIMENTS,
    "Deployment": resources.DEPLOYMENTS,
    "ReplicaSet": resources.REPLICASETS,
    "PodTemplate": PODTEMPLATES,
}
CONFLICT_ATTEMPTS = 5


def send(kube: Kube, namespace: str, intent: Intent) -> None:
    """Send every change of `intent`; raise the first API error (after the status-subresource fallback)."""
    for change in intent.changes:
        try:
            send_change(kube, namespace, change)
        except errors.NotFound:
            if change.target.subresource != "status" or not intent.fallback:
                raise
            for fallback in intent.fallback:
                send_change(kube, namespace, fallback)
            return


def send_change(kube: Kube, namespace: str, change: Change) -> Raw:
    resource = RESOURCES_BY_KIND.get(change.target.kind)
    if resource is None:
        raise ValueError(f"cannot send changes to a {change.target.kind}")
    name, subresource = change.target.name, change.target.subresource
    if change.kind == "replace":
        return kube.replace(resource, namespace, name, change.body, subresource=subresource)
    return kube.patch(resource, namespace, name, change.body, kind=change.kind, subresource=subresource)


def send_fresh(kube: Kube, namespace: str, build: Callable[[], Intent], *, attempts: int = CONFLICT_ATTEMPTS) -> Intent:
    """Build the intent from fresh reads and send it; on a conflict, read and build again (up to `attempts`)."""
    for attempt in range(1, attempts + 1):
        intent = build()
        try:
            send(kube, namespace, intent)
            return intent
        except errors.Conflict:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
