"""Checks of a Rollout's canary strategy: replica arithmetic, traffic routing and steps."""

from __future__ import annotations

from typing import Any

from rollouts.api.rollout import (
    SUPPORTED_TRAFFIC_ROUTERS,
    TRAFFIC_ROUTERS,
    CanaryStep,
    CanaryStrategy,
    IstioTrafficRouting,
    Rollout,
    SetCanaryScale,
    SetMirrorRoute,
    StringMatch,
    TrafficRouting,
)
from rollouts.api.types import scaled_value
from rollouts.api.validation.errors import Errors, dig, duplicates, show
from rollouts.api.validation.experiment import check_experiment_step
from rollouts.api.validation.strategy import (
    check_anti_affinity,
    check_int_or_percent_field,
    check_rollout_analysis,
    check_scale_down_limit,
)

STEP_MESSAGE = (
    "a step must set one of setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, "
    "setMirrorRoute, and at most one of setWeight, pause, analysis, experiment"
)
# As in Argo, setCanaryScale, setHeaderRoute and setMirrorRoute may share a step with each other and with one of these.
EXCLUSIVE_STEP_KINDS = frozenset({"setWeight", "pause", "analysis", "experiment"})
PATH = "spec.strategy.canary"


def check_canary(errors: Errors, rollout: Rollout, canary: CanaryStrategy, raw: Any) -> None:
    _replicas(errors, rollout, canary)
    routing = canary.traffic_routing
    if routing is None:
        if canary.scale_down_delay_seconds is not None:
            errors.invalid(f"{PATH}.scaleDownDelaySeconds", "can only be used with trafficRouting")
        if canary.dynamic_stable_scale:
            errors.invalid(f"{PATH}.dynamicStableScale", "can only be used with trafficRouting")
    else:
        if canary.scale_down_delay_seconds is not None and canary.dynamic_stable_scale:
            errors.invalid(f"{PATH}.dynamicStableScale", "cannot be combined with scaleDownDelaySeconds")
        _traffic_routing(errors, f"{PATH}.trafficRouting", canary, routing, dig(raw, "trafficRouting"))
    _ping_pong(errors, canary)
    _replica_progress_threshold(errors, canary)
    steps = canary.steps or []
    if canary.analysis is not None:
        check_rollout_analysis(errors, f"{PATH}.analysis", canary.analysis)
        start = canary.analysis.starting_step
        if start is not None and not 0 <= start <= len(steps):
            errors.invalid(f"{PATH}.analysis.startingStep", f"must be between 0 and the number of steps ({len(steps)})")
    for i, step in enumerate(steps):
        _step(errors, f"{PATH}.steps[{i}]", canary, step)
    check_anti_affinity(errors, f"{PATH}.antiAffinity", canary.anti_affinity)


def _replicas(errors: Errors, rollout: Rollout, canary: CanaryStrategy) -> None:
    check_int_or_percent_field(errors, f"{PATH}.maxSurge", canary.max_surge)
    check_int_or_percent_field(errors, f"{PATH}.maxUnavailable", canary.max_unavailable)
    try:
        surge = scaled_value(canary.effective_max_surge, 100, round_up=True)
        unavailable = scaled_value(canary.effective_max_unavailable, 100, round_up=False)
    except ValueError:
        pass  # reported above
    else:
        if surge == 0 and unavailable == 0:
            errors.invalid(f"{PATH}.maxSurge", "maxSurge and maxUnavailable must not both be 0")
    if canary.canary_service and canary.canary_service == canary.stable_service:
        errors.invalid(f"{PATH}.stableService", "stableService and canaryService must be different Services")
    errors.non_negative(f"{PATH}.scaleDownDelaySeconds", canary.scale_down_delay_seconds)
    errors.non_negative(f"{PATH}.abortScaleDownDelaySeconds", canary.abort_scale_down_delay_seconds)
    errors.non_negative(f"{PATH}.minPodsPerReplicaSet", canary.min_pods_per_replica_set)
    limit = canary.scale_down_delay_revision_limit
    check_scale_down_limit(errors, f"{PATH}.scaleDownDelayRevisionLimit", rollout, limit)


def _ping_pong(errors: Errors, canary: CanaryStrategy) -> None:
    """Argo's rules: both Services named and different; routed only by ALB (with rootService), Istio or plugins."""
    if canary.ping_pong is None:
        return
    ping, pong = canary.ping_pong.ping_service, canary.ping_pong.pong_service
    for name, value in (("pingService", ping), ("pongService", pong)):
        if not value:
            errors.invalid(f"{PATH}.pingPong.{name}", "required")
    if ping and ping == pong:
        errors.invalid(f"{PATH}.pingPong.pongService", "pingService and pongService must be different Services")
    routing = canary.traffic_routing
    if routing is None:
        return  # Services alone: they still take turns
    if routing.alb is None and routing.istio is None and not routing.plugins:
        routers = ", ".join(routing.routers) or "none"
        message = f"ping-pong Services work with the alb, istio and plugin traffic routers only, got {routers}"
        errors.invalid(f"{PATH}.pingPong", message)
    if routing.alb is not None and not routing.alb.get("rootService"):
        errors.invalid(f"{PATH}.trafficRouting.alb.rootService", "required with ping-pong Services")


def _replica_progress_threshold(errors: Errors, canary: CanaryStrategy) -> None:
    threshold = canary.replica_progress_threshold
    if threshold is None:
        return
    path = f"{PATH}.replicaProgressThreshold"
    if threshold.type not in ("Percent", "Pods"):
        errors.invalid(f"{path}.type", "must be Percent or Pods")
    errors.non_negative(f"{path}.value", threshold.value)
    if threshold.type == "Percent" and threshold.value > 100:
        errors.invalid(f"{path}.value", "a percentage must not exceed 100")
    message = "replicaProgressThreshold is not supported yet; a step completes when all its pods are available"
    errors.unsupported(path, message)


def _traffic_routing(errors: Errors, path: str, canary: CanaryStrategy, routing: TrafficRouting, raw: Any) -> None:
    supported = ", ".join(SUPPORTED_TRAFFIC_ROUTERS)
    for key in raw or {}:
        if key not in (*TRAFFIC_ROUTERS, "managedRoutes", "maxTrafficWeight"):
            errors.invalid(f"{path}.{key}", f"unknown traffic router {show(key)}; supported: {supported}")
    routers = routing.routers
    if not routers:
        errors.invalid(path, f"must configure a traffic router; supported: {supported}")
    for router in routers:
        if router not in SUPPORTED_TRAFFIC_ROUTERS:
            message = f"traffic router {router} is not supported by this controller; supported: {supported}"
            errors.unsupported(f"{path}.{router}", message)
    if routing.max_traffic_weight is not None:
        if routing.max_traffic_weight <= 0:
            errors.invalid(f"{path}.maxTrafficWeight", "must be greater than 0")
        if "nginx" not in routers and "plugins" not in routers:
            errors.invalid(f"{path}.maxTrafficWeight", "is only supported by the nginx and plugin traffic routers")
    duplicates(errors, f"{path}.managedRoutes", [r.name for r in routing.managed_routes or []], "route name")
    if routing.istio is not None:
        _istio(errors, f"{path}.istio", canary, routing.istio)


def _istio(errors: Errors, path: str, canary: CanaryStrategy, istio: IstioTrafficRouting) -> None:
    services = istio.virtual_services or []
    if (istio.virtual_service is None) == (not services):
        errors.invalid(path, "must set exactly one of virtualService and virtualServices")
    if istio.virtual_service is not None and not istio.virtual_service.name:
        errors.invalid(f"{path}.virtualService.name", "required")
    for i, service in enumerate(services):
        if not service.name:
            errors.invalid(f"{path}.virtualServices[{i}].name", "required")
    rule = istio.destination_rule
    if rule is not None:
        for name, value in (
            ("name", rule.name),
            ("canarySubsetName", rule.canary_subset_name),
            ("stableSubsetName", rule.stable_subset_name),
        ):
            if not value:
                errors.invalid(f"{path}.destinationRule.{name}", "required")
        if rule.canary_subset_name and rule.canary_subset_name == rule.stable_subset_name:
            errors.invalid(f"{path}.destinationRule.stableSubsetName", "must differ from canarySubsetName")
    elif canary.ping_pong is None:  # host split: the stable and canary Services carry the weights
        for name, host in (("stableService", canary.stable_service), ("canaryService", canary.canary_service)):
            if not host:
                errors.invalid(f"{PATH}.{name}", "required for Istio host splitting (no destinationRule)")


def _string_match(errors: Errors, path: str, match: StringMatch | None) -> None:
    if match is None:
        errors.invalid(path, "required")
        return
    set_fields = [name for name in ("exact", "regex", "prefix") if getattr(match, name) is not None]
    if len(set_fields) != 1:
        errors.invalid(path, "must set exactly one of exact, regex, prefix")
    if match.regex is not None:
        errors.regex(f"{path}.regex", match.regex)


def _step(errors: Errors, path: str, canary: CanaryStrategy, step: CanaryStep) -> None:
    kinds = step.kinds
    if not kinds or len(EXCLUSIVE_STEP_KINDS.intersection(kinds)) > 1:
        errors.invalid(path, STEP_MESSAGE)
    max_weight = canary.effective_max_traffic_weight
    if step.set_weight is not None and not 0 <= step.set_weight <= max_weight:
        errors.invalid(f"{path}.setWeight", f"must be between 0 and {max_weight}, got {step.set_weight}")
    if step.pause is not None:
        errors.duration(f"{path}.pause.duration", step.pause.duration, positive=True)
    if step.analysis is not None:
        check_rollout_analysis(errors, f"{path}.analysis", step.analysis)
    if step.experiment is not None:
        check_experiment_step(errors, f"{path}.experiment", canary, step.experiment)
    if step.plugin is not None:
        errors.unsupported(f"{path}.plugin", "step plugins are not supported by this controller")
    if step.set_canary_scale is not None:
        _canary_scale(errors, f"{path}.setCanaryScale", canary, step.set_canary_scale)
    _managed_routes(errors, path, canary, step)
    if step.set_header_route is not None:
        for j, header in enumerate(step.set_header_route.match or []):
            _string_match(errors, f"{path}.setHeaderRoute.match[{j}].headerValue", header.header_value)
    if step.set_mirror_route is not None:
        _mirror_route(errors, f"{path}.setMirrorRoute", step.set_mirror_route)


def _canary_scale(errors: Errors, path: str, canary: CanaryStrategy, scale: SetCanaryScale) -> None:
    if canary.traffic_routing is None:
        errors.invalid(path, "requires trafficRouting")
    chosen = [k for k in ("weight", "replicas", "matchTrafficWeight") if k in scale.to_dict()]
    if len(chosen) != 1:
        errors.invalid(path, "must set exactly one of weight, replicas, matchTrafficWeight")
    if scale.weight is not None and not 0 <= scale.weight <= 100:
        errors.invalid(f"{path}.weight", f"must be between 0 and 100, got {scale.weight}")
    errors.non_negative(f"{path}.replicas", scale.replicas)


def _managed_routes(errors: Errors, path: str, canary: CanaryStrategy, step: CanaryStep) -> None:
    """Header and mirror steps need traffic routing, and a route name listed in managedRoutes."""
    routing = canary.traffic_routing
    for name, route in (("setHeaderRoute", step.set_header_route), ("setMirrorRoute", step.set_mirror_route)):
        if route is None:
            continue
        if routing is None:
            errors.invalid(f"{path}.{name}", "requires trafficRouting")
            continue
        managed = [r.name for r in routing.managed_routes or []]
        if routing.managed_routes is None:
            errors.invalid(f"{PATH}.trafficRouting.managedRoutes", f"required by {name} steps")
        elif route.name not in managed:
            errors.invalid(
                f"{path}.{name}.name",
                f"route {show(route.name)} is not listed in {PATH}.trafficRouting.managedRoutes",
            )


def _mirror_route(errors: Errors, path: str, mirror: SetMirrorRoute) -> None:
    if mirror.percentage is not None and not 0 <= mirror.percentage <= 100:
        errors.invalid(f"{path}.percentage", f"must be between 0 and 100, got {mirror.percentage}")
    for j, match in enumerate(mirror.match or []):
        where = f"{path}.match[{j}]"
        if match.method is not None:
            _string_match(errors, f"{where}.method", match.method)
        if match.path is not None:
            _string_match(errors, f"{where}.path", match.path)
        for header, value in (match.headers or {}).items():
            _string_match(errors, f"{where}.headers.{header}", value)
