"""Binary operators with expr-lang's Go semantics: int64 wrap-around, float ``/``, Go ``%`` and ``**``, time maths."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .cost import Meter
from .errors import Fault
from .regex import compile_pattern
from .values import as_float, equal, is_array, is_int, is_number, kind, wrap_int


def compare(op: str, left: Any, right: Any, meter: Meter) -> bool:
    comparable = (
        (is_number(left) and is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, timedelta) and isinstance(right, timedelta))
        or (isinstance(left, datetime) and isinstance(right, datetime))
    )
    if not comparable:
        raise Fault(f"cannot compare {kind(left)} with {kind(right)}")
    if isinstance(left, str):
        meter.spend_characters(min(len(left), len(right)))
    try:
        if op == "<":
            return bool(left < right)
        if op == ">":
            return bool(left > right)
        if op == "<=":
            return bool(left <= right)
        return bool(left >= right)
    except TypeError:  # naive vs aware datetimes
        raise Fault(f"cannot compare {kind(left)} with {kind(right)}") from None


def add(left: Any, right: Any, meter: Meter) -> Any:
    if is_int(left) and is_int(right):
        return wrap_int(left + right)
    if is_number(left) and is_number(right):
        return as_float(left) + as_float(right)
    if isinstance(left, str) and isinstance(right, str):
        meter.check_string(len(left) + len(right))
        meter.spend_characters(len(left) + len(right))
        return left + right
    if _adds_time(left, right):
        return _time_arithmetic(lambda: left + right)
    raise cannot_apply("+", left, right)


def subtract(left: Any, right: Any, meter: Meter) -> Any:
    if is_int(left) and is_int(right):
        return wrap_int(left - right)
    if is_number(left) and is_number(right):
        return as_float(left) - as_float(right)
    if _subtracts_time(left, right):
        return _time_arithmetic(lambda: left - right)
    raise cannot_apply("-", left, right)


def multiply(left: Any, right: Any, meter: Meter) -> Any:
    if is_int(left) and is_int(right):
        return wrap_int(left * right)
    if is_number(left) and is_number(right):
        return as_float(left) * as_float(right)
    if isinstance(left, timedelta) and is_number(right):
        return _scale(left, right)
    if isinstance(right, timedelta) and is_number(left):
        return _scale(right, left)
    raise cannot_apply("*", left, right)


def _scale(duration: timedelta, factor: int | float) -> timedelta | float:
    """Go multiplies a Duration by an int into a Duration, but by a float into a float of nanoseconds."""
    if is_int(factor):
        return _time_arithmetic(lambda: duration * factor)  # type: ignore[no-any-return]  # a timedelta
    return float(duration // timedelta(microseconds=1) * 1000) * factor


def divide(left: Any, right: Any, meter: Meter) -> float:
    """expr's ``/`` always divides as floats, so x/0 is +-Inf (or NaN), never an error."""
    if not (is_number(left) and is_number(right)):
        raise cannot_apply("/", left, right)
    dividend, divisor = as_float(left), as_float(right)
    if divisor == 0:
        if dividend == 0 or math.isnan(dividend):
            return math.nan
        return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)
    return dividend / divisor


def modulo(left: Any, right: Any, meter: Meter) -> int:
    if not (is_int(left) and is_int(right)):
        raise cannot_apply("%", left, right)
    if right == 0:
        raise Fault("integer divide by zero")
    remainder = abs(left) % abs(right)  # Go's remainder takes the dividend's sign
    return wrap_int(-remainder if left < 0 else remainder)


def power(left: Any, right: Any, meter: Meter) -> float:
    """Go's math.Pow: always a float; overflow gives Inf, domain errors NaN."""
    if not (is_number(left) and is_number(right)):
        raise cannot_apply("**", left, right)
    base, exponent = as_float(left), as_float(right)
    odd_integer = exponent.is_integer() and exponent % 2 == 1
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return -math.inf if base < 0 and odd_integer else math.inf
    except ValueError:
        if base == 0:  # zero to a negative power
            return math.copysign(math.inf, base) if odd_integer else math.inf
        return math.nan


def make_range(left: Any, right: Any, meter: Meter) -> list[int]:
    if not (is_int(left) and is_int(right)):
        raise cannot_apply("..", left, right)
    meter.check_array(max(right - left + 1, 0), f"range {left}..{right}")
    meter.spend_elements(max(right - left + 1, 0))
    return list(range(left, right + 1))


def member_of(needle: Any, haystack: Any, meter: Meter) -> bool:
    if haystack is None:
        return False
    if is_array(haystack):
        meter.spend_walk(len(haystack))
        return any(equal(item, needle, meter) for item in haystack)
    if isinstance(haystack, Mapping):
        try:
            return needle in haystack
        except TypeError:  # unhashable needle such as an array
            return False
    raise Fault(f'operator "in" not defined on {kind(haystack)}')


def string_operator(op: str, left: Any, right: Any, meter: Meter) -> bool:
    if left is None or right is None:  # expr answers false for nil rather than failing
        return False
    if not (isinstance(left, str) and isinstance(right, str)):
        raise cannot_apply(op, left, right)
    if op == "matches":
        pattern = compile_pattern(right)
        if isinstance(pattern, str):
            raise Fault(pattern)
        meter.spend_matching(len(left), pattern.program_size)
        return pattern.search(left)
    meter.spend_characters(len(left))
    if op == "contains":
        return right in left
    if op == "startsWith":
        return left.startswith(right)
    return left.endswith(right)


def _adds_time(left: Any, right: Any) -> bool:
    """time + duration, duration + time or duration + duration."""
    if isinstance(left, timedelta):
        return isinstance(right, (datetime, timedelta))
    return isinstance(left, datetime) and isinstance(right, timedelta)


def _subtracts_time(left: Any, right: Any) -> bool:
    """time - duration, time - time or duration - duration."""
    if isinstance(left, datetime):
        return isinstance(right, (datetime, timedelta))
    return isinstance(left, timedelta) and isinstance(right, timedelta)


def _time_arithmetic(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except (OverflowError, TypeError):
        raise Fault("time value out of range") from None


def cannot_apply(op: str, left: Any, right: Any) -> Fault:
    return Fault(f"cannot apply {op} to {kind(left)} and {kind(right)}")


ARITHMETIC: dict[str, Callable[[Any, Any, Meter], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "%": modulo,
    "**": power,
    "..": make_range,
}
