"""The client sends a request again when the API server answers 429 (or 5xx) with Retry-After, a bounded number of
times, with one warning line each: here the real 429 "storage is (re)initializing" that a CRD's storage answers
for a moment after the CRD is Established."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def fresh_widgets(kube: Kube) -> Iterator[Resource]:
    """A CRD made for one try, Established, that nothing has read yet: its storage starts on the first read."""
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


def met_429(admin: Kube, client: Kube, tries: int = 5) -> Iterator[tuple[Resource, list[int]]]:
    """Fresh CRDs (made by `admin`), one at a time, until `client`'s requests met a 429 in one of them (another
    reader, such as kube-controller-manager's discovery, may start the storage first on a busy machine).
    Yields (the CRD's resource, the statuses `client` got) for every try; the caller sends its requests inside."""
    seen: list[int] = []
    client.on_request = lambda _verb, _resource, _namespace, _name, status: seen.append(status)
    for _ in range(tries):
        seen.clear()
        with fresh_widgets(admin) as widgets:
            yield widgets, seen
        if 429 in seen:
            return
    pytest.fail(f"the API server never answered 429 in {tries} fresh CRDs")


def test_a_429_with_retry_after_is_sent_again_after_the_wait(
    kube: Kube, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = Kube(kube.connection)
    seen: list[int] = []
    for widgets, seen in met_429(kube, client):  # noqa: B007  # the last try's statuses are checked below
        caplog.clear()
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="rollouts.kube"):
            first_watch_event(client, widgets, namespace)
        waited = time.monotonic() - started
    assert seen[-1] == 200 and set(seen[:-1]) == {429}, seen
    assert waited >= 1.0 * (len(seen) - 1) - 0.1  # it waited the second the server asked for
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == len(seen) - 1
    assert all("\n" not in line and "storage is (re)initializing" in line for line in warnings), warnings


def test_without_retries_the_429_is_raised_at_once(kube: Kube, namespace: str) -> None:
    client = Kube(kube.connection, retries=0)
    raised: list[errors.TooManyRequests] = []
    for widgets, _seen in met_429(kube, client):
        try:
            first_watch_event(client, widgets, namespace)
        except errors.TooManyRequests as error:
            raised.append(error)
    assert len(raised) == 1 and raised[0].retry_after == 1.0
