"""The table of builtin functions: each one's name, arity, closure argument and cost, and what it may ask of the
interpreter (``Context``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..ast import Node
from ..cost import Meter
from ..errors import Fault
from ..values import is_number, kind, to_index

NO_ACCUMULATOR: Any = object()


class Context(Protocol):
    """What a builtin may use while it runs: the meter, closures, and the caller's clock."""

    meter: Meter

    def apply(self, predicate: Node, element: Any, index: int, accumulator: Any = NO_ACCUMULATOR) -> Any: ...

    def now(self) -> datetime: ...


Run = Callable[[Context, list[Any]], Any]


@dataclass(frozen=True)
class Builtin:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    predicate_at: int | None  # which argument is a closure, if any
    linear: bool  # walks its arguments, so it pays for their size up front
    run: Run

    def arity_problem(self, count: int) -> str | None:
        if self.min_args <= count and (self.max_args is None or count <= self.max_args):
            return None
        if self.max_args is None:
            wanted = f"at least {self.min_args}"
        elif self.min_args == self.max_args:
            wanted = str(self.min_args)
        else:
            wanted = f"{self.min_args} to {self.max_args}"
        noun = "argument" if wanted == "1" else "arguments"
        return f"{self.name} expects {wanted} {noun}, got {count}"


BUILTINS: dict[str, Builtin] = {}
_SAME = -1


def builtin(
    name: str, min_args: int, max_args: int | None = _SAME, predicate_at: int | None = None, linear: bool = True
) -> Callable[[Run], Run]:
    """Register ``run`` as the builtin ``name``; ``max_args`` defaults to ``min_args``."""

    def register(run: Run) -> Run:
        most = min_args if max_args == _SAME else max_args
        BUILTINS[name] = Builtin(name, min_args, most, predicate_at, linear, run)
        return run

    return register


def want_array(function: str, value: Any) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise Fault(f"{function} expects an array, got {kind(value)}")
    return value


def want_string(function: str, value: Any) -> str:
    if not isinstance(value, str):
        raise bad_argument(function, value)
    return value


def want_int(function: str, value: Any) -> int:
    if not is_number(value):
        raise bad_argument(function, value)
    return to_index(value)


def bad_argument(function: str, value: Any) -> Fault:
    return Fault(f"invalid argument for {function} (type {kind(value)})")
