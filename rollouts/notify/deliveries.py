"""Which notifications an occurrence (an event the controller recorded) still owes, and their requests. Pure.

An occurrence is delivered to each destination subscribed to its trigger, once: a delivery whose key is in the
Rollout's notified state is done. Occurrences older than the window are never delivered (a controller started on a
cluster with old events does not replay them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollouts.notify.config import Config
from rollouts.notify.gotemplate import TemplateError
from rollouts.notify.messages import MessageError, Request, notification, request_for
from rollouts.notify.state import delivery_key
from rollouts.notify.subscriptions import Destination, destinations
from rollouts.notify.triggers import templates_to_send, trigger_for

WINDOW_SECONDS = 600.0


@dataclass(frozen=True)
class Occurrence:
    id: str
    """Unique and stable: the Event's name."""
    reason: str
    at: datetime
    type: str = "Normal"
    """The event's type (Normal or Warning), a label of the delivery metrics as in Argo."""


@dataclass(frozen=True)
class Delivery:
    key: str
    trigger: str
    destination: Destination
    request: Request | None
    occurrence: Occurrence
    problem: str = ""
    """Why it cannot be sent (a template or service error); such a delivery is reported once and recorded."""


def owed(
    occurrences: list[Occurrence], rollout: Mapping[str, Any], config: Config, state: Mapping[str, int], now: datetime
) -> tuple[list[Delivery], list[str]]:
    """Deliveries not yet made for `occurrences`, and problems (a `when` that failed) to report."""
    metadata = rollout.get("metadata") or {}
    annotations, labels = metadata.get("annotations") or {}, metadata.get("labels") or {}
    found: list[Delivery] = []
    problems: list[str] = []
    # A Rollout's Events share a handful of reasons: each reason's trigger and destinations are worked out once.
    targets_of: dict[str, tuple[str, list[Destination]]] = {}
    for occurrence in occurrences:
        if (now - occurrence.at).total_seconds() > WINDOW_SECONDS:
            continue
        if occurrence.reason not in targets_of:
            named = trigger_for(occurrence.reason)
            subscribed = destinations(named, annotations, labels, config) if named in config.triggers else []
            targets_of[occurrence.reason] = (named, subscribed)
        trigger, targets = targets_of[occurrence.reason]
        if not targets:
            continue
        chosen, failed = templates_to_send(trigger, config.triggers[trigger], {"rollout": rollout})
        problems += failed
        for number, names in chosen:
            for target in targets:
                key = delivery_key(occurrence.id, trigger, number, target.service, target.recipient)
                if key not in state:
                    found.append(_delivery(key, trigger, target, names, rollout, config, occurrence))
    return found, problems


def _delivery(
    key: str,
    trigger: str,
    target: Destination,
    names: tuple[str, ...],
    rollout: Mapping[str, Any],
    config: Config,
    occurrence: Occurrence,
) -> Delivery:
    service = config.services.get(target.service)
    if service is None:
        problem = f"service {target.service!r} is not configured (add service.<type>.{target.service})"
        return Delivery(key, trigger, target, None, occurrence, problem)
    try:
        rendered = notification(config.templates, names, {"rollout": rollout, "recipient": target.recipient})
        return Delivery(key, trigger, target, request_for(service, target, rendered), occurrence)
    except (TemplateError, MessageError) as error:
        return Delivery(key, trigger, target, None, occurrence, str(error))
