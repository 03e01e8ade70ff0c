"""Traffic routers: how a canary's share of traffic reaches the mesh.

* `istio`: PURE. Minimal, guarded JSON Patches (RFC 6902) for Istio VirtualServices and DestinationRules: route
  weights, the managed header and mirror routes, and the subset hash labels. The caller reads the object, sends the
  operations with `kind="json"`, and reads again after a failed `test` (422).

Import modules, not names: `from rollouts.traffic import istio`, then `istio.virtual_service_ops(...)`.
"""

from rollouts.traffic import istio

__all__ = ["istio"]
