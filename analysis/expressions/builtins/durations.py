"""Builtins over time: enough for Argo's ``now() - duration("5m")`` range-query bounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rollouts.api import gotext

from ..cost import Meter
from ..errors import Fault
from .registry import Context, builtin, want_string


@builtin("now", 0, linear=False)
def _now(ctx: Context, args: list[Any]) -> datetime:
    return ctx.now()


@builtin("duration", 1)
def _duration(ctx: Context, args: list[Any]) -> timedelta:
    return parse_duration(want_string("duration", args[0]), ctx.meter)


_LONGEST = 256
"""No real duration is longer; refusing early keeps duration() cheap on hostile input."""


def parse_duration(text: str, meter: Meter) -> timedelta:
    """Go's time.ParseDuration, e.g. "1h30m", "-1.5s", "300ms"; unlike a Rollout's pause (rollouts.api), expr's
    duration() takes no bare number of seconds. One home: rollouts.api.gotext."""
    if len(text) > _LONGEST:
        raise Fault(f'duration "{text[:50]}…" is longer than {_LONGEST} characters')
    meter.spend_characters(len(text))
    try:
        return gotext.parse_go_duration(text)
    except (ValueError, OverflowError) as error:
        raise Fault(str(error)[:200]) from None
