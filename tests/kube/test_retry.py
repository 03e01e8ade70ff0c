"""The client sends a request again when the API server answers 429 (or 5xx) with Retry-After, a bounded number of
times, with one warning line each: here the real 429 "storage is (re)initializing" that a CRD's storage answers
for a moment after the CRD is Established."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

import pytest

from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource

CRDS = Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced=False)


def widget_crd(group: str) -> dict:
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema}],
        },
    }


@pytest.fixture
def fresh_widgets(kube: Kube) -> Iterator[Resource]:
    """A CRD created for this test, Established, that nothing has read yet: its storage starts on the first read."""
    group = f"retry{uuid.uuid4().hex[:8]}.example.com"
    kube.create(CRDS, None, widget_crd(group))
    try:
        deadline = time.monotonic() + 30
        while not any(
            condition["type"] == "Established" and condition["status"] == "True"
            for condition in (kube.get(CRDS, None, f"widgets.{group}").get("status") or {}).get("conditions") or []
        ):
            assert time.monotonic() < deadline, "the CRD was never Established"
            time.sleep(0.01)
        yield Resource(group, "v1", "widgets", "Widget")
    finally:
        kube.delete(CRDS, None, f"widgets.{group}")


def first_watch_event(kube: Kube, widgets: Resource, namespace: str) -> None:
    """Open a watch from resourceVersion 0 (served by the watch cache, hence the 429 while it starts)."""
    for _event in kube.watch(widgets, namespace, resource_version="0", timeout_seconds=1):
        break


def statuses_of(kube: Kube) -> list[int]:
    seen: list[int] = []
    kube.on_request = lambda _verb, _resource, _namespace, _name, status: seen.append(status)
    return seen


def test_a_429_with_retry_after_is_sent_again_after_the_wait(
    kube: Kube, namespace: str, fresh_widgets: Resource, caplog: pytest.LogCaptureFixture
) -> None:
    client = Kube(kube.connection)
    seen = statuses_of(client)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="rollouts.kube"):
        first_watch_event(client, fresh_widgets, namespace)
    assert seen[0] == 429, f"the server did not answer 429 this time: {seen}"
    assert seen[-1] == 200 and set(seen[:-1]) == {429}
    assert time.monotonic() - started >= 1.0 * (len(seen) - 1) - 0.1  # it waited the second the server asked for
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == len(seen) - 1
    assert all("\n" not in line and "storage is (re)initializing" in line for line in warnings), warnings


def test_without_retries_the_429_is_raised_at_once(kube: Kube, namespace: str, fresh_widgets: Resource) -> None:
    client = Kube(kube.connection, retries=0)
    with pytest.raises(errors.TooManyRequests) as raised:
        first_watch_event(client, fresh_widgets, namespace)
    assert raised.value.retry_after == 1.0
