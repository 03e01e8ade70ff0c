"""Field types with Argo semantics: int-or-string values and percentages.

Pure functions only. Every function raises ValueError on malformed input so callers can turn it into a field error.
Durations and timestamps live in `rollouts.api.gotext`; they are importable from here too for older callers.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

from rollouts.api.gotext import format_time, parse_duration, parse_time

__all__ = [
    "IntOrPercent",
    "IntOrString",
    "check_int_or_percent",
    "format_time",
    "int_value",
    "is_templated",
    "parse_duration",
    "parse_time",
    "percent_value",
    "scaled_value",
]


def _int_or_string(value: Any) -> int | str:
    if isinstance(value, bool):
        raise ValueError("must be an integer or a string")
    if isinstance(value, int | str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("must be an integer or a string")


IntOrString = Annotated[
    int | str,
    PlainValidator(_int_or_string, json_schema_input_type=int | str),
    WithJsonSchema({"x-kubernetes-int-or-string": True}),
]
"""Kubernetes IntOrString: an integer, or a string that may still hold an `{{args.x}}` placeholder."""

IntOrPercent = IntOrString
"""An absolute count (int) or a percentage (string). Argo reads ANY string as a percent: "3" means 3%."""


# --- int-or-string ------------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")


def int_value(value: int | str) -> int:
    """The integer held by an IntOrString: 3 -> 3, "3" -> 3; "{{args.n}}" or "x" -> ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"{value!r} is not an integer")


MASKED = "*****"
"""How a Secret-backed analysis argument reads until the run measures (and in messages)."""


def is_templated(value: object) -> bool:
    """True when a string still holds an unresolved `{{...}}` placeholder (analysis arguments)."""
    return isinstance(value, str) and "{{" in value


def percent_value(value: str) -> int:
    """The number in a percent string, with Argo's quirk that the `%` is optional: "25%" -> 25, "3" -> 3."""
    text = value.strip()
    digits = text[:-1] if text.endswith("%") else text
    if not _INTEGER.fullmatch(digits):
        raise ValueError(f"invalid percent {value!r}: want an integer, optionally followed by %")
    return int(digits)


def scaled_value(value: int | str, total: int, *, round_up: bool) -> int:
    """Resolve an IntOrPercent against `total`: ints are absolute, any string is a percent of `total`.

    Examples: (3, 10) -> 3; ("25%", 10, up) -> 3; ("25%", 10, down) -> 2; ("3", 200, down) -> 6.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer or a percent")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an integer or a percent")
    exact = Fraction(total * percent_value(value), 100)
    return math.ceil(exact) if round_up else math.floor(exact)


def check_int_or_percent(value: int | str) -> None:
    """Raise ValueError unless `value` is an int or a (possibly %-less) percent string."""
    scaled_value(value, 100, round_up=False)
