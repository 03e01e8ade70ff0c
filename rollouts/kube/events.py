"""Record Kubernetes Events on objects, as `kubectl describe` and Argo's e2e tooling read them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

_log = logging.getLogger(__name__)
COMPONENT = "rollouts-controller"


class EventRecorder:
    """Creates one core/v1 Event per call. Failures are logged, never raised: events are best effort."""

    def __init__(
        self,
        kube: Kube,
        now: Callable[[], datetime],
        *,
        on_event: Callable[[Mapping[str, Any], str, str], None] | None = None,
    ) -> None:
        self.kube = kube
        self.now = now
        self.on_event = on_event

    def record(self, obj: Mapping[str, Any], *, reason: str, message: str, type: str = "Normal") -> None:
        metadata = obj.get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        stamp = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{metadata.get('name')}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": obj.get("apiVersion"),
                "kind": obj.get("kind"),
                "name": metadata.get("name"),
                "namespace": namespace,
                "uid": metadata.get("uid"),
                "resourceVersion": metadata.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "type": type,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        if self.on_event is not None:
            self.on_event(obj, reason, type)
        try:
            self.kube.create(resources.EVENTS, namespace, event)
        except (errors.NotLeader, errors.NamespaceTerminating) as error:
            # Refused on purpose (not the leader; the namespace is going away): the reconcile's own error says so.
            _log.debug("event %s on %s/%s not recorded: %s", reason, namespace, metadata.get("name"), error)
        except errors.ApiError as error:
            _log.warning("could not record event %s on %s/%s: %s", reason, namespace, metadata.get("name"), error)
