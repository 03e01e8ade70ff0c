"""Bitwise builtins on Go's 64-bit ints: ``bitand``, ``bitor``, ``bitxor``, ``bitnand``, ``bitnot`` and shifts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Fault
from ..values import is_int, wrap_int
from .registry import Context, Run, bad_argument, builtin

_UINT64 = 2**64


def _ints(function: str, args: list[Any]) -> list[int]:
    for arg in args:
        if not is_int(arg):
            raise bad_argument(function, arg)
    return [wrap_int(arg) for arg in args]


def _binary(function: str, rule: Callable[[int, int], int]) -> Run:
    def run(ctx: Context, args: list[Any]) -> int:
        left, right = _ints(function, args)
        return wrap_int(rule(left, right))

    return run


def _shift(function: str, rule: Callable[[int, int], int]) -> Run:
    def run(ctx: Context, args: list[Any]) -> int:
        value, count = _ints(function, args)
        if count < 0:
            raise Fault(f"{function}: negative shift amount {count}")
        return wrap_int(rule(value, min(count, 64)))  # Go shifts everything out past 63

    return run


builtin("bitand", 2, linear=False)(_binary("bitand", lambda a, b: a & b))
builtin("bitor", 2, linear=False)(_binary("bitor", lambda a, b: a | b))
builtin("bitxor", 2, linear=False)(_binary("bitxor", lambda a, b: a ^ b))
builtin("bitnand", 2, linear=False)(_binary("bitnand", lambda a, b: a & ~b))  # Go's &^, "and not"
builtin("bitshl", 2, linear=False)(_shift("bitshl", lambda a, n: a << n))
builtin("bitshr", 2, linear=False)(_shift("bitshr", lambda a, n: a >> n))  # keeps the sign
builtin("bitushr", 2, linear=False)(_shift("bitushr", lambda a, n: (a % _UINT64) >> n))  # as uint64


@builtin("bitnot", 1, linear=False)
def _bitnot(ctx: Context, args: list[Any]) -> int:
    (value,) = _ints("bitnot", args)
    return ~value
