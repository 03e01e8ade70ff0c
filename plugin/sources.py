"""Read one Rollout and the objects it owns from the API: once (`fetch`), or kept current by watches (`RolloutFeed`).

I/O, through `rollouts.kube.client.Kube`. Nothing here lists a whole namespace per refresh:

* the Rollout is read by `fieldSelector=metadata.name=<name>`;
* ReplicaSets and Pods by the Rollout's own selector plus the `rollouts-pod-template-hash` label, AnalysisRuns by
  that label plus the selector's matchLabels (the labels the controller copies onto them), Experiments of the
  namespace (few) — ownership by uid is then checked by `view`;
* `RolloutFeed` lists each of those once and then follows it with a watch from the list's resourceVersion (the
  machinery `Informer`: bookmarks, re-watch on timeout, relist on 410), and tells its reader when anything moved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.api.labels import HASH_LABEL
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import RealClock
from rollouts.machinery.informer import Informer, WatchEvent

Raw = dict[str, Any]
"""An object as the API returns it."""

SYNC_TIMEOUT = 15.0
"""How long to wait for the first list of the owned objects before showing what we have."""


@dataclass(frozen=True)
class Snapshot:
    """The Rollout (None once deleted) and the candidate objects it may own, as raw dicts (read-only)."""

    rollout: Raw | None
    replicasets: list[Raw] = field(default_factory=list)
    pods: list[Raw] = field(default_factory=list)
    analysis_runs: list[Raw] = field(default_factory=list)
    experiments: list[Raw] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    """One list/watch: a resource in a namespace, narrowed by selectors."""

    resource: Resource
    label_selector: str | None = None
    field_selector: str | None = None


def rollout_query(name: str) -> Query:
    return Query(resources.ROLLOUTS, field_selector=f"metadata.name={name}")


def owned_queries(rollout: Mapping[str, Any]) -> dict[str, Query]:
    """How to find what a Rollout may own, by kind of object (ownership is checked later, by uid)."""
    selector = (rollout.get("spec") or {}).get("selector") or {}
    template_selector = ",".join([HASH_LABEL, *selector_terms(selector)])
    run_selector = ",".join([HASH_LABEL, *selector_terms({"matchLabels": selector.get("matchLabels") or {}})])
    return {
        "replicasets": Query(resources.REPLICASETS, label_selector=template_selector),
        "pods": Query(resources.PODS, label_selector=template_selector),
        "analysis_runs": Query(resources.ANALYSIS_RUNS, label_selector=run_selector),
        "experiments": Query(resources.EXPERIMENTS),
    }


def selector_terms(selector: Mapping[str, Any]) -> list[str]:
    """A LabelSelector as label-selector query terms (`app=web`, `tier in (a,b)`, `!canary`)."""
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            terms.append(str(key))
        elif operator == "DoesNotExist":
            terms.append(f"!{key}")
    return terms


def get_rollout(kube: Kube, namespace: str, name: str) -> Raw:
    """The Rollout; `errors.NotFound` (`rollouts.argoproj.io "x" not found`) when there is none."""
    return kube.get(resources.ROLLOUTS, namespace, name)


def fetch(kube: Kube, namespace: str, name: str) -> Snapshot:
    """Everything `get rollout` needs, read once: one request per kind."""
    rollout = get_rollout(kube, namespace, name)
    found = {kind: list_objects(kube, namespace, query)[0] for kind, query in owned_queries(rollout).items()}
    return Snapshot(rollout, **found)


def list_objects(kube: Kube, namespace: str | None, query: Query) -> tuple[list[Raw], str]:
    """The objects a query finds (None: in every namespace), and the resourceVersion to watch from."""
    return kube.list(
        query.resource, namespace, label_selector=query.label_selector, field_selector=query.field_selector
    )


class QueryWatcher:
    """`machinery.informer.ListerWatcher` over `Kube` for one query."""

    def __init__(self, kube: Kube, namespace: str | None, query: Query) -> None:
        self.kube, self.namespace, self.query = kube, namespace, query

    def list(self) -> tuple[list[Raw], str]:
        return list_objects(self.kube, self.namespace, self.query)

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[WatchEvent]:
        stream = self.kube.watch(
            self.query.resource,
            self.namespace,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            label_selector=self.query.label_selector,
            field_selector=self.query.field_selector,
        )
        for event_type, obj in stream:
            yield WatchEvent(event_type, obj)  # type: ignore[arg-type]


class RolloutFeed:
    """A live copy of one Rollout and its candidate children, fed by watches.

    `start()` reads the Rollout (raising NotFound if it is missing), then starts one informer per kind.
    `version` goes up on every change; `wait_for_change(seen, timeout)` blocks until it passes `seen`.
    """

    def __init__(self, kube: Kube, namespace: str, name: str, *, children: bool = True) -> None:
        self.kube, self.namespace, self.name = kube, namespace, name
        self.children = children
        """Follow the owned objects too (`get`); without them only the Rollout is watched (`status`)."""
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._version = 0
        self._informers: dict[str, Informer] = {}

    def start(self) -> Snapshot:
        rollout = get_rollout(self.kube, self.namespace, self.name)
        queries = {"rollout": rollout_query(self.name), **(owned_queries(rollout) if self.children else {})}
        clock = RealClock()
        for kind, query in queries.items():
            informer = Informer(QueryWatcher(self.kube, self.namespace, query), name=f"{kind}/{self.name}", clock=clock)
            informer.add_handler(on_add=self._touch, on_update=self._touch_pair, on_delete=self._touch)
            self._informers[kind] = informer
        for informer in self._informers.values():
            informer.start(self._stop)
        for informer in self._informers.values():
            informer.wait_for_sync(SYNC_TIMEOUT)
        return self.snapshot()

    def snapshot(self) -> Snapshot:
        lists = {kind: informer.store.list() for kind, informer in self._informers.items()}
        rollouts = lists.pop("rollout", [])
        return Snapshot(rollouts[0] if rollouts else None, **lists)

    @property
    def version(self) -> int:
        with self._changed:
            return self._version

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Block until the version passes `seen` or `timeout` seconds went by; return the current version."""
        with self._changed:
            if self._version <= seen and timeout > 0:
                self._changed.wait(timeout)
            return self._version

    def stop(self) -> None:
        """Stop following; informer threads end at their next event (they are daemons either way)."""
        self._stop.set()

    def _touch(self, _obj: Raw) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def _touch_pair(self, _old: Raw, new: Raw) -> None:
        self._touch(new)
