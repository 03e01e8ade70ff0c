"""One informer per resource and selection for the whole process, shared by every controller that reads it.

The Rollout, Experiment and AnalysisRun controllers and the notifier read many of the same kinds (Rollouts,
AnalysisRuns, ReplicaSets, ...). Each asking for its own informer would mean one more watch and one more copy of
every object per reader; instead they ask `SharedInformers` and get the same informer, its store carrying the
indexes all of them asked for. Register every handler before starting any controller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rollouts.kube.client import Kube
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import Clock
from rollouts.machinery.informer import Informer
from rollouts.machinery.store import IndexFunc, RawObject

_Selection = tuple[Resource, str | None, str | None, str | None]
"""(resource, namespace, label selector, field selector): what one watch returns."""


class SharedInformers:
    def __init__(self, kube: Kube, clock: Clock, namespace: str | None) -> None:
        self.kube, self.clock, self.namespace = kube, clock, namespace
        """`namespace`: watch only this one (None: all); cluster-scoped kinds are always watched whole."""
        self._informers: dict[_Selection, Informer] = {}

    def informer(
        self,
        resource: Resource,
        name: str,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        namespace: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_seconds: float | None = None,
        keep: Callable[[RawObject], RawObject] | None = None,
    ) -> Informer:
        """The informer for this selection (made on first request, named by its first asker), with `indexers`
        added to its store. `namespace` overrides the process's own (e.g. the notifier's config namespace). `keep`
        (cache only part of each object) is for a kind one reader alone reads: a second asker cannot change it."""
        where = (namespace or self.namespace) if resource.namespaced else None
        selection = (resource, where, label_selector, field_selector)
        informer = self._informers.get(selection)
        if informer is None:
            watch = ResourceListWatch(
                self.kube, resource, namespace=where, label_selector=label_selector, field_selector=field_selector
            )
            informer = Informer(watch, name=name, clock=self.clock, keep=keep)
            self._informers[selection] = informer
        elif keep is not informer.keep:
            raise ValueError(f"informer {informer.name}: already caches {resource.plural} with another `keep`")
        for index, func in (indexers or {}).items():
            if informer.store.indexer(index) is not func:  # a second reader asking for the same index is fine
                informer.store.add_indexer(index, func)  # another function under a taken name is not
        if resync_seconds:
            informer.resync_every(resync_seconds)
        return informer

    def all(self) -> list[Informer]:
        return list(self._informers.values())
