"""Field types with Argo semantics: int-or-string values, percentages, Go durations and API timestamps.

Pure functions only. Every function raises ValueError on malformed input so callers can turn it into a field error.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema


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


# --- durations ----------------------------------------------------------------------------------------------------

_UNIT_SECONDS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "\u00b5s": Decimal("1e-6"),  # micro sign
    "\u03bcs": Decimal("1e-6"),  # Greek mu
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-zA-Z\u00b5\u03bc]+)")


def parse_duration(value: int | str) -> float:
    """Seconds in a duration. Accepts Go syntax ("30s", "1h30m", "1.5h", "250ms", "-5s", "0") and, like Argo's pause
    duration, a bare number of seconds (30 or "30"). Raises ValueError for anything else ("", "1d", "5 m")."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}")
    if isinstance(value, int):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"invalid duration {value!r}")
    text = value
    if _INTEGER.fullmatch(text):
        return float(int(text))
    sign = Decimal(1)
    if text.startswith(("+", "-")):
        sign = Decimal(-1) if text[0] == "-" else Decimal(1)
        text = text[1:]
    if not text:
        raise ValueError(f"invalid duration {value!r}")
    total = Decimal(0)
    pos = 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.group(1) in ("", "."):
            raise ValueError(f"invalid duration {value!r}")
        number, unit = match.groups()
        if unit not in _UNIT_SECONDS:
            raise ValueError(f"unknown unit {unit!r} in duration {value!r}")
        total += Decimal(number) * _UNIT_SECONDS[unit]
        pos = match.end()
    return float(sign * total)


# --- timestamps ---------------------------------------------------------------------------------------------------


def parse_time(value: str) -> datetime:
    """An RFC 3339 API timestamp ("2024-05-01T10:00:00Z") as an aware datetime. Raises ValueError otherwise."""
    if not isinstance(value, str) or "T" not in value.upper():
        raise ValueError(f"invalid RFC 3339 time {value!r}")
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid RFC 3339 time {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"invalid RFC 3339 time {value!r}: missing time zone")
    return parsed


def format_time(moment: datetime) -> str:
    """The API form of a timestamp: UTC, whole seconds, `Z` suffix (what metav1.Time writes)."""
    if moment.tzinfo is None:
        raise ValueError("format_time needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
