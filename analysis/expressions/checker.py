"""Checks a parsed tree before it ever runs (expr-lang's checker): nesting depth, unknown names and functions,
arity, and constant ``matches`` patterns. The leftmost problem is reported first."""

from __future__ import annotations

from .ast import ENVIRONMENT, Binary, Call, Let, Literal, Name, Node, children
from .builtins import BUILTINS
from .cost import MAX_DEPTH
from .errors import Fault
from .parser import too_deep
from .regex import compile_pattern


def check(root: Node, names: frozenset[str] | None) -> None:
    """Raise a Fault for the first problem; with ``names``, any other variable (outside a ``let``) is one."""
    pending: list[tuple[Node, int, frozenset[str]]] = [(root, 1, frozenset())]
    while pending:  # a loop, not recursion: long chains (a+b+c...) are deep trees
        node, depth, bound = pending.pop()
        if depth > MAX_DEPTH:
            raise Fault(too_deep(), node.offset)
        _check_node(node, names, bound)
        if isinstance(node, Let):
            pending.append((node.body, depth + 1, bound | {node.name}))
            pending.append((node.value, depth + 1, bound))
        else:
            pending.extend((child, depth + 1, bound) for child in reversed(list(children(node))))


def _check_node(node: Node, names: frozenset[str] | None, bound: frozenset[str]) -> None:
    if isinstance(node, Name) and not _known(node.name, names, bound):
        raise Fault(f'unknown name "{node.name}"', node.offset)
    if isinstance(node, Call):
        spec = BUILTINS.get(node.function)
        if spec is None:
            raise Fault(f'unknown function "{node.function}"', node.offset)
        problem = spec.arity_problem(len(node.args))
        if problem:
            raise Fault(problem, node.offset)
    if isinstance(node, Binary) and node.op == "matches" and isinstance(node.right, Literal):
        pattern = node.right.value
        compiled = compile_pattern(pattern) if isinstance(pattern, str) else None
        if isinstance(compiled, str):
            raise Fault(compiled, node.right.offset)


def _known(name: str, names: frozenset[str] | None, bound: frozenset[str]) -> bool:
    return names is None or name in names or name in bound or name == ENVIRONMENT
