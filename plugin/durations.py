"""Durations as the plugin reads and writes them. Pure: no I/O, no clock.

* `parse` reads Go-style durations typed on the command line (`30s`, `1m30s`, `1.5h`, `250ms`; a bare number is
  seconds), for `restart --in` and `status --timeout`.
* `human` writes an age the way kubectl does (Kubernetes' HumanDuration): exact seconds below two minutes, then
  coarser units as the duration grows (`45s`, `5m10s`, `3h5m`, `2d21h`, `7d`, `1y20d`).
"""

from __future__ import annotations

import re

_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse(text: str) -> float:
    """Seconds in a duration like `1h30m`, `45s`, `0.5s` or `90` (plain seconds). Raises ValueError otherwise.

    >>> parse("1m30s"), parse("250ms"), parse("90"), parse("-2s")
    (90.0, 0.25, 90.0, -2.0)
    """
    raw = text.strip()
    sign = -1.0 if raw.startswith("-") else 1.0
    body = raw.lstrip("+-")
    if re.fullmatch(r"\d+(\.\d+)?", body):
        return sign * float(body)
    total, position = 0.0, 0
    for match in _PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise ValueError(f"invalid duration {text!r}: expected e.g. 30s, 5m, 1h30m")
    return sign * total


def human(seconds: float) -> str:
    """kubectl's AGE format for a duration in seconds.

    >>> [human(s) for s in (-5, -0.5, 7, 119, 120, 310, 600, 11_100, 28_800, 248_400, 604_800, 36_000_000, 70_000_000)]
    ['<invalid>', '0s', '7s', '119s', '2m', '5m10s', '10m', '3h5m', '8h', '2d21h', '7d', '416d', '2y80d']
    """
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"
