"""Values as expr-lang's Go runtime sees them: type names, int64 wrap-around, equality, indexing and slicing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .cost import Meter
from .errors import Fault
from .lexer import INT64_MIN

_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "string"),
    ((list, tuple), "array"),
    (Mapping, "map"),
    (datetime, "time"),
    (timedelta, "duration"),
)


def kind(value: Any) -> str:
    """The expr-style type name used in messages and by ``type()``."""
    if value is None:
        return "nil"
    for types, name in _KINDS:
        if isinstance(value, types):
            return name
    return type(value).__name__


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_array(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def size(value: Any) -> int:
    """Elements or characters a native operation over ``value`` walks."""
    return len(value) if isinstance(value, (str, list, tuple, Mapping)) else 0


def wrap_int(value: int) -> int:
    """Go ints are 64 bits and wrap; this also keeps Python from growing huge integers."""
    return (value - INT64_MIN) % 2**64 + INT64_MIN


def as_float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int from the input beyond float range
        return math.inf if value > 0 else -math.inf


def to_index(value: Any) -> int:
    if is_int(value):
        return int(value)
    if isinstance(value, float) and math.isfinite(value):
        return int(value)  # Go truncates float indexes
    raise Fault(f"cannot use {kind(value)} as an index")


def equal(left: Any, right: Any, meter: Meter, depth: int = 0) -> bool:
    """expr's ``==``: numbers by value (int or float), arrays and maps deeply, nil only equal to nil."""
    meter.check_depth(depth)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)  # exact for int vs float; NaN is never equal
    if is_array(left) and is_array(right):
        meter.spend_walk(len(left))
        return len(left) == len(right) and all(equal(a, b, meter, depth + 1) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        meter.spend_walk(len(left))
        return left.keys() == right.keys() and all(equal(left[key], right[key], meter, depth + 1) for key in left)
    if isinstance(left, str) and isinstance(right, str):
        meter.spend_characters(min(len(left), len(right)))
        return left == right
    return type(left) is type(right) and bool(left == right)


def leaves(items: list[Any] | tuple[Any, ...], meter: Meter) -> list[Any]:
    """Every non-array element of ``items``, nested arrays opened at any depth, in order (expr's flatten)."""
    found: list[Any] = []
    pending = [(item, 1) for item in reversed(items)]
    while pending:
        item, depth = pending.pop()
        if is_array(item):
            meter.check_depth(depth)
            meter.spend_walk(len(item))
            pending.extend((inner, depth + 1) for inner in reversed(item))
        else:
            found.append(item)
    return found


def map_key(key: Any, offset: int | None = None) -> Any:
    """``key`` if it can index a map (nil, a bool, a number or a string), else the error saying why not."""
    if not (key is None or isinstance(key, (str, int, float))):
        raise Fault(f"cannot use {kind(key)} as a map key", offset)
    return key


def fetch(target: Any, key: Any) -> Any:
    """``target[key]`` / ``target.key`` with Go map and slice semantics."""
    if isinstance(target, Mapping):
        try:
            return target.get(key)  # a missing key reads as nil, like a Go map
        except TypeError:
            raise Fault(f"cannot use {kind(key)} as a map key") from None
    if is_array(target) or isinstance(target, str):
        if isinstance(key, str):
            raise Fault(f"cannot fetch {key} from {kind(target)}")
        index = to_index(key)
        position = index + len(target) if index < 0 else index
        if not 0 <= position < len(target):
            raise Fault(f"index out of range: {position} (array length is {len(target)})")
        return target[position]
    shown = str(key) if isinstance(key, str) or is_number(key) else kind(key)
    raise Fault(f"cannot fetch {shown} from {kind(target)}")


def fetch_or_nil(target: Any, key: Any) -> Any:
    """expr's first/last/get swallow lookup failures and answer nil."""
    try:
        return fetch(target, key)
    except Fault:
        return None


def go_slice(target: Any, start: int | None, stop: int | None) -> Any:
    """Go-expr slicing: negative bounds count from the end, then everything clamps."""
    length = len(target)
    low = 0 if start is None else start + length if start < 0 else start
    high = length if stop is None else stop + length if stop < 0 else stop
    high = min(max(high, 0), length)
    low = min(max(low, 0), high)
    sliced = target[low:high]
    return list(sliced) if isinstance(sliced, tuple) else sliced
