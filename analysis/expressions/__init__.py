"""Evaluate Argo Rollouts analysis conditions written in the expr-lang/expr (v1.17) language.

Its one job: turn a metric's ``successCondition`` / ``failureCondition`` text into a verdict about a measurement
``result``. The package mirrors expr-lang's own layout: ``lexer`` → ``parser`` (precedence climbing, operator
table in ``precedence``) → ``ast`` → ``checker`` → ``interpreter``, with ``builtins``, Go value semantics
(``values``, ``operators``, ``formatting``), RE2 patterns (``regex``) and the evaluation budget (``cost``).

Pure: no I/O, never eval -- no ``eval``/``exec``/``compile`` and no Python ``ast`` on user text. ``now()`` reads
only the clock the caller passes in. Every evaluation pays into a ``Budget`` of steps and sizes that no input can
escape; a wall-clock bound, if wanted, is the caller's (the I/O side's) to add.

Public API::

    compile_condition(text, label="condition") -> Condition   # parse and check once
    Condition.evaluate(result, budget=None) -> bool            # per measurement
    evaluate_condition(text, result, label="condition", budget=None) -> bool
    compile_expression(text, names=None, label="expression") -> Expression
    Expression.evaluate(env, clock=None, budget=None) -> Any
    evaluate(text, env, label="expression", budget=None) -> Any
    parse(text, names=None) -> Node                            # the tree, for tooling
    ExpressionError(ValueError): .expression, .position (1-based or None), .reason, .label

Values follow expr's Go semantics where Argo users can observe them: ``/`` is always float division (``1 / 0`` is
``+Inf``), int arithmetic wraps at 64 bits, ``1 == 1.0``, comparing with ``nil`` via ``==`` is simply false, NaN
compares false, a missing map key reads as ``nil`` and indexing past the end of an array is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from .ast import (
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
from .checker import check
from .cost import (
    DEFAULT_BUDGET,
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_RANGE_LENGTH,
    MAX_STEPS,
    MAX_STRING_LENGTH,
    Budget,
    Meter,
)
from .errors import ExpressionError, Fault
from .interpreter import Interpreter
from .parser import parse_tree
from .values import kind

__all__ = [
    "ArrayLiteral",
    "Binary",
    "Call",
    "Conditional",
    "Let",
    "Literal",
    "MapLiteral",
    "Member",
    "Name",
    "Node",
    "OptionalChain",
    "Pointer",
    "Predicate",
    "Sequence",
    "SliceOf",
    "Unary",
    "DEFAULT_BUDGET",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_RANGE_LENGTH",
    "MAX_STEPS",
    "MAX_STRING_LENGTH",
    "Budget",
    "Condition",
    "Expression",
    "ExpressionError",
    "compile_condition",
    "compile_expression",
    "evaluate",
    "evaluate_condition",
    "parse",
]


def parse(text: str, names: frozenset[str] | set[str] | None = None) -> Node:
    """Parse ``text`` into a tree; with ``names``, any other variable is a compile error."""
    return compile_expression(text, names).tree


@dataclass(frozen=True)
class Expression:
    """A parsed and checked expression, evaluated against any environment of variables."""

    text: str
    tree: Node
    label: str = "expression"

    def evaluate(
        self, env: Mapping[str, Any], clock: Callable[[], datetime] | None = None, budget: Budget | None = None
    ) -> Any:
        """Evaluate against ``env``; ``clock`` feeds ``now()`` (without one, ``now()`` is an error: no hidden
        clock), and ``budget`` (default ``DEFAULT_BUDGET``) bounds the work."""
        interpreter = Interpreter(env, clock or _no_clock, Meter(budget or DEFAULT_BUDGET))
        try:
            return interpreter.visit(self.tree)
        except Fault as fault:
            raise fault.to_error(self.text, self.label) from None
        except RecursionError:  # belt and braces: the limits should make this unreachable
            raise ExpressionError(self.text, "evaluation nested too deeply", None, self.label) from None


@dataclass(frozen=True)
class Condition:
    """A parsed success/failure condition over a measurement ``result``."""

    expression: Expression

    @property
    def text(self) -> str:
        return self.expression.text

    def evaluate(self, result: Any, budget: Budget | None = None) -> bool:
        value = self.expression.evaluate({"result": result}, budget=budget)
        if not isinstance(value, bool):
            reason = f"expected bool, but got {kind(value)}"
            raise ExpressionError(self.expression.text, reason, None, self.expression.label)
        return value


def compile_expression(
    text: str, names: frozenset[str] | set[str] | None = None, label: str = "expression"
) -> Expression:
    """Parse and check once; raise ExpressionError naming the expression and the column on bad syntax."""
    if not isinstance(text, str):
        raise ExpressionError(str(text), f"expected expression text, got {type(text).__name__}", None, label)
    if len(text) > MAX_EXPRESSION_LENGTH:
        reason = f"expression is too long ({len(text)} characters, limit {MAX_EXPRESSION_LENGTH})"
        raise ExpressionError(text, reason, None, label)
    if not text.strip():
        raise ExpressionError(text, "expression is empty", None, label)
    known = None if names is None else frozenset(names)
    try:
        tree = _compile_cached(text, known)
    except Fault as fault:
        raise fault.to_error(text, label) from None
    return Expression(text, tree, label)


@lru_cache(maxsize=512)
def _compile_cached(text: str, names: frozenset[str] | None) -> Node:
    # Trees are immutable, so every caller may share one (the same condition runs on every measurement).
    tree = parse_tree(text)
    check(tree, names)
    return tree


def compile_condition(text: str, label: str = "condition") -> Condition:
    """Parse a condition whose only variable is ``result``."""
    return Condition(compile_expression(text, frozenset({"result"}), label))


def evaluate_condition(text: str, result: Any, label: str = "condition", budget: Budget | None = None) -> bool:
    return compile_condition(text, label).evaluate(result, budget)


def evaluate(text: str, env: Mapping[str, Any], label: str = "expression", budget: Budget | None = None) -> Any:
    return compile_expression(text, None, label).evaluate(env, budget=budget)


def _no_clock() -> datetime:
    raise Fault("now() is not available here: the caller gave no clock")
