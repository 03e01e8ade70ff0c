"""Place builder objects on the real cluster: create them in a namespace, wire owner uids to the stored objects,
and write status through the status subresource as the controller would."""

from __future__ import annotations

import copy

from rollouts.kube import resources
from rollouts.kube.client import Kube

INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
INSTANCE_ID = "plugin-tests"
"""Controllers without this instance id (the test session's own) ignore objects that carry it."""


class Places:
    """Create objects from `rollout_objects` builders in a namespace, wiring owner uids to the real objects."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.kube, self.namespace = kube, namespace

    def rollout(self, obj: dict) -> dict:
        """Create the Rollout, then write its status through /status as the controller does; return it as stored."""
        body = _fresh(obj, self.namespace)
        status = body.pop("status", None)
        created = self.kube.create(resources.ROLLOUTS, self.namespace, body)
        if status:
            status = dict(status)
            if "observedGeneration" in status:
                status["observedGeneration"] = str(created["metadata"]["generation"])
            return self.set_status(created["metadata"]["name"], status)
        return created

    def set_status(self, name: str, status: dict) -> dict:
        return self.kube.patch(resources.ROLLOUTS, self.namespace, name, {"status": status}, subresource="status")

    def owned(self, resource: resources.Resource, obj: dict, parent: dict) -> dict:
        """Create `obj` owned by the stored `parent` (its status, if any, written through /status)."""
        body = _fresh(obj, self.namespace)
        status = body.pop("status", None)
        body["metadata"]["ownerReferences"] = [
            {
                "apiVersion": parent["apiVersion"],
                "kind": parent["kind"],
                "name": parent["metadata"]["name"],
                "uid": parent["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        created = self.kube.create(resource, self.namespace, body)
        if status and resource in (resources.ANALYSIS_RUNS, resources.EXPERIMENTS):
            return self.kube.patch(resource, self.namespace, created["metadata"]["name"], {"status": status}, subresource="status")
        return created

    def get_rollout(self, name: str) -> dict:
        return self.kube.get(resources.ROLLOUTS, self.namespace, name)


def _fresh(obj: dict, namespace: str) -> dict:
    body = copy.deepcopy(obj)
    metadata = body["metadata"]
    for server_side in ("uid", "generation", "creationTimestamp", "resourceVersion", "ownerReferences"):
        metadata.pop(server_side, None)
    metadata["namespace"] = namespace
    if body.get("apiVersion", "").startswith("argoproj.io/"):
        metadata["labels"] = {**(metadata.get("labels") or {}), INSTANCE_ID_LABEL: INSTANCE_ID}
    return body
