"""Builtins over strings; every one that can grow a string checks the string budget before building it."""

from __future__ import annotations

from typing import Any

from ..errors import Fault
from ..formatting import format_value
from .registry import Context, builtin, want_array, want_int, want_string


@builtin("string", 1)
def _string(ctx: Context, args: list[Any]) -> str:
    text = format_value(args[0], ctx.meter)
    ctx.meter.check_string(len(text))
    return text


@builtin("trim", 1, 2)
def _trim(ctx: Context, args: list[Any]) -> str:
    text = want_string("trim", args[0])
    if len(args) == 1:
        return text.strip()
    cutset = want_string("trim", args[1])
    ctx.meter.spend_characters(len(text) * len(cutset))  # each character may be looked up in the whole cutset
    return text.strip(cutset)


@builtin("trimPrefix", 1, 2)
def _trim_prefix(ctx: Context, args: list[Any]) -> str:
    prefix = " " if len(args) == 1 else want_string("trimPrefix", args[1])
    return want_string("trimPrefix", args[0]).removeprefix(prefix)


@builtin("trimSuffix", 1, 2)
def _trim_suffix(ctx: Context, args: list[Any]) -> str:
    suffix = " " if len(args) == 1 else want_string("trimSuffix", args[1])
    return want_string("trimSuffix", args[0]).removesuffix(suffix)


@builtin("upper", 1)
def _upper(ctx: Context, args: list[Any]) -> str:
    text = want_string("upper", args[0]).upper()
    ctx.meter.check_string(len(text))  # a few characters grow when upper-cased
    return text


@builtin("lower", 1)
def _lower(ctx: Context, args: list[Any]) -> str:
    text = want_string("lower", args[0]).lower()
    ctx.meter.check_string(len(text))  # "İ" lower-cases to two characters
    return text


@builtin("split", 2, 3)
def _split(ctx: Context, args: list[Any]) -> list[str]:
    return _pieces(ctx, "split", args, keep_separator=False)


@builtin("splitAfter", 2, 3)
def _split_after(ctx: Context, args: list[Any]) -> list[str]:
    return _pieces(ctx, "splitAfter", args, keep_separator=True)


def _pieces(ctx: Context, function: str, args: list[Any], keep_separator: bool) -> list[str]:
    """Go's strings.SplitN / SplitAfterN: at most ``limit`` pieces (all when negative, none when zero)."""
    text = want_string(function, args[0])
    separator = want_string(function, args[1])
    limit = -1 if len(args) == 2 else want_int(function, args[2])
    if limit == 0:
        return []
    count = len(text) if separator == "" else text.count(separator) + 1
    ctx.meter.check_array(count if limit < 0 else min(count, limit))
    if separator == "":  # Go splits into characters
        pieces = list(text)
        if 0 < limit < len(pieces):
            pieces = pieces[: limit - 1] + ["".join(pieces[limit - 1 :])]
        return pieces
    pieces = text.split(separator, limit - 1 if limit > 0 else -1)
    if keep_separator:
        pieces = [piece + separator for piece in pieces[:-1]] + pieces[-1:]
    return pieces


@builtin("replace", 3, 4)
def _replace(ctx: Context, args: list[Any]) -> str:
    text, old, new = (want_string("replace", arg) for arg in args[:3])
    limit = -1 if len(args) == 3 else want_int("replace", args[3])
    occurrences = len(text) + 1 if old == "" else text.count(old)
    if limit >= 0:
        occurrences = min(occurrences, limit)
    ctx.meter.check_string(len(text) + occurrences * (len(new) - len(old)))
    ctx.meter.spend_characters(occurrences * len(new))
    return text.replace(old, new, limit)


@builtin("repeat", 2)
def _repeat(ctx: Context, args: list[Any]) -> str:
    text = want_string("repeat", args[0])
    times = want_int("repeat", args[1])
    if times < 0:
        raise Fault(f"invalid argument for repeat (expected a non-negative count, got {times})")
    ctx.meter.check_string(len(text) * times)
    ctx.meter.spend_characters(len(text) * times)
    return text * times


@builtin("join", 1, 2)
def _join(ctx: Context, args: list[Any]) -> str:
    items = want_array("join", args[0])
    glue = "" if len(args) == 1 else want_string("join", args[1])
    for item in items:
        want_string("join", item)
    length = sum(map(len, items)) + len(glue) * max(len(items) - 1, 0)
    ctx.meter.check_string(length)
    ctx.meter.spend_characters(length)
    return glue.join(items)


@builtin("indexOf", 2)
def _index_of(ctx: Context, args: list[Any]) -> int:
    # Character positions; Go counts bytes, which differs only beyond ASCII.
    return want_string("indexOf", args[0]).find(want_string("indexOf", args[1]))


@builtin("lastIndexOf", 2)
def _last_index_of(ctx: Context, args: list[Any]) -> int:
    return want_string("lastIndexOf", args[0]).rfind(want_string("lastIndexOf", args[1]))


@builtin("hasPrefix", 2)
def _has_prefix(ctx: Context, args: list[Any]) -> bool:
    return want_string("hasPrefix", args[0]).startswith(want_string("hasPrefix", args[1]))


@builtin("hasSuffix", 2)
def _has_suffix(ctx: Context, args: list[Any]) -> bool:
    return want_string("hasSuffix", args[0]).endswith(want_string("hasSuffix", args[1]))
