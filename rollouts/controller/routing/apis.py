"""The routers' APIs (Istio, SMI, Gateway API, ...), whose CRDs may be installed or removed while we run: which kinds
each group version brings, and whether the cluster serves them now."""

from __future__ import annotations

import logging

from rollouts.controller.routing.adapter import resource
from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.traffic import registry

_log = logging.getLogger("rollouts.controller")

ROUTED_PROBE_SECONDS = (2.0, 30.0)
"""Rediscover a router's API this often while some Rollout routes through it, and otherwise."""


def routed_apis() -> dict[str, tuple[Resource, ...]]:
    """The kinds traffic routers read, by API group version: each group version comes and goes as one."""
    apis: dict[str, tuple[Resource, ...]] = {}
    for kind in registry.ROUTED_KINDS:
        apis[kind.api_version] = (*apis.get(kind.api_version, ()), resource(kind))
    return apis


def serves(kube: Kube, *wanted: Resource) -> bool | None:
    """Whether the cluster serves every resource in `wanted` (one group version); None when it cannot tell."""
    group, version = wanted[0].group, wanted[0].version
    try:
        found = kube.raw("GET", f"/apis/{group}/{version}")
    except errors.NotFound:
        return False
    except errors.ApiError as error:
        _log.warning("cannot tell whether the cluster serves %s/%s: %s", group, version, error)
        return None
    plurals = {item.get("name") for item in found.get("resources") or []}
    return all(resource.plural in plurals for resource in wanted)
