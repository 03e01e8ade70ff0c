"""Builtins over time: enough for Argo's ``now() - duration("5m")`` range-query bounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..cost import Meter
from ..errors import Fault
from ..regex import fixed_pattern
from .registry import Context, builtin, want_string


@builtin("now", 0, linear=False)
def _now(ctx: Context, args: list[Any]) -> datetime:
    return ctx.now()


@builtin("duration", 1)
def _duration(ctx: Context, args: list[Any]) -> timedelta:
    return parse_duration(want_string("duration", args[0]), ctx.meter)


_UNITS_IN_MICROSECONDS = {
    "ns": 0.001,
    "us": 1,
    "µs": 1,
    "μs": 1,
    "ms": 1_000,
    "s": 1_000_000,
    "m": 60_000_000,
    "h": 3_600_000_000,
}
_PART = fixed_pattern(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]+)")


def parse_duration(text: str, meter: Meter) -> timedelta:
    """Go's time.ParseDuration, e.g. "1h30m", "-1.5s", "300ms"; unlike a Rollout's pause (rollouts.api), expr's
    duration() takes no bare number of seconds."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return timedelta(0)
    total = 0.0
    position = 0
    while position < len(body) or position == 0:
        meter.spend_characters(len(body))  # each match passes the whole text to RE2
        part = _PART.match(body, position)
        if part is None or part.group(1) in ("", "."):
            raise Fault(f'invalid duration "{text[:50]}"')
        unit = _UNITS_IN_MICROSECONDS.get(part.group(2))
        if unit is None:
            raise Fault(f'unknown unit "{part.group(2)[:10]}" in duration "{text[:50]}"')
        total += float(part.group(1)) * unit
        position = part.end()
    try:
        return timedelta(microseconds=-total if text.startswith("-") else total)
    except OverflowError:
        raise Fault(f'duration "{text[:50]}" is out of range') from None
