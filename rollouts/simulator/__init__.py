"""The traffic simulator: fakes the requests a mesh would carry, so Prometheus-based analysis works without one.

Pods on a kwok cluster run nothing. The simulator follows a namespace's router objects (VirtualServices and
DestinationRules, HTTPRoutes, Ingresses, TrafficSplits, TraefikServices, ApisixRoutes), Services and ReplicaSets,
sends each version its share of a steady stream of imaginary requests, lets each version answer as its image tag
says (``demo:yellow-errors-30``, ``demo:green-slow-800``), and exports the outcomes as Istio's
``istio_requests_total`` and ``istio_request_duration_milliseconds``.

* `behaviour`: PURE. Image tag and annotations → error rate and latency; one seeded answer at a time.
* `routes`: PURE. A router's object → the weighted backends requests without headers take, one reader per kind.
* `traffic`: PURE. Those backends + Services + ReplicaSets → the split; the split + a rate → request samples.
* `exporter`: the Prometheus collector with Istio's metric and label names, and its HTTP server.
* `main`: `Options` and `run(options, stop)`: informers, the 100 ms loop, the exporter.
* `cli`: the `simulate` click command (`python -m rollouts.simulator`).

Only the pure modules are imported here, so using them pulls in no API client; import `exporter`, `main` and
`cli` by name. Import modules, not names: `from rollouts.simulator import traffic`, then `traffic.split(...)`.
"""

from rollouts.simulator import behaviour, routes, traffic

__all__ = ["behaviour", "routes", "traffic"]
