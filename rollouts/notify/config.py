"""Argo's notification configuration: `argo-rollouts-notification-configmap` and `-secret`, parsed once per change.

Keys as in Argo (notifications-engine): `template.<name>`, `trigger.<name>`, `service.<type>[.<name>]`,
`defaultTriggers`, `defaultTriggers.<service>` and `subscriptions`. `$key` inside a service's string values is
replaced by that key of the Secret. A bad key never hides the good ones: it is reported as a problem naming the
key and what was expected, and left out. Pure.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from analysis.expressions import Expression, ExpressionError, compile_expression
from rollouts.notify.gotemplate import TemplateError, parse

CONFIG_MAP = "argo-rollouts-notification-configmap"
SECRET = "argo-rollouts-notification-secret"
SUPPORTED_SERVICES = ("webhook", "slack", "teams")
_SECRET_REF = re.compile(r"\$[\w-]+")


@dataclass(frozen=True)
class Condition:
    send: tuple[str, ...]
    when: Expression | None = None
    when_text: str = ""


@dataclass(frozen=True)
class Service:
    type: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Subscription:
    recipients: tuple[str, ...]
    triggers: tuple[str, ...] = ()
    selector: str = ""


@dataclass
class Config:
    templates: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    triggers: dict[str, tuple[Condition, ...]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    default_triggers: tuple[str, ...] = ()
    service_default_triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subscriptions: tuple[Subscription, ...] = ()
    problems: list[str] = field(default_factory=list)


def secret_values(secret: Mapping[str, Any] | None) -> dict[str, str]:
    """The Secret's keys, decoded (`data` is base64 in the API; `stringData` is accepted as written)."""
    values: dict[str, str] = {}
    for key, value in ((secret or {}).get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode(str(value)).decode()
        except (ValueError, UnicodeDecodeError):
            continue
    values.update({str(k): str(v) for k, v in ((secret or {}).get("stringData") or {}).items()})
    return values


def _with_secrets(value: Any, secrets: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _SECRET_REF.sub(lambda m: secrets.get(m.group()[1:], m.group()), value)
    if isinstance(value, Mapping):
        return {k: _with_secrets(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_secrets(v, secrets) for v in value]
    return value


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    """Every string in a template definition, with its path, to check its template syntax."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}")]
    return []


def _template(key: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{key}: expected a mapping with message and service fields, got {type(raw).__name__}")
    for path, text in _strings(raw, key):
        try:
            parse(path, text)
        except TemplateError as error:
            raise ValueError(str(error)) from None
    return raw


def _trigger(key: str, raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{key}: expected a list of conditions (send, when), got {type(raw).__name__}")
    conditions = []
    for number, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("send"), list):
            raise ValueError(f"{key}[{number}].send: expected a list of template names")
        when = str(item.get("when") or "")
        try:
            compiled = compile_expression(when, label=f"{key}[{number}].when") if when else None
        except ExpressionError as error:
            raise ValueError(f"{key}[{number}].when: {error}") from None
        conditions.append(Condition(tuple(str(s) for s in item["send"]), compiled, when))
    return tuple(conditions)


def _names(key: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{key}: expected a list of trigger names")
    return tuple(str(item) for item in raw)


def _subscriptions(raw: Any) -> tuple[Subscription, ...]:
    if not isinstance(raw, list):
        raise ValueError("subscriptions: expected a list of {recipients, triggers, selector}")
    found = []
    for number, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("recipients"), list):
            raise ValueError(f"subscriptions[{number}].recipients: expected a list of service:recipient")
        triggers = item.get("triggers") or []
        found.append(
            Subscription(
                tuple(map(str, item["recipients"])), tuple(map(str, triggers)), str(item.get("selector") or "")
            )
        )
    return tuple(found)


def _service(key: str, raw: Any, secrets: Mapping[str, str]) -> tuple[str, Service]:
    parts = key.split(".")
    if len(parts) not in (2, 3):
        raise ValueError(f"{key}: expected service.<type> or service.<type>.<name>")
    kind, name = parts[1], parts[-1]
    if not isinstance(raw, Mapping):
        raise ValueError(f"{key}: expected a mapping of the service's options")
    return name, Service(kind, _with_secrets(raw, secrets))


def _apply(config: Config, key: str, text: str, secrets: Mapping[str, str]) -> None:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{key}: not valid YAML ({str(error).splitlines()[0]})") from None
    if key.startswith("template."):
        config.templates[key[len("template.") :]] = _template(key, raw)
    elif key.startswith("trigger."):
        config.triggers[key[len("trigger.") :]] = _trigger(key, raw)
    elif key.startswith("service."):
        name, service = _service(key, raw, secrets)
        config.services[name] = service
    elif key == "defaultTriggers":
        config.default_triggers = _names(key, raw)
    elif key.startswith("defaultTriggers."):
        config.service_default_triggers[key[len("defaultTriggers.") :]] = _names(key, raw)
    elif key == "subscriptions":
        config.subscriptions = _subscriptions(raw)


def parse_config(config_map: Mapping[str, Any] | None, secret: Mapping[str, Any] | None) -> Config:
    """The configuration in the ConfigMap (None: no notifications), with the Secret's values substituted."""
    config = Config()
    secrets = secret_values(secret)
    for key, text in sorted(((config_map or {}).get("data") or {}).items()):
        try:
            _apply(config, str(key), str(text), secrets)
        except ValueError as error:
            config.problems.append(str(error))
    for name, service in config.services.items():
        if service.type not in SUPPORTED_SERVICES:
            config.problems.append(
                f"service.{service.type}: not supported (supported: {', '.join(SUPPORTED_SERVICES)}); {name} is ignored"
            )
    return config
