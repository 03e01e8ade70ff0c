"""The informer's I/O seam for one resource: list and watch through `Kube`, 410 reported as GoneError."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.machinery.informer import GoneError, WatchEvent


class ResourceListWatch:
    """Implements `rollouts.machinery.informer.ListerWatcher` for one resource, optionally one namespace."""

    def __init__(
        self,
        kube: Kube,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> None:
        self.kube = kube
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector

    def list(self) -> tuple[list[dict[str, Any]], str]:
        items, version = self.kube.list(
            self.resource, self.namespace, label_selector=self.label_selector, field_selector=self.field_selector
        )
        # List items carry no kind; handlers and parsers want it.
        for item in items:
            item.setdefault("kind", self.resource.kind)
            item.setdefault("apiVersion", self.resource.api_version)
        return items, version

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[WatchEvent]:
        try:
            for kind, obj in self.kube.watch(
                self.resource,
                self.namespace,
                resource_version=resource_version,
                timeout_seconds=timeout_seconds,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
            ):
                yield WatchEvent(kind, obj)  # type: ignore[arg-type]
        except errors.Gone as gone:
            raise GoneError(str(gone)) from gone
