"""The I/O side of traffic routing: adapters that read and write what the pure routers in `rollouts.traffic` decide.

* `adapter`: `RouterAdapter` for one Rollout's routers (`router_for`), reads from the cache, guarded writes.
* `services`: `ServiceSelector`, pointing Services at pod-template hashes (every strategy; not a traffic router).
"""

from rollouts.controller.routing.adapter import Lookup, Note, RouterAdapter, router_for
from rollouts.controller.routing.services import ServiceSelector
from rollouts.traffic.registry import UnsupportedRouter

__all__ = ["Lookup", "Note", "RouterAdapter", "ServiceSelector", "UnsupportedRouter", "router_for"]
