"""Carry out what the pure routers (`rollouts.traffic`) decide: read their objects, write their edits.

Reads come from the informer cache when there is one, else from the API. Writes are guarded JSON patches, creates
and deletes under our field manager, so only the fields a router owns change hands. When a guard fails (someone
changed the object between our read and our write) or a create races another, the router is asked again once on
fresh reads; a second failure goes back to the work queue as a conflict, to be retried with backoff.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api import Rollout
from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.registry import routers_for
from rollouts.traffic.router import Edit, MissingObject, ObjectKey, ObjectKind, Objects, TrafficRouter, Verification

_log = logging.getLogger(__name__)

Lookup = Callable[[Resource, str, str], Mapping[str, Any] | None]
"""Read an object from a cache (None when the cache does not have it)."""
Note = Callable[[str, str], None]
"""Record an event on the Rollout: (reason, message)."""
Translate = Callable[[TrafficRouter, Objects], list[Edit]]
Remember = Callable[[Resource, Mapping[str, Any]], None]
"""Keep what our own write returned in the cache, so the next decision in the same reconcile reads it."""

MAX_WRITE_BYTES = 512 * 1024
"""No single routing write is larger than this (an object's annotations alone may hold 256 KiB)."""


def resource(kind: ObjectKind) -> Resource:
    return Resource(kind.group, kind.version, kind.plural, kind.kind)


class Retry(Exception):
    """A guard failed or a create raced: read fresh and translate again."""


@dataclass
class RouterAdapter:
    """The I/O side of one Rollout's routers (several work together: each gets the same split)."""

    kube: Kube
    lookup: Lookup
    routers: Sequence[TrafficRouter]
    remember: Remember | None = None

    def route(self, rollout: Rollout | None, split: TrafficSplit, note: Note) -> None:
        """Make every router send ``split``; idempotent, writes only what differs. ``rollout`` is unused (kept for
        the executor's call)."""
        for router in self.routers:
            self._converge(router, lambda router, objects: router.set_weight(objects, split), note)

    def release(self, rollout: Rollout | None, split: TrafficSplit, note: Note) -> None:
        """The update is over: every router hands its objects back (all traffic to stable, our routes and objects
        gone)."""
        for router in self.routers:
            self._converge(router, lambda router, objects: router.release(objects, split), note)

    def verify(self, split: TrafficSplit) -> list[Verification]:
        return [router.verify(self._read(router.reads(), fresh=False), split) for router in self.routers]

    def _converge(self, router: TrafficRouter, translate: Translate, note: Note) -> None:
        for fresh in (False, True):
            try:
                edits = translate(router, self._read(router.reads(), fresh=fresh))
            except MissingObject as error:
                raise errors.NotFound(404, "NotFound", str(error)) from None
            try:
                for edit in edits:
                    self._write(edit, note)
                return
            except Retry as retry:
                _log.info("%s; reading it again", retry)
        raise errors.Conflict(409, "Conflict", f"{router.field}: objects kept changing while we wrote them")

    def _read(self, keys: Sequence[ObjectKey], *, fresh: bool) -> dict[ObjectKey, Mapping[str, Any] | None]:
        found: dict[ObjectKey, Mapping[str, Any] | None] = {}
        for key in keys:
            cached = None if fresh else self.lookup(resource(key.kind), key.namespace, key.name)
            if cached is None:
                try:
                    cached = self.kube.get(resource(key.kind), key.namespace, key.name)
                except errors.NotFound:
                    cached = None
            found[key] = cached
        return found

    def _write(self, edit: Edit, note: Note) -> None:
        kind, key = resource(edit.key.kind), edit.key
        payload: Any = edit.create if edit.create is not None else list(edit.ops)
        if len(json.dumps(payload)) > MAX_WRITE_BYTES:
            raise ValueError(f"{key}: refusing a write over {MAX_WRITE_BYTES} bytes")
        try:
            if edit.delete:
                self.kube.delete(kind, key.namespace, key.name, propagation="Background")
            elif edit.create is not None:
                self._remember(kind, self.kube.create(kind, key.namespace, dict(edit.create)))
            elif edit.ops:
                self._remember(kind, self.kube.patch(kind, key.namespace, key.name, list(edit.ops), kind="json"))
            else:
                return
        except errors.NotFound:
            if not edit.delete:
                raise
            return  # already gone
        except errors.AlreadyExists:
            raise Retry(f"{key} was created meanwhile") from None
        except errors.Invalid as error:
            if not edit.ops:
                raise
            raise Retry(f"{key} changed under us ({error})") from None
        if edit.event is not None:
            note(*edit.event)

    def _remember(self, kind: Resource, written: Mapping[str, Any]) -> None:
        if self.remember is not None:
            self.remember(kind, written)


def router_for(
    rollout: Rollout,
    *,
    kube: Kube,
    lookup: Lookup,
    stable_ping_pong: str | None = None,
    remember: Remember | None = None,
) -> RouterAdapter:
    """The adapter for the routers a Rollout's trafficRouting names; `UnsupportedRouter` for one we lack.
    ``stable_ping_pong``: the ping-pong role the split is for (default: the recorded one)."""
    return RouterAdapter(kube, lookup, routers_for(rollout, stable_ping_pong), remember)
