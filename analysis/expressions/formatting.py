"""Go's ``fmt.Sprintf("%v", value)``, which expr's ``string()`` uses, for every value the language has."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

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
    """Go's shortest ``%v``: exponent form when the decimal exponent is below ``lowest`` or above ``highest``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    power = point - 1
    if power < lowest or power > highest:
        tail = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{tail}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def format_duration(value: timedelta) -> str:
    """Go's ``time.Duration.String()``, at the microsecond resolution timedelta keeps."""
    micros = value // timedelta(microseconds=1)
    if micros == 0:
        return "0s"
    sign, micros = ("-", -micros) if micros < 0 else ("", micros)
    if micros < 1000:
        return f"{sign}{micros}µs"
    if micros < 1_000_000:
        return f"{sign}{_trim_decimal(micros, 1000)}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = _trim_decimal(rest, 1_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _trim_decimal(amount: int, unit: int) -> str:
    whole, part = divmod(amount, unit)
    if not part:
        return str(whole)
    width = len(str(unit)) - 1
    return f"{whole}.{str(part).zfill(width).rstrip('0')}"
