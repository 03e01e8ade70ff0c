"""Istio VirtualService and DestinationRule edits, as minimal guarded JSON Patches (RFC 6902).

Pure: no I/O, no clock, no logging. Objects come in as the raw camelCase dicts the API server returns and are never
modified; each function returns a list of patch operations to send with `kind="json"`
(`application/json-patch+json`). An empty list means the object is already as wanted: send nothing.

Why JSON Patch and not a whole-object update: a GitOps tool (Argo CD, Flux) owns these objects. Rewriting whole
route arrays makes the tool see drift and write them back, and the two fight (Argo Rollouts issue 3854). So we write
only the fields this controller owns:

* the ``weight`` of the canary and stable destinations in the routes the Rollout names, and during a weighted
  experiment step one destination per experiment template (its Service), removed afterwards: as in Argo, a
  weighted route holds only these destinations;
* the managed HTTP routes (``trafficRouting.managedRoutes``: header and mirror routes) at the top of ``spec.http``;
* the ``rollouts-pod-template-hash`` label of the canary and stable DestinationRule subsets (and the subsets of
  a weighted experiment step's templates, named after their Services, added and removed with them), and the
  ``argo-rollouts.argoproj.io/managed-by-rollouts`` annotation.

Every operation that addresses an array element by index comes after a ``test`` of what identifies that element
(the route's name, else its ``match``; the destination; the subset's name). If someone reorders an array between
our read and our write, the API server rejects the whole patch (422 Invalid) instead of writing to the wrong
element; the caller reads again and recomputes. A ``test`` writes nothing, so it takes no field ownership.

Words used throughout:

* ``keys``: how to recognise the canary and stable destinations of a route: by Service host (host split) or by
  DestinationRule subset (subset split). See `SplitKeys`.
* ``route``: one entry of ``spec.http``, ``spec.tls`` or ``spec.tcp``. Its own ``route`` list holds the weighted
  destinations (``entries`` here).
* ``primary route``: the first HTTP route the Rollout manages; managed routes copy its destinations.
* ``managed route``: an HTTP route whose name is in ``trafficRouting.managedRoutes``. Every other route is a user
  route, and only the ones the Rollout names get their weights set.
"""

from rollouts.traffic.istio.destination_rule import destination_rule_ops, release_destination_rule_ops
from rollouts.traffic.istio.model import (
    FULL_WEIGHT,
    ExtraDestination,
    HeaderRoute,
    ManagedHttpRoute,
    ManagedRoutes,
    MirrorRoute,
    RoutingError,
    SplitKeys,
    WeightSplit,
)
from rollouts.traffic.istio.virtual_service import validate_references, virtual_service_ops

__all__ = [
    "FULL_WEIGHT",
    "ExtraDestination",
    "HeaderRoute",
    "ManagedHttpRoute",
    "ManagedRoutes",
    "MirrorRoute",
    "RoutingError",
    "SplitKeys",
    "WeightSplit",
    "destination_rule_ops",
    "release_destination_rule_ops",
    "validate_references",
    "virtual_service_ops",
]
