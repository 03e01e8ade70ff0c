"""Builtins that reshape arrays and maps: ``concat``, ``flatten``, ``uniq``, ``toPairs``, ``fromPairs``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Fault
from ..values import equal, is_array, kind, leaves, map_key
from .registry import Context, builtin, want_array


@builtin("concat", 1, None)
def _concat(ctx: Context, args: list[Any]) -> list[Any]:
    arrays = [want_array("concat", arg) for arg in args]
    ctx.meter.check_array(sum(map(len, arrays)))
    return [item for array in arrays for item in array]


@builtin("flatten", 1)
def _flatten(ctx: Context, args: list[Any]) -> list[Any]:
    return leaves(want_array("flatten", args[0]), ctx.meter)


@builtin("uniq", 1)
def _uniq(ctx: Context, args: list[Any]) -> list[Any]:
    """The first of each group of equal elements, in order (expr compares with ==, so 1 and 1.0 are one)."""
    kept: list[Any] = []
    for item in want_array("uniq", args[0]):
        ctx.meter.spend_walk(len(kept))
        if not any(equal(item, seen, ctx.meter) for seen in kept):
            kept.append(item)
    return kept


@builtin("toPairs", 1)
def _to_pairs(ctx: Context, args: list[Any]) -> list[list[Any]]:
    if not isinstance(args[0], Mapping):
        raise Fault(f"cannot transform {kind(args[0])} to pairs")
    return [[key, value] for key, value in args[0].items()]


@builtin("fromPairs", 1)
def _from_pairs(ctx: Context, args: list[Any]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for pair in want_array("fromPairs", args[0]):
        if not is_array(pair) or len(pair) != 2:
            raise Fault(f"invalid pair: expected an array of 2 elements, got {kind(pair)}")
        key, value = pair
        result[map_key(key)] = value
    return result
