"""Walks a checked tree against an environment, paying every step into the evaluation's meter (expr-lang's vm)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .ast import (
    ENVIRONMENT,
    ArrayLiteral,
    Binary,
    Call,
    Conditional,
    Let,
    Literal,
    MapLiteral,
    Member,
    Name,
    Node,
    OptionalChain,
    Pointer,
    Predicate,
    Sequence,
    SliceOf,
    Unary,
)
from .builtins import BUILTINS, NO_ACCUMULATOR
from .cost import Meter
from .errors import Fault
from .operators import ARITHMETIC, compare, member_of, string_operator
from .values import equal, fetch, go_slice, is_array, is_int, kind, map_key, to_index, wrap_int


class _NilChain(Exception):
    """``?.`` met nil; the enclosing OptionalChain turns the chain into nil."""


@dataclass(frozen=True, slots=True)
class _Frame:
    element: Any
    index: int
    accumulator: Any


class Interpreter:
    def __init__(self, env: Mapping[str, Any], clock: Callable[[], datetime], meter: Meter) -> None:
        self.env = env
        self.clock = clock
        self.meter = meter
        self.frames: list[_Frame] = []  # innermost predicate last
        self.variables: dict[str, Any] = {}  # `let` bindings in scope

    def now(self) -> datetime:
        return self.clock()

    def visit(self, node: Node) -> Any:
        self.meter.spend()
        try:
            return _HANDLERS[type(node)](self, node)
        except Fault as fault:
            if fault.offset is None and fault.locate:
                fault.offset = node.offset  # the innermost node gets the blame
            raise

    def apply(self, predicate: Node, element: Any, index: int, accumulator: Any = NO_ACCUMULATOR) -> Any:
        if not isinstance(predicate, Predicate):
            raise Fault("expected a predicate")
        self.frames.append(_Frame(element, index, accumulator))
        try:
            return self.visit(predicate.body)
        finally:
            self.frames.pop()

    # ---- one method per node type

    def literal(self, node: Literal) -> Any:
        return node.value

    def array_literal(self, node: ArrayLiteral) -> list[Any]:
        return [self.visit(item) for item in node.items]

    def map_literal(self, node: MapLiteral) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.entries:
            key = map_key(self.visit(key_node), key_node.offset)
            result[key] = self.visit(value_node)
        return result

    def name(self, node: Name) -> Any:
        if node.name in self.variables:
            return self.variables[node.name]
        if node.name in self.env:
            return self.env[node.name]
        if node.name == ENVIRONMENT:
            return self.env
        raise Fault(f'unknown name "{node.name}"')

    def pointer(self, node: Pointer) -> Any:
        frame = self.frames[-1]
        if node.name == "index":
            return frame.index
        if node.name == "acc":
            return frame.accumulator
        return frame.element

    def member(self, node: Member) -> Any:
        target = self.visit(node.target)
        key = self.visit(node.key)
        if target is None and node.optional:
            raise _NilChain()
        return fetch(target, key)

    def slice_of(self, node: SliceOf) -> Any:
        target = self.visit(node.target)
        start = None if node.start is None else to_index(self.visit(node.start))
        stop = None if node.stop is None else to_index(self.visit(node.stop))
        if not (is_array(target) or isinstance(target, str)):
            raise Fault(f"cannot slice {kind(target)}")
        self.meter.spend_on(target)
        return go_slice(target, start, stop)

    def optional_chain(self, node: OptionalChain) -> Any:
        try:
            return self.visit(node.inner)
        except _NilChain:
            return None

    def unary(self, node: Unary) -> Any:
        value = self.visit(node.operand)
        if node.op == "not":
            if not isinstance(value, bool):
                raise Fault(f"cannot apply not to {kind(value)}")
            return not value
        if is_int(value):
            return wrap_int(-value) if node.op == "-" else value
        if isinstance(value, float) or (isinstance(value, timedelta) and node.op == "-"):
            return -value if node.op == "-" else value
        raise Fault(f"cannot apply unary {node.op} to {kind(value)}")

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            return self._logical(node)
        left = self.visit(node.left)
        if op == "??":
            return self.visit(node.right) if left is None else left
        right = self.visit(node.right)
        if op in ("==", "!="):
            return equal(left, right, self.meter) == (op == "==")
        if op in ("<", ">", "<=", ">="):
            return compare(op, left, right, self.meter)
        if op == "in":
            return member_of(left, right, self.meter)
        if op in ("contains", "startsWith", "endsWith", "matches"):
            return string_operator(op, left, right, self.meter)
        return ARITHMETIC[op](left, right, self.meter)

    def _logical(self, node: Binary) -> bool:
        left = self.visit(node.left)
        if not isinstance(left, bool):
            raise Fault(f"operator {node.op} expects bool operands, got {kind(left)}", node.left.offset)
        if left == (node.op == "or"):  # short-circuit
            return left
        right = self.visit(node.right)
        if not isinstance(right, bool):
            raise Fault(f"operator {node.op} expects bool operands, got {kind(right)}", node.right.offset)
        return right

    def conditional(self, node: Conditional) -> Any:
        test = self.visit(node.test)
        if not isinstance(test, bool):
            raise Fault(f"condition of ?: must be bool, got {kind(test)}", node.test.offset)
        return self.visit(node.then if test else node.otherwise)

    def call(self, node: Call) -> Any:
        spec = BUILTINS[node.function]
        args = [arg if index == spec.predicate_at else self.visit(arg) for index, arg in enumerate(node.args)]
        if spec.linear:
            for arg in args:
                self.meter.spend_on(arg)
        result = spec.run(self, args)
        if isinstance(result, list):
            self.meter.check_array(len(result))
        return result

    def predicate(self, node: Predicate) -> Any:
        raise Fault("a predicate can only be passed to a function")

    def sequence(self, node: Sequence) -> Any:
        value = None
        for item in node.items:
            value = self.visit(item)
        return value

    def let(self, node: Let) -> Any:
        value = self.visit(node.value)
        outer = self.variables
        self.variables = {**outer, node.name: value}
        try:
            return self.visit(node.body)
        finally:
            self.variables = outer


_HANDLERS: dict[type, Callable[[Interpreter, Any], Any]] = {
    Literal: Interpreter.literal,
    ArrayLiteral: Interpreter.array_literal,
    MapLiteral: Interpreter.map_literal,
    Name: Interpreter.name,
    Pointer: Interpreter.pointer,
    Member: Interpreter.member,
    SliceOf: Interpreter.slice_of,
    OptionalChain: Interpreter.optional_chain,
    Unary: Interpreter.unary,
    Binary: Interpreter.binary,
    Conditional: Interpreter.conditional,
    Call: Interpreter.call,
    Predicate: Interpreter.predicate,
    Sequence: Interpreter.sequence,
    Let: Interpreter.let,
}
