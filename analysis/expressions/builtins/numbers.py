"""Builtins over numbers and types: rounding, Go's conversions, and Argo Rollouts' additions (``asInt``,
``asFloat``, ``isNaN``, ``isInf``, ``isNil``, ``default``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..errors import Fault
from ..formatting import format_float
from ..lexer import INT64_MAX, INT64_MIN
from ..regex import fixed_pattern
from ..values import as_float, is_int, is_number, kind, wrap_int
from .registry import Context, Run, bad_argument, builtin


@builtin("abs", 1, linear=False)
def _abs(ctx: Context, args: list[Any]) -> int | float:
    value = args[0]
    if is_int(value):
        return wrap_int(abs(value))
    if isinstance(value, float):
        return abs(value)
    raise bad_argument("abs", value)


def _rounding(function: str, rule: Callable[[float], float]) -> Run:
    def run(ctx: Context, args: list[Any]) -> float:
        value = args[0]
        if not is_number(value):
            raise bad_argument(function, value)
        number = as_float(value)
        return number if not math.isfinite(number) else float(rule(number))

    return run


def _round_half_away(number: float) -> float:
    """Go's math.Round (Python's round() rounds half to even)."""
    whole = math.trunc(number)
    if abs(number - whole) >= 0.5:
        whole += int(math.copysign(1, number))
    return math.copysign(whole, number)


builtin("ceil", 1, linear=False)(_rounding("ceil", math.ceil))
builtin("floor", 1, linear=False)(_rounding("floor", math.floor))
builtin("round", 1, linear=False)(_rounding("round", _round_half_away))


def _to_int(function: str) -> Run:
    """`int` and Argo's `asInt`: ints as they are, floats truncated, decimal strings parsed as Go parses them."""

    def convert(ctx: Context, args: list[Any]) -> int:
        value = args[0]
        if is_int(value):
            return int(value)
        if isinstance(value, float):
            return _float_to_int(function, value)
        if isinstance(value, str):
            return _parse_go_int(function, value)
        raise bad_argument(function, value)

    return convert


def _to_float(function: str) -> Run:
    """`float` and Argo's `asFloat`: numbers as floats, decimal strings (and Inf/NaN) parsed as Go parses them."""

    def convert(ctx: Context, args: list[Any]) -> float:
        value = args[0]
        if is_number(value):
            return as_float(value)
        if isinstance(value, str):
            return _parse_go_float(function, value)
        raise bad_argument(function, value)

    return convert


builtin("int", 1)(_to_int("int"))
builtin("float", 1)(_to_float("float"))
builtin("asInt", 1)(_to_int("asInt"))
builtin("asFloat", 1)(_to_float("asFloat"))

_GO_INT = fixed_pattern(r"[+-]?[0-9]{1,20}")
_GO_FLOAT = fixed_pattern(r"(?i)[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)")
_LONGEST_FLOAT_TEXT = 400  # no float needs more characters


def _parse_go_int(function: str, text: str) -> int:
    """strconv.Atoi: optional sign and decimal digits only (no spaces, no underscores)."""
    if not _GO_INT.fullmatch(text):
        raise Fault(f'{function}: cannot parse "{text[:50]}" as int')
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise Fault(f'{function}: "{text}" is out of range for int')
    return value


def _parse_go_float(function: str, text: str) -> float:
    """strconv.ParseFloat for decimal text, plus Inf/NaN spelled any case."""
    if len(text) > _LONGEST_FLOAT_TEXT or not _GO_FLOAT.fullmatch(text):
        raise Fault(f'{function}: cannot parse "{text[:50]}" as float')
    value = float(text)
    if math.isinf(value) and "inf" not in text.lower():
        raise Fault(f'{function}: "{text[:50]}" is out of range for float')
    return value


def _float_to_int(function: str, value: float) -> int:
    if not math.isfinite(value):
        raise Fault(f"{function}: cannot convert {format_float(value)} to int")
    return wrap_int(int(value))  # truncates toward zero, as Go does


@builtin("isNaN", 1, linear=False)
def _is_nan(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    if not is_number(value):
        raise bad_argument("isNaN", value)
    return isinstance(value, float) and math.isnan(value)


@builtin("isInf", 1, linear=False)
def _is_inf(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    if not is_number(value):
        raise bad_argument("isInf", value)
    return isinstance(value, float) and math.isinf(value)


@builtin("isNil", 1, linear=False)
def _is_nil(ctx: Context, args: list[Any]) -> bool:
    return args[0] is None


@builtin("default", 2, linear=False)
def _default(ctx: Context, args: list[Any]) -> Any:
    return args[1] if args[0] is None else args[0]


@builtin("type", 1, linear=False)
def _type(ctx: Context, args: list[Any]) -> str:
    # Go names its own types with their package, as reflect does.
    return _GO_TYPE_NAMES.get(kind(args[0]), kind(args[0]))


_GO_TYPE_NAMES = {"time": "time.Time", "duration": "time.Duration"}
