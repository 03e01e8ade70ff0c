"""Builtins between strings and base64: ``toBase64`` and ``fromBase64`` (standard alphabet, padded, as Go's)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..errors import Fault
from .registry import Context, builtin, want_string


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
