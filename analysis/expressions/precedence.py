"""The operator table: every operator's canonical spelling and binding power (expr-lang's parser/operator)."""

from __future__ import annotations

from .lexer import Token

BINARY_PRECEDENCE = {
    "|": 0,
    "or": 10,
    "and": 15,
    "==": 20,
    "!=": 20,
    "<": 20,
    ">": 20,
    "<=": 20,
    ">=": 20,
    "in": 20,
    "matches": 20,
    "contains": 20,
    "startsWith": 20,
    "endsWith": 20,
    "..": 25,
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "**": 100,
    "??": 500,
}
RIGHT_ASSOCIATIVE = frozenset({"**"})
CHAINABLE = frozenset({"<", ">", "<=", ">="})  # `a < b < c` means `a < b and b < c`; == does not chain
NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
_WORD_OPERATORS = frozenset({"and", "or", "not"} | NEGATABLE)
RESERVED_WORDS = _WORD_OPERATORS | {"let", "if", "else"}
UNBINDABLE_NAMES = RESERVED_WORDS | {"true", "false", "nil"}
_SPELLINGS = {"&&": "and", "||": "or", "^": "**", "!": "not"}
UNARY_PRECEDENCE = {"not": 50, "-": 90, "+": 90}


def unary_op(token: Token) -> str | None:
    """The canonical prefix operator a token spells, if any: "not", "-" or "+"."""
    if token.kind == "op" and token.value in ("-", "+", "!"):
        return _SPELLINGS.get(token.text, token.text)
    if token.kind == "name" and token.value == "not":
        return "not"
    return None


def binary_op(token: Token) -> str | None:
    """The canonical binary operator a token spells, if any."""
    if token.kind == "op":
        op = _SPELLINGS.get(token.text, token.text)
        return op if op in BINARY_PRECEDENCE else None
    if token.kind == "name" and token.value in _WORD_OPERATORS and token.value != "not":
        return token.text
    return None
