"""The canary step cursor: which step is current, what weight and scale it implies, and how steps are described.

Pure functions over the step list; `index == len(steps)` means every step is done.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api import CanaryStep, SetCanaryScale, SetHeaderRoute, SetMirrorRoute
from rollouts.plan import hashing


def steps_hash(steps: Sequence[CanaryStep]) -> str:
    return hashing.steps_hash([step.to_dict() for step in steps])


def current_weight(steps: Sequence[CanaryStep], index: int, *, max_weight: int) -> int:
    """The traffic weight the canary should have at `index`: the last setWeight at or before it, full when done.

    Examples: steps [setWeight 20, pause, setWeight 40] → index 0: 20, 1: 20, 2: 40, 3: max_weight; [pause] → 0.
    """
    if index >= len(steps):
        return max_weight
    weight = 0
    for step in steps[: index + 1]:
        if step.set_weight is not None:
            weight = step.set_weight
    return weight


def current_canary_scale(steps: Sequence[CanaryStep], index: int) -> SetCanaryScale | None:
    """The setCanaryScale in force at `index` (matchTrafficWeight clears it); None when scale follows weight."""
    if index >= len(steps):
        return None  # all steps done: the canary is scaled for full weight
    scale: SetCanaryScale | None = None
    for step in steps[: index + 1]:
        if step.set_canary_scale is not None:
            scale = None if step.set_canary_scale.match_traffic_weight else step.set_canary_scale
    return scale


def current_header_routes(steps: Sequence[CanaryStep], index: int) -> dict[str, SetHeaderRoute]:
    """Header routes in force at `index`, by name (a step without match removes its route)."""
    routes: dict[str, SetHeaderRoute] = {}
    for step in steps[: index + 1] if index < len(steps) else ():
        if (route := step.set_header_route) is not None and route.name:
            if route.match:
                routes[route.name] = route
            else:
                routes.pop(route.name, None)
    return routes


def current_mirror_routes(steps: Sequence[CanaryStep], index: int) -> dict[str, SetMirrorRoute]:
    """Mirror routes in force at `index`, by name (a step without match removes its route)."""
    routes: dict[str, SetMirrorRoute] = {}
    for step in steps[: index + 1] if index < len(steps) else ():
        if (route := step.set_mirror_route) is not None:
            if route.match:
                routes[route.name] = route
            else:
                routes.pop(route.name, None)
    return routes


def describe(step: CanaryStep) -> str:
    """How an event names a step: `setWeight: 20`, `pause: 10s`, `pause`, `analysis`…"""
    if step.set_weight is not None:
        return f"setWeight: {step.set_weight}"
    if step.pause is not None:
        return f"pause: {step.pause.duration}" if step.pause.duration is not None else "pause"
    return step.kinds[0] if step.kinds else "step"
