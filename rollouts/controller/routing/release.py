"""Hand back a DestinationRule its Rollout no longer names (trafficRouting removed or changed, or the Rollout gone).

While a Rollout splits by subset it labels the DestinationRule's subsets with pod-template hashes and marks the rule
`argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`. Once no Rollout names the rule, those labels would pin
its subsets to old pods: as Argo does, we remove every subset's hash label and the annotation. The rule's other
fields are the user's and stay.

The work is keyed like a Service's (namespace/name) and runs on the controller's Service queue: the Rollout's update
or deletion enqueues the rules it named, and any event of a marked rule enqueues it (a restart catches up).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.machinery.keys import ObjectKey
from rollouts.plan.names import MANAGED_BY_ANNOTATION
from rollouts.traffic.istio import release_destination_rule_ops

_log = logging.getLogger("rollouts.controller")

Lookup = Callable[[resources.Resource, str, str], Mapping[str, Any] | None]


def managing_rollout(obj: Mapping[str, Any] | None) -> str:
    """The Rollout named by the object's managed-by annotation ("" when none)."""
    return str((((obj or {}).get("metadata") or {}).get("annotations") or {}).get(MANAGED_BY_ANNOTATION) or "")


def destination_rule_of(rollout: Mapping[str, Any]) -> str:
    """The DestinationRule a Rollout as read names ("" when none), read without parsing the whole Rollout."""
    canary = ((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    istio = (canary.get("trafficRouting") or {}).get("istio") or {}
    rule = istio.get("destinationRule") if isinstance(istio, dict) else None
    return str(rule.get("name") or "") if isinstance(rule, dict) else ""


def release_rule(
    kube: Kube, lookup: Lookup, key: ObjectKey, still_named: Callable[[str, Callable[[Any], bool]], bool]
) -> None:
    """Strip our labels and annotation from the DestinationRule at ``key`` when its Rollout no longer names it.

    ``still_named(rollout_name, names_it)`` says whether that Rollout exists and ``names_it(references)`` holds for
    what it refers to (True too when it cannot be read: never take traffic away on a guess).
    """
    rule = lookup(resources.DESTINATION_RULES, key.namespace, key.name)
    rollout_name = managing_rollout(rule)
    if rule is None or not rollout_name:
        return
    if still_named(rollout_name, lambda refs: any(ref.name == key.name for ref in refs.of_kind("DestinationRule"))):
        return
    operations = release_destination_rule_ops(rule)
    if not operations:
        return
    try:
        kube.patch(resources.DESTINATION_RULES, key.namespace, key.name, operations, kind="json")
    except (errors.NotFound, errors.Invalid):
        return  # gone, or changed under us: its own event brings it back
    _log.info("released DestinationRule %s from Rollout %s", key, rollout_name)
