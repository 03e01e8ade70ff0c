"""Builtins between values and text: ``toJSON`` and ``fromJSON`` as Go's encoding/json writes and reads them, and
``toBase64`` / ``fromBase64`` (standard alphabet, padded)."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..cost import Meter
from ..errors import Fault
from ..formatting import format_float
from ..lexer import INT64_MAX, INT64_MIN
from ..values import as_float, is_array, is_int, kind
from .registry import Context, builtin, want_string

# Go's encoder escapes these even inside strings, so JSON can sit in HTML.
_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})

_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


@builtin("toJSON", 1)
def _to_json(ctx: Context, args: list[Any]) -> str:
    """json.MarshalIndent(value, "", "  "): maps with sorted keys, two spaces a level."""
    text = _encode(args[0], ctx.meter, 0)
    ctx.meter.check_string(len(text))
    return text


def _encode(value: Any, meter: Meter, depth: int) -> str:
    meter.check_depth(depth)
    if is_int(value) and not INT64_MIN <= value <= INT64_MAX:
        value = as_float(value)  # Go would hold it as a float64
    if value is None or isinstance(value, bool):
        return _JSON_CONSTANTS[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).translate(_GO_ESCAPES)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Fault(f"json: unsupported value: {format_float(value)}")
        return format_float(value, lowest=-6, highest=20).replace("e-0", "e-")
    if isinstance(value, timedelta):
        return str(value // timedelta(microseconds=1) * 1000)  # Go's Duration is nanoseconds
    if isinstance(value, datetime):
        return json.dumps(value.isoformat().replace("+00:00", "Z"))
    inner = "\n" + "  " * (depth + 1)
    if is_array(value):
        meter.spend_walk(len(value))
        items = [_encode(item, meter, depth + 1) for item in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * depth + "]" if items else "[]"
    if isinstance(value, Mapping):
        meter.spend_walk(len(value))
        if not all(isinstance(key, str) for key in value):
            raise Fault("json: unsupported type: a map whose keys are not all strings")
        fields = [f"{_encode(key, meter, depth + 1)}: {_encode(value[key], meter, depth + 1)}" for key in sorted(value)]
        return "{" + inner + ("," + inner).join(fields) + "\n" + "  " * depth + "}" if fields else "{}"
    raise Fault(f"json: unsupported type: {kind(value)}")


@builtin("fromJSON", 1)
def _from_json(ctx: Context, args: list[Any]) -> Any:
    """json.Unmarshal into any: numbers are float64, objects maps, null nil."""
    text = want_string("fromJSON", args[0])
    try:
        value = json.loads(text, parse_int=float, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise Fault("fromJSON: exceeded max depth") from None
    except ValueError as problem:
        raise Fault(f"fromJSON: {problem}") from None
    _measure(value, ctx.meter)
    return value


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"cannot unmarshal number {text[:50]} into Go value of type float64")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _measure(value: Any, meter: Meter) -> None:
    """Decoded data pays like any other: its depth, its arrays' lengths, every element."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        meter.check_depth(depth)
        if isinstance(item, list):
            meter.check_array(len(item))
            meter.spend_walk(len(item))
            pending.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, dict):
            meter.spend_walk(len(item))
            pending.extend((inner, depth + 1) for inner in item.values())


@builtin("toBase64", 1)
def _to_base64(ctx: Context, args: list[Any]) -> str:
    text = want_string("toBase64", args[0])
    ctx.meter.check_string(4 * ((len(text.encode()) + 2) // 3))
    return base64.b64encode(text.encode()).decode("ascii")


@builtin("fromBase64", 1)
def _from_base64(ctx: Context, args: list[Any]) -> str:
    text = want_string("fromBase64", args[0])
    try:
        return base64.b64decode(text.encode(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise Fault(f'fromBase64: illegal base64 data in "{text[:50]}"') from None
