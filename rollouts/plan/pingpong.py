"""Ping-pong Services (`spec.strategy.canary.pingPong {pingService, pongService}`): stable and canary alternate.

Instead of moving the stable Service's selector at each promotion, two Services take turns: one serves stable
(`status.canary.stablePingPong` says which, "ping" or "pong"), the other selects the new ReplicaSet during an update.
The promotion hands stable to the other one, so the routers never point stable at pods that just changed; the old
stable Service keeps its selector until the next update claims it. As in Argo Rollouts:

- with no recorded role the stable one is pong (so the first deploy, on ping, makes ping stable);
- while the Rollout is not fully promoted (as last recorded), the canary Service selects the new ReplicaSet;
- each promotion that changes the stable ReplicaSet swaps the roles;
- ALB routes by the ping-pong pair; Istio (and plugins) by stableService/canaryService when the Rollout names
  them, else by the pair.
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts.api import CanaryStrategy

PING = "ping"
PONG = "pong"
ROUTERS = ("alb", "istio", "plugins")
"""The traffic routers that carry out ping-pong (Argo's rule)."""
PREFERRING_ROUTERS = ("alb",)
"""Routers that route by the ping-pong pair even when stableService and canaryService are set."""


def enabled(strategy: CanaryStrategy | None) -> bool:
    return strategy is not None and strategy.ping_pong is not None


def roles(strategy: CanaryStrategy, stable_ping_pong: str | None) -> tuple[str, str]:
    """(stable Service, canary Service) of the pair, for the recorded role; ("", "") without ping-pong."""
    pair = strategy.ping_pong
    if pair is None:
        return "", ""
    ping, pong = pair.ping_service or "", pair.pong_service or ""
    return (ping, pong) if stable_ping_pong == PING else (pong, ping)


def swapped(stable_ping_pong: str | None) -> str:
    """The role after a promotion: the canary Service becomes stable."""
    return PONG if stable_ping_pong == PING else PING


def routed_services(
    strategy: CanaryStrategy, stable_ping_pong: str | None, *, prefer_ping_pong: bool
) -> tuple[str, str]:
    """(stable Service, canary Service) a router sends traffic to."""
    own = (strategy.stable_service or "", strategy.canary_service or "")
    if not enabled(strategy) or (not prefer_ping_pong and any(own)):
        return own
    return roles(strategy, stable_ping_pong)


def recorded_role(status: Mapping[str, Any]) -> str | None:
    """status.canary.stablePingPong of a Rollout as read."""
    canary = status.get("canary")
    role = canary.get("stablePingPong") if isinstance(canary, Mapping) else None
    return role if isinstance(role, str) else None


def canary_selector(strategy: CanaryStrategy, status: Mapping[str, Any], new_hash: str) -> tuple[str, str] | None:
    """(Service, pod hash) the canary Service of the pair must select, from the status as read; None when the
    Rollout is fully promoted (stableRS is its current pod hash and the template did not change) or has no pair."""
    if not enabled(strategy):
        return None
    stable_rs, current = status.get("stableRS"), status.get("currentPodHash")
    if stable_rs and stable_rs == current == new_hash:
        return None
    _, canary = roles(strategy, recorded_role(status))
    return (canary, new_hash) if canary else None
