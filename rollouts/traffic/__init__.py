"""Traffic routing, pure: how a canary's share of traffic reaches the mesh, ingress or gateway.

* `router`: the interface every router implements (`TrafficRouter`: set_weight, verify, release), the `Edit`s it
  returns (guarded JSON patches, creates, deletes) and `NoRouter` for the replica-ratio canary.
* `registry`: ``trafficRouting`` keys → routers, and the routers of one Rollout (several work together).
* One module per router: `istio` (package), `nginx`, `alb`, `smi`, `gatewayapi`, `traefik`, `apisix`.
* `patch`, `weights`, `config`: the JSON Patch plumbing, the named-backend weight rule and the config reader they
  share.

No I/O here: `rollouts.controller.routing` reads the objects, asks a router, and writes its edits. Import modules,
not names: `from rollouts.traffic import istio`, then `istio.virtual_service_ops(...)`.
"""
