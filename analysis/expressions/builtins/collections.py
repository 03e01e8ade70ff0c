"""Builtins over arrays and maps: closures (``all``, ``filter``, ``reduce``...), aggregates and element access."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..ast import Node
from ..errors import Fault
from ..operators import add
from ..values import as_float, fetch_or_nil, is_number, kind, leaves, map_key
from .registry import Context, bad_argument, builtin, want_array, want_int, want_string

# ---- closures: all(xs, {# > 0}), filter(xs, .ok), ...


def _verdicts(ctx: Context, function: str, collection: Any, predicate: Node) -> Iterator[tuple[int, Any, bool]]:
    for index, item in enumerate(want_array(function, collection)):
        yield index, item, _verdict(ctx, function, predicate, item, index)


def _verdict(ctx: Context, function: str, predicate: Node, item: Any, index: int) -> bool:
    verdict = ctx.apply(predicate, item, index)
    if not isinstance(verdict, bool):
        raise Fault(f"predicate of {function} must return bool, got {kind(verdict)}", predicate.offset)
    return verdict


@builtin("all", 2, predicate_at=1)
def _all(ctx: Context, args: list[Any]) -> bool:
    return all(verdict for _, _, verdict in _verdicts(ctx, "all", args[0], args[1]))


@builtin("any", 2, predicate_at=1)
def _any(ctx: Context, args: list[Any]) -> bool:
    return any(verdict for _, _, verdict in _verdicts(ctx, "any", args[0], args[1]))


@builtin("none", 2, predicate_at=1)
def _none(ctx: Context, args: list[Any]) -> bool:
    return not any(verdict for _, _, verdict in _verdicts(ctx, "none", args[0], args[1]))


@builtin("one", 2, predicate_at=1)
def _one(ctx: Context, args: list[Any]) -> bool:
    matches = 0
    for _, _, verdict in _verdicts(ctx, "one", args[0], args[1]):
        matches += verdict
        if matches > 1:
            return False
    return matches == 1


@builtin("filter", 2, predicate_at=1)
def _filter(ctx: Context, args: list[Any]) -> list[Any]:
    return [item for _, item, verdict in _verdicts(ctx, "filter", args[0], args[1]) if verdict]


@builtin("map", 2, predicate_at=1)
def _map(ctx: Context, args: list[Any]) -> list[Any]:
    items = want_array("map", args[0])
    return [ctx.apply(args[1], item, index) for index, item in enumerate(items)]


@builtin("count", 1, 2, predicate_at=1)
def _count(ctx: Context, args: list[Any]) -> int:
    if len(args) == 2:
        return sum(verdict for _, _, verdict in _verdicts(ctx, "count", args[0], args[1]))
    items = want_array("count", args[0])
    for item in items:
        if not isinstance(item, bool):
            raise Fault(f"count without a predicate expects bools, got {kind(item)}")
    return sum(items)


@builtin("find", 2, predicate_at=1)
def _find(ctx: Context, args: list[Any]) -> Any:
    return next((item for _, item, hit in _verdicts(ctx, "find", args[0], args[1]) if hit), None)


@builtin("findIndex", 2, predicate_at=1)
def _find_index(ctx: Context, args: list[Any]) -> int:
    return next((i for i, _, hit in _verdicts(ctx, "findIndex", args[0], args[1]) if hit), -1)


@builtin("findLast", 2, predicate_at=1)
def _find_last(ctx: Context, args: list[Any]) -> Any:
    hit = _last_hit(ctx, "findLast", args)
    return None if hit is None else args[0][hit]


@builtin("findLastIndex", 2, predicate_at=1)
def _find_last_index(ctx: Context, args: list[Any]) -> int:
    hit = _last_hit(ctx, "findLastIndex", args)
    return -1 if hit is None else hit


def _last_hit(ctx: Context, function: str, args: list[Any]) -> int | None:
    items = want_array(function, args[0])
    for index in range(len(items) - 1, -1, -1):
        if _verdict(ctx, function, args[1], items[index], index):
            return index
    return None


@builtin("reduce", 2, 3, predicate_at=1)
def _reduce(ctx: Context, args: list[Any]) -> Any:
    items = want_array("reduce", args[0])
    if len(args) == 3:
        accumulator, start = args[2], 0
    elif items:
        accumulator, start = items[0], 1
    else:
        raise Fault("reduce of empty array with no initial value")
    for index in range(start, len(items)):
        accumulator = ctx.apply(args[1], items[index], index, accumulator)
    return accumulator


@builtin("sum", 1, 2, predicate_at=1)
def _sum(ctx: Context, args: list[Any]) -> int | float:
    items = want_array("sum", args[0])
    if len(args) == 2:
        items = [ctx.apply(args[1], item, index) for index, item in enumerate(items)]
    total: int | float = 0
    for item in items:
        if not is_number(item):
            raise bad_argument("sum", item)
        total = add(total, item, ctx.meter)
    return total


# ---- aggregates over numbers: mean(xs), max(a, b), max(xs)


def _numbers(ctx: Context, function: str, args: list[Any]) -> list[int | float]:
    """Numbers among the arguments, arrays flattened at any depth, as expr does."""
    found = leaves(args, ctx.meter)
    for item in found:
        if not is_number(item):
            raise bad_argument(function, item)
    return found


@builtin("max", 1, None)
def _max(ctx: Context, args: list[Any]) -> Any:
    return _extreme(_numbers(ctx, "max", args), lambda best, item: item > best)


@builtin("min", 1, None)
def _min(ctx: Context, args: list[Any]) -> Any:
    return _extreme(_numbers(ctx, "min", args), lambda best, item: item < best)


def _extreme(numbers: list[int | float], better: Callable[[Any, Any], bool]) -> Any:
    best = None
    for item in numbers:
        if best is None or better(best, item):
            best = item
    return best  # nil when there was nothing to compare


@builtin("mean", 1, None)
def _mean(ctx: Context, args: list[Any]) -> float:
    numbers = _numbers(ctx, "mean", args)
    return math.fsum(as_float(n) for n in numbers) / len(numbers) if numbers else 0.0


@builtin("median", 1, None)
def _median(ctx: Context, args: list[Any]) -> float:
    numbers = sorted(as_float(n) for n in _numbers(ctx, "median", args))
    if not numbers:
        return 0.0
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


# ---- element access and reshaping


@builtin("len", 1, linear=False)
def _len(ctx: Context, args: list[Any]) -> int:
    value = args[0]
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    raise bad_argument("len", value)


@builtin("first", 1, linear=False)
def _first(ctx: Context, args: list[Any]) -> Any:
    return fetch_or_nil(args[0], 0)


@builtin("last", 1, linear=False)
def _last(ctx: Context, args: list[Any]) -> Any:
    return fetch_or_nil(args[0], -1)


@builtin("get", 2, linear=False)
def _get(ctx: Context, args: list[Any]) -> Any:
    return fetch_or_nil(args[0], args[1])


@builtin("take", 2)
def _take(ctx: Context, args: list[Any]) -> list[Any]:
    items = want_array("take", args[0])
    count = want_int("take", args[1])
    return list(items[: max(count, 0)])


@builtin("reverse", 1)
def _reverse(ctx: Context, args: list[Any]) -> list[Any]:
    return list(reversed(want_array("reverse", args[0])))


@builtin("sort", 1, 2)
def _sort(ctx: Context, args: list[Any]) -> list[Any]:
    items = want_array("sort", args[0])
    order = _sort_order("sort", args[1:])
    _sortable(ctx, "sort", items)
    return sorted(items, reverse=order == "desc")


@builtin("sortBy", 2, 3, predicate_at=1)
def _sort_by(ctx: Context, args: list[Any]) -> list[Any]:
    items = want_array("sortBy", args[0])
    order = _sort_order("sortBy", args[2:])
    keys = [ctx.apply(args[1], item, index) for index, item in enumerate(items)]
    _sortable(ctx, "sortBy", keys)
    ranked = sorted(range(len(items)), key=keys.__getitem__, reverse=order == "desc")
    return [items[index] for index in ranked]


def _sort_order(function: str, rest: list[Any]) -> str:
    order = want_string(function, rest[0]) if rest else "asc"
    if order not in ("asc", "desc"):
        raise Fault(f'{function} order must be "asc" or "desc", got "{order[:20]}"')
    return order


def _sortable(ctx: Context, function: str, keys: list[Any] | tuple[Any, ...]) -> None:
    if not (all(is_number(key) for key in keys) or all(isinstance(key, str) for key in keys)):
        raise Fault(f"{function} expects an array of numbers or of strings")
    ctx.meter.spend_elements(len(keys) * max(len(keys).bit_length(), 1))  # n log n comparisons


@builtin("groupBy", 2, predicate_at=1)
def _group_by(ctx: Context, args: list[Any]) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for index, item in enumerate(want_array("groupBy", args[0])):
        key = map_key(ctx.apply(args[1], item, index), args[1].offset)
        groups.setdefault(key, []).append(item)
    return groups


@builtin("keys", 1)
def _keys(ctx: Context, args: list[Any]) -> list[Any]:
    if not isinstance(args[0], Mapping):
        raise bad_argument("keys", args[0])
    return list(args[0].keys())


@builtin("values", 1)
def _values(ctx: Context, args: list[Any]) -> list[Any]:
    if not isinstance(args[0], Mapping):
        raise bad_argument("values", args[0])
    return list(args[0].values())
