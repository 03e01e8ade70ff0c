"""Who hears about a trigger: `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient;…>` annotations on
the Rollout, the ConfigMap's `subscriptions` (matched by label selector) and its default triggers, as Argo reads
them. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rollouts.notify.config import Config

SUBSCRIBE_PREFIX = "notifications.argoproj.io/subscribe."
_REQUIREMENT = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w.-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$")


@dataclass(frozen=True, order=True)
class Destination:
    service: str
    recipient: str


def recipients(value: str) -> list[str]:
    found = [part.strip() for part in value.split(";") if part.strip()]
    return found if value else [""]


def selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Kubernetes' label selector string (`a=b,c!=d,e,!f,g in (h,i)`); an unreadable requirement matches nothing."""
    for requirement in re.split(r",(?![^(]*\))", selector):
        if not requirement.strip():
            continue
        match = _REQUIREMENT.match(requirement)
        if match is None:
            return False
        negated, key, operator, value, set_operator, members = match.groups()
        if negated:
            ok = key not in labels
        elif operator in ("=", "=="):
            ok = labels.get(key) == value
        elif operator == "!=":
            ok = labels.get(key) != value
        elif set_operator:
            values = {member.strip() for member in members.split(",")}
            ok = (labels.get(key) in values) == (set_operator == "in") and (key in labels or set_operator == "notin")
        else:
            ok = key in labels
        if not ok:
            return False
    return True


def _annotation_destinations(annotations: Mapping[str, str], config: Config) -> dict[str, set[Destination]]:
    found: dict[str, set[Destination]] = {}
    for key, value in annotations.items():
        if not key.startswith(SUBSCRIBE_PREFIX):
            continue
        parts = key[len(SUBSCRIBE_PREFIX) :].split(".")
        trigger, service = (parts[0], parts[1]) if len(parts) >= 2 else ("", parts[0])
        if trigger:
            triggers: tuple[str, ...] = (trigger,)
        else:
            triggers = config.service_default_triggers.get(service, config.default_triggers)
        for recipient in recipients(str(value)):
            for name in triggers:
                found.setdefault(name, set()).add(Destination(service, recipient))
    return found


def destinations(
    trigger: str, annotations: Mapping[str, str], labels: Mapping[str, str], config: Config
) -> list[Destination]:
    """Every destination subscribed to `trigger`, sorted and without repeats."""
    found = set(_annotation_destinations(annotations, config).get(trigger, set()))
    for subscription in config.subscriptions:
        triggers = subscription.triggers or config.default_triggers
        if trigger in triggers and selector_matches(subscription.selector, labels):
            for recipient in subscription.recipients:
                service, _, name = recipient.partition(":")
                found.add(Destination(service, name))
    return sorted(found)
