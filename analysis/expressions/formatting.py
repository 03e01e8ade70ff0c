"""Go's ``fmt.Sprintf("%v", value)``, which expr's ``string()`` uses, for every value the language has."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from rollouts.api import gotext

from .cost import Meter
from .lexer import INT64_MAX, INT64_MIN
from .values import as_float, is_array


def format_value(value: Any, meter: Meter, depth: int = 0) -> str:
    meter.check_depth(depth)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # Input beyond int64 arrives as a float64 in Go; Python would print (slowly) every digit.
        return str(value) if INT64_MIN <= value <= INT64_MAX else format_float(as_float(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return value
    if is_array(value):
        meter.spend_walk(len(value))
        return "[" + " ".join(format_value(item, meter, depth + 1) for item in value) + "]"
    if isinstance(value, Mapping):
        meter.spend_walk(len(value))
        pairs = [f"{format_value(k, meter, depth + 1)}:{format_value(v, meter, depth + 1)}" for k, v in value.items()]
        return "map[" + " ".join(sorted(pairs)) + "]"  # Go prints maps with sorted keys
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def format_time(value: datetime) -> str:
    """Go's ``time.Time.String()``: "2017-10-23 18:30:00 +0000 UTC", fractions without trailing zeros."""
    fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
    offset = value.strftime("%z") or "+0000"
    zone = value.tzname() or "UTC"
    return f"{value.strftime('%Y-%m-%d %H:%M:%S')}{fraction} {offset} {zone}"


def format_float(value: float, lowest: int = -4, highest: int = 5) -> str:
    """Go's shortest ``%v`` (exponent form outside ``lowest``..``highest``); one home in rollouts.api.gotext."""
    return gotext.format_float_shortest(value, lowest=lowest, highest=highest)


def format_duration(value: timedelta) -> str:
    """Go's ``time.Duration.String()``; one home in rollouts.api.gotext."""
    return gotext.format_duration(value)
