"""Text the way Go writes and reads it: RFC 3339 times, durations and floats, for wire compatibility with Kubernetes
and Argo Rollouts. The one home of these rules; pure.

- Times: `format_time` is metav1.Time (UTC, whole seconds, `Z`), `format_micro_time` metav1.MicroTime (Leases);
  `parse_time` reads RFC 3339 as Go's `time.Parse(time.RFC3339, s)` does and raises ValueError,
  `parse_time_or_none` is the lenient reader for timestamps other writers left in objects.
- Durations: `parse_go_duration` is Go's `time.ParseDuration`; `parse_duration` is Argo's int-or-string duration
  (a pause's `30` or `"30"` are seconds, anything else a Go duration); `format_duration` is `Duration.String()`.
- Floats: `format_float` is `strconv.FormatFloat(f, 'f', -1, 64)` (Prometheus values, Argo measurement values);
  `format_float_v` is `fmt.Sprint(f)` (`%v`, what Argo's expressions print).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

__all__ = [
    "format_duration",
    "format_duration_ns",
    "format_float",
    "format_float_v",
    "format_micro_time",
    "format_time",
    "go_duration_ns",
    "parse_duration",
    "parse_go_duration",
    "parse_time",
    "parse_time_or_none",
]

_QUOTED_MAX = 50
"""Longest input echoed back in an error message (messages end up in object status)."""


def _quote(text: str) -> str:
    """Go's quoting in time errors: double quotes, bytes outside printable ASCII as \\xNN; long input cut short."""
    cut = text[:_QUOTED_MAX]
    body = "".join(
        ch if " " <= ch <= "~" and ch not in '"\\' else "".join(f"\\x{b:02x}" for b in ch.encode()) for ch in cut
    )
    return f'"{body}{"..." if len(text) > _QUOTED_MAX else ""}"'


# --- RFC 3339 times -------------------------------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:[.,](?P<fraction>[0-9]+))?(?:Z|(?P<sign>[+-])(?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2}))",
    re.ASCII,
)


def format_time(moment: datetime) -> str:
    """metav1.Time's form: UTC, whole seconds (truncated), `Z`. Raises ValueError for a naive datetime."""
    if moment.tzinfo is None:
        raise ValueError("format_time needs an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def format_micro_time(moment: datetime) -> str:
    """metav1.MicroTime's form (Lease renew times): UTC, six fraction digits, `Z`."""
    if moment.tzinfo is None:
        raise ValueError("format_micro_time needs an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime, read like Go's `time.Parse(time.RFC3339, text)`: upper-case `T` and
    `Z` or a `±hh:mm` offset, optional fraction (cut to microseconds). Raises ValueError otherwise."""
    match = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid RFC 3339 time {_quote(str(text))}: want e.g. 2024-05-01T10:00:00Z")
    zone = UTC
    if match["sign"]:
        offset = timedelta(hours=int(match["zone_hour"]), minutes=int(match["zone_minute"]))
        if int(match["zone_hour"]) > 23 or int(match["zone_minute"]) > 59:
            raise ValueError(f"invalid RFC 3339 time {_quote(text)}: time zone offset out of range")
        zone = timezone(-offset if match["sign"] == "-" else offset)
    micros = int((match["fraction"] or "0")[:6].ljust(6, "0"))
    try:
        day = datetime.strptime(match["date"], "%Y-%m-%d")
        return day.replace(
            hour=int(match["hour"]),
            minute=int(match["minute"]),
            second=int(match["second"]),
            microsecond=micros,
            tzinfo=zone,
        )
    except ValueError:
        raise ValueError(f"invalid RFC 3339 time {_quote(text)}: a field is out of range") from None


def parse_time_or_none(text: object) -> datetime | None:
    """`parse_time` for timestamps read back from objects: None when absent or not RFC 3339, never raises."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


# --- durations ------------------------------------------------------------------------------------------------------

_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_NS = 1 << 63  # Go's Duration is an int64 of nanoseconds
_PART = re.compile(r"(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?(?P<unit>[^0-9.]*)")
_SECONDS = re.compile(r"[+-]?[0-9]+", re.ASCII)


def go_duration_ns(text: str) -> int:
    """Go's `time.ParseDuration` in nanoseconds, with its rounding and int64 range: "1h30m", "-1.5s", "300ms",
    "0". Raises ValueError with Go's message (`unknown unit "d" in duration "1d"`)."""
    invalid = ValueError(f"invalid duration {_quote(text)}")
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return 0
    if not body:
        raise invalid
    total = 0
    position = 0
    while position < len(body):
        part = _PART.match(body, position)
        assert part is not None  # every group may be empty
        whole, fraction, unit = part["whole"], part["fraction"], part["unit"]
        if not whole and not fraction:
            raise invalid
        if not unit:
            raise ValueError(f"missing unit in duration {_quote(text)}")
        if unit not in _NANOSECONDS:
            raise ValueError(f"unknown unit {_quote(unit)} in duration {_quote(text)}")
        if len(whole.lstrip("0")) > 19:  # more than an int64 holds (and short of int()'s digit limit)
            raise invalid
        total += _part_ns(int(whole or "0"), fraction or "", _NANOSECONDS[unit], invalid)
        if total > _MAX_NS:
            raise invalid
        position = part.end()
    if text.startswith("-"):
        return -total
    if total >= _MAX_NS:
        raise invalid
    return total


def _part_ns(whole: int, fraction: str, unit: int, invalid: ValueError) -> int:
    """One `<number><unit>` in nanoseconds. Like Go, the fraction goes through float64 and keeps at most the digits
    that fit an int64."""
    if whole > _MAX_NS // unit:
        raise invalid
    digits, scale = 0, 1
    for ch in fraction:
        if digits > (_MAX_NS - 1) // 10 or digits * 10 + int(ch) > _MAX_NS:
            break
        digits, scale = digits * 10 + int(ch), scale * 10
    return whole * unit + (int(float(digits) * (float(unit) / scale)) if digits else 0)


def parse_go_duration(text: str) -> timedelta:
    """Go's `time.ParseDuration` as a timedelta (nanoseconds cut to microseconds, toward zero). Raises ValueError."""
    nanoseconds = go_duration_ns(text)
    micros = abs(nanoseconds) // 1000
    return timedelta(microseconds=-micros if nanoseconds < 0 else micros)


def parse_duration(value: int | str) -> float:
    """Seconds in one of Argo's int-or-string durations (a pause's duration): an int or a string of digits is
    seconds (30, "30"); any other string is a Go duration ("30s", "1h30m", "250ms"). Raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid duration {value!r}: want seconds or a duration like 30s")
    if isinstance(value, int):
        return float(value)
    if _SECONDS.fullmatch(value):
        return float(int(value))
    return go_duration_ns(value) / 1e9


def format_duration_ns(nanoseconds: int) -> str:
    """Go's `Duration.String()`: "1h30m0s", "1.5s", "500ms", "1.1µs", "0s"."""
    if nanoseconds == 0:
        return "0s"
    sign, amount = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    if amount < 1_000_000_000:
        unit, name = next((u, n) for u, n in ((1, "ns"), (1_000, "\u00b5s"), (1_000_000, "ms")) if amount < u * 1000)
        return f"{sign}{_decimal(amount, unit)}{name}"
    hours, rest = divmod(amount, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _decimal(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    return f"{sign}{minutes}m{seconds}" if minutes else sign + seconds


def format_duration(value: timedelta) -> str:
    """Go's `Duration.String()` of a timedelta."""
    return format_duration_ns(value // timedelta(microseconds=1) * 1000)


def _decimal(amount: int, unit: int) -> str:
    """amount / unit with the fraction's trailing zeros dropped: (1100, 1000) -> "1.1"."""
    whole, part = divmod(amount, unit)
    if not part:
        return str(whole)
    return f"{whole}.{str(part).zfill(len(str(unit)) - 1).rstrip('0')}"


# --- floats ---------------------------------------------------------------------------------------------------------


def _shortest(number: float) -> tuple[str, str, int]:
    """(sign, digits, point) of the shortest decimal that reads back as `number`, with `point` digits before the
    decimal point: 0.25 -> ("", "25", 0), 100.0 -> ("", "1", 3), -0.0 -> ("-", "0", 1)."""
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    shortest = Decimal(repr(abs(number))).as_tuple()  # repr is the shortest round-trip form, as in Go
    assert isinstance(shortest.exponent, int)
    digits = "".join(map(str, shortest.digits))
    point = len(digits) + shortest.exponent
    digits = digits.rstrip("0")
    return (sign, digits, point) if digits else (sign, "0", 1)


def _special(number: float) -> str | None:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return None


def format_float(number: float) -> str:
    """`strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits that read back, never an exponent. 100.0 -> "100",
    1e21 -> "1000000000000000000000", 1e-7 -> "0.0000001", -0.0 -> "-0", NaN -> "NaN", inf -> "+Inf"."""
    special = _special(number)
    if special is not None:
        return special
    sign, digits, point = _shortest(number)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def format_float_v(number: float) -> str:
    """`fmt.Sprint(f)` (`%v`, the shortest `%g`): an exponent when the decimal exponent is below -4 or at least 6,
    so 123456.0 -> "123456", 1234567.0 -> "1.234567e+06", 0.0001 -> "0.0001", 1e-05 -> "1e-05"."""
    return format_float_shortest(number, lowest=-4, highest=5)


def format_float_shortest(number: float, *, lowest: int, highest: int) -> str:
    """Shortest digits that read back, with an exponent when the decimal exponent is below `lowest` or above
    `highest` (`%v` is -4..5; encoding/json is -7..20 and then trims "e-07" to "e-7")."""
    special = _special(number)
    if special is not None:
        return special
    sign, digits, point = _shortest(number)
    exponent = point - 1
    if lowest <= exponent <= highest:
        return format_float(number)
    tail = f".{digits[1:]}" if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{tail}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
