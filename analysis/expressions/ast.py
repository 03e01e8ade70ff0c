"""The syntax tree: small frozen dataclasses, one per construct (expr-lang's ast).

Every node records ``offset``, the 0-based position its errors are reported at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any  # None, bool, int, float or str
    offset: int


@dataclass(frozen=True, slots=True)
class ArrayLiteral:
    items: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class MapLiteral:
    entries: tuple[tuple[Node, Node], ...]
    offset: int


ENVIRONMENT = "$env"  # expr's name for the whole environment, e.g. $env["with space"]


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Pointer:
    """``#`` (the current element), ``#index`` or ``#acc`` inside a predicate."""

    name: str  # "", "index" or "acc"
    offset: int


@dataclass(frozen=True, slots=True)
class Member:
    """``target.key``, ``target?.key`` or ``target[key]``."""

    target: Node
    key: Node
    optional: bool
    offset: int


@dataclass(frozen=True, slots=True)
class SliceOf:
    target: Node
    start: Node | None
    stop: Node | None
    offset: int


@dataclass(frozen=True, slots=True)
class OptionalChain:
    """Boundary of a ``?.`` chain: a nil met by ``?.`` inside makes the whole chain nil."""

    inner: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "not", "-" or "+"
    operand: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # canonical spelling: "and", "or", "**" (for ^), "==", "in", ...
    left: Node
    right: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Conditional:
    test: Node
    then: Node
    otherwise: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Predicate:
    """A closure argument such as ``{# > 0.9}``; only builtins evaluate it."""

    body: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Sequence:
    """``a; b; c``: each runs in turn, the last one's value is the result."""

    items: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Node
    body: Node
    offset: int


Node: TypeAlias = (
    Literal
    | ArrayLiteral
    | MapLiteral
    | Name
    | Pointer
    | Member
    | SliceOf
    | OptionalChain
    | Unary
    | Binary
    | Conditional
    | Call
    | Predicate
    | Sequence
    | Let
)
NODE_TYPES = (
    Literal,
    ArrayLiteral,
    MapLiteral,
    Name,
    Pointer,
    Member,
    SliceOf,
    OptionalChain,
    Unary,
    Binary,
    Conditional,
    Call,
    Predicate,
    Sequence,
    Let,
)


def children(node: Node) -> Iterator[Node]:
    """The node's direct subtrees, left to right."""
    for field in fields(node):
        yield from _nodes_within(getattr(node, field.name))


def _nodes_within(value: Any) -> Iterator[Node]:
    if isinstance(value, NODE_TYPES):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_within(item)
