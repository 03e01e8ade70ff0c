"""Reading a router's configuration from the Rollout, with errors that name the field and what was expected.

The API keeps every router but Istio as a free object (so Argo's manifests load whatever they hold); each router
reads its fields through `Config`, which turns a wrong type into one clear message instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts.traffic.router import RoutingError


class Config:
    """A JSON object at ``field`` (e.g. ``spec.strategy.canary.trafficRouting.nginx``)."""

    def __init__(self, data: Any, field: str) -> None:
        if not isinstance(data, Mapping):
            raise RoutingError(f"{field}: expected an object, got {_kind(data)}")
        self.data = data
        self.field = field

    def at(self, key: str) -> str:
        return f"{self.field}.{key}"

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            raise RoutingError(f"{self.at(key)}: expected a string, got {_kind(value)}")
        return value

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise RoutingError(f"{self.at(key)}: required")
        return value

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise RoutingError(f"{self.at(key)}: expected an integer, got {_kind(value)}")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise RoutingError(f"{self.at(key)}: expected true or false, got {_kind(value)}")
        return value

    def texts(self, key: str) -> list[str] | None:
        """A list of strings; None when the field is absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise RoutingError(f"{self.at(key)}: expected a list of strings, got {_kind(value)}")
        return list(value)

    def integers(self, key: str) -> list[int] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise RoutingError(f"{self.at(key)}: expected a list of integers, got {_kind(value)}")
        return list(value)

    def strings(self, key: str) -> dict[str, str]:
        """A string-to-string map (annotations); {} when absent."""
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise RoutingError(f"{self.at(key)}: expected a map of strings, got {_kind(value)}")
        return dict(value)

    def child(self, key: str) -> Config | None:
        value = self.data.get(key)
        return None if value is None else Config(value, self.at(key))

    def children(self, key: str) -> list[Config]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise RoutingError(f"{self.at(key)}: expected a list, got {_kind(value)}")
        return [Config(item, f"{self.at(key)}[{index}]") for index, item in enumerate(value)]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )
