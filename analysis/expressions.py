"""Evaluate Argo Rollouts analysis conditions written in the expr-lang/expr (v1.17) language.

Its one job: turn a metric's ``successCondition`` / ``failureCondition`` text into a
verdict about a measurement ``result``.  The text is tokenized and parsed once, by a
hand-written Pratt parser, into a small tree of frozen dataclasses; an interpreter then
walks that tree for each measurement, charging every step against a fixed budget.

Pure: no I/O, never eval -- no ``eval``/``exec``/``compile`` and no ``ast`` module on
user text.  The only impurity is ``now()``, which reads the clock you pass in (or UTC
wall time by default).

Public API::

    compile_condition(text, label="condition") -> Condition   # parse once
    Condition.evaluate(result) -> bool                         # per measurement
    evaluate_condition(text, result, label="condition") -> bool
    compile_expression(text, names=None, label="expression") -> Expression
    Expression.evaluate(env) -> Any
    evaluate(text, env, label="expression") -> Any
    parse(text) -> Node                                        # the tree, for tooling
    ExpressionError(ValueError): .expression, .position (1-based or None), .reason

Values follow expr's Go semantics where Argo users can observe them: ``/`` is always
float division (``1 / 0`` is ``+Inf``), int arithmetic wraps at 64 bits, ``1 == 1.0``,
comparing with ``nil`` via ``==`` is simply false, NaN compares false, a missing map
key reads as ``nil`` and indexing past the end of an array is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Union

__all__ = [
    "ArrayLiteral", "Binary", "Call", "Conditional", "Let", "Literal", "MapLiteral", "Member",
    "Name", "Node", "OptionalChain", "Pointer", "Predicate", "SliceOf", "Unary",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_RANGE_LENGTH",
    "MAX_STEPS",
    "MAX_STRING_LENGTH",
    "Condition",
    "Expression",
    "ExpressionError",
    "compile_condition",
    "compile_expression",
    "evaluate",
    "evaluate_condition",
    "parse",
]

# --------------------------------------------------------------------------- limits

MAX_EXPRESSION_LENGTH = 4096  # characters of source text
MAX_DEPTH = 64  # levels of nesting in the parsed tree
MAX_STEPS = 100_000  # node visits (closure iterations included) plus bulk work, per evaluation
MAX_RANGE_LENGTH = 100_000  # elements a `..` range may produce
MAX_STRING_LENGTH = 1_000_000  # characters of any string the expression builds
MAX_PATTERN_LENGTH = 1024  # characters of a `matches` regular expression
MAX_VALUE_DEPTH = 100  # nesting of data walked by ==, in and string()

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_SHOWN_CHARS = 200  # how much of a long expression an error message quotes


# --------------------------------------------------------------------------- errors


class ExpressionError(ValueError):
    """An expression failed to parse or evaluate.

    ``position`` is the 1-based character position of the offending token (the column,
    for the usual single-line expression) or ``None`` when no spot is to blame.
    """

    def __init__(self, expression: str, reason: str, position: int | None = None,
                 label: str = "expression") -> None:
        self.expression = expression
        self.reason = reason
        self.position = position
        self.label = label
        super().__init__(_describe_error(label, expression, reason, position))


def _describe_error(label: str, expression: str, reason: str, position: int | None) -> str:
    shown = expression
    if len(shown) > _SHOWN_CHARS:
        shown = shown[: _SHOWN_CHARS - 3] + "..."
    return f'{label} "{shown}"{_where(expression, position)}: {reason}'


def _where(expression: str, position: int | None) -> str:
    if position is None:
        return ""
    if "\n" not in expression:
        return f" at column {position}"
    before = expression[: position - 1]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1)
    return f" at line {line}, column {column}"


class _Fault(Exception):
    """Internal: a problem found before we know which labelled expression it belongs to.

    ``offset`` is 0-based; the interpreter fills it in from the innermost node when the
    raiser did not know it, unless ``locate`` is False (e.g. the step budget).
    """

    def __init__(self, reason: str, offset: int | None = None, *, locate: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.locate = locate


def _to_error(fault: _Fault, text: str, label: str) -> ExpressionError:
    position = None if fault.offset is None else fault.offset + 1
    return ExpressionError(text, fault.reason, position, label)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number" | "string" | "name" | "op" | "end"
    value: Any  # decoded literal value, or the text for names and operators
    text: str  # the source slice, for messages
    offset: int


_DIGITS = "0123456789"
_TWO_CHAR_OPERATORS = frozenset({"**", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", ".."})
_ONE_CHAR_OPERATORS = frozenset("+-*/%^<>!?:.,|#()[]{};=")
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}
_HEX_ESCAPE_WIDTH = {"x": 2, "u": 4, "U": 8}
_BASE_PREFIXES = {"x": 16, "o": 8, "b": 2}


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = _skip_blank(text, 0)
    while index < len(text):
        token, index = _next_token(text, index)
        tokens.append(token)
        index = _skip_blank(text, index)
    # The end sits right after the last visible character, where the user's cursor is.
    tokens.append(_Token("end", None, "", len(text.rstrip())))
    return tokens


def _skip_blank(text: str, index: int) -> int:
    """Skip whitespace and // or /* */ comments."""
    while index < len(text):
        if text[index].isspace():
            index += 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            if close < 0:
                raise _Fault("unterminated comment", index)
            index = close + 2
        else:
            break
    return index


def _next_token(text: str, index: int) -> tuple[_Token, int]:
    char = text[index]
    following = text[index + 1: index + 2]
    if char in _DIGITS or (char == "." and following and following in _DIGITS):
        return _lex_number(text, index)
    if char in "\"'":
        return _lex_quoted(text, index)
    if char == "`":
        return _lex_raw(text, index)
    if char.isalpha() or char in "_$":
        end = index + 1
        while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
            end += 1
        word = text[index:end]
        return _Token("name", word, word, index), end
    pair = text[index: index + 2]
    if pair in _TWO_CHAR_OPERATORS:
        # `a ?.5 : 1` is a ternary with .5, not an optional member.
        if not (pair == "?." and text[index + 2: index + 3] in tuple(_DIGITS)):
            return _Token("op", pair, pair, index), index + 2
    if char in _ONE_CHAR_OPERATORS:
        return _Token("op", char, char, index), index + 1
    raise _Fault(f'unexpected character "{char}"', index)


def _lex_number(text: str, start: int) -> tuple[_Token, int]:
    prefix = text[start: start + 2].lower()
    if prefix[:1] == "0" and prefix[1:] in _BASE_PREFIXES:
        end = _scan_word(text, start + 2)
        return _number_token(text, start, end, base=_BASE_PREFIXES[prefix[1]]), end
    end = _scan_digits(text, start)
    if text[end: end + 1] == "." and text[end + 1: end + 2] in tuple(_DIGITS):
        end = _scan_digits(text, end + 1)
    if text[end: end + 1] in ("e", "E"):
        exponent = end + 1
        if text[exponent: exponent + 1] in ("+", "-"):
            exponent += 1
        if text[exponent: exponent + 1] in tuple(_DIGITS):
            end = _scan_digits(text, exponent)
    # `1abc` or `1e` is a typo, not the number 1 followed by a name.
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end = _scan_word(text, end)
        raise _Fault(f'invalid number literal "{text[start:end]}"', start)
    return _number_token(text, start, end, base=10), end


def _scan_digits(text: str, index: int) -> int:
    while index < len(text) and (text[index] in _DIGITS or text[index] == "_"):
        index += 1
    return index


def _scan_word(text: str, index: int) -> int:
    while index < len(text) and (text[index].isalnum() or text[index] == "_"):
        index += 1
    return index


def _number_token(text: str, start: int, end: int, base: int) -> _Token:
    literal = text[start:end]
    is_float = base == 10 and any(c in literal for c in ".eE")
    try:
        if base != 10:
            value: int | float = int(literal[2:], base)
        elif is_float:
            value = float(literal)
        else:
            value = int(literal, 10)
    except ValueError:
        raise _Fault(f'invalid number literal "{literal}"', start) from None
    if is_float and math.isinf(value):
        raise _Fault(f'float literal "{literal}" is too large', start)
    if not is_float and value > _INT64_MAX:
        raise _Fault(f'integer literal "{literal}" is too large', start)
    return _Token("number", value, literal, start)


def _lex_quoted(text: str, start: int) -> tuple[_Token, int]:
    quote = text[start]
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return _Token("string", "".join(parts), text[start: index + 1], start), index + 1
        if char == "\\":
            decoded, index = _unescape(text, index)
            parts.append(decoded)
        else:
            parts.append(char)
            index += 1
    raise _Fault("unterminated string literal", start)


def _unescape(text: str, index: int) -> tuple[str, int]:
    """Decode the Go-style escape sequence starting at the backslash ``text[index]``."""
    kind = text[index + 1: index + 2]
    if not kind:
        raise _Fault("unterminated string literal", index)
    if kind in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[kind], index + 2
    if kind in _HEX_ESCAPE_WIDTH:
        width = _HEX_ESCAPE_WIDTH[kind]
        digits = text[index + 2: index + 2 + width]
        code = _parse_code(digits, 16, width)
        if code is not None and code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), index + 2 + width
    elif kind in "01234567":
        code = _parse_code(text[index + 1: index + 4], 8, 3)
        if code is not None and code <= 0xFF:
            return chr(code), index + 4
    raise _Fault(f'invalid escape sequence "\\{kind}"', index)


def _parse_code(digits: str, base: int, width: int) -> int | None:
    allowed = "0123456789abcdefABCDEF" if base == 16 else "01234567"
    if len(digits) != width or any(c not in allowed for c in digits):
        return None
    return int(digits, base)


def _lex_raw(text: str, start: int) -> tuple[_Token, int]:
    close = text.find("`", start + 1)
    if close < 0:
        raise _Fault("unterminated string literal", start)
    return _Token("string", text[start + 1: close], text[start: close + 1], start), close + 1


# --------------------------------------------------------------------------- syntax tree
# Every node records `offset`, the 0-based position its errors are reported at.


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
class Let:
    name: str
    value: Node
    body: Node
    offset: int


Node = Union[Literal, ArrayLiteral, MapLiteral, Name, Pointer, Member, SliceOf, OptionalChain,
             Unary, Binary, Conditional, Call, Predicate, Let]
_NODE_TYPES = (Literal, ArrayLiteral, MapLiteral, Name, Pointer, Member, SliceOf, OptionalChain,
               Unary, Binary, Conditional, Call, Predicate, Let)


def _children(node: Node) -> Iterator[Node]:
    for field in fields(node):
        yield from _nodes_within(getattr(node, field.name))


def _nodes_within(value: Any) -> Iterator[Node]:
    if isinstance(value, _NODE_TYPES):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_within(item)


def _check_depth(root: Node) -> None:
    """Loops build long chains (a+b+c..., a.b.c...) the parser's recursion guard never sees."""
    pending = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _Fault(_too_deep(), node.offset)
        pending.extend((child, depth + 1) for child in _children(node))


def _too_deep() -> str:
    return f"expression is nested too deeply (more than {MAX_DEPTH} levels)"


# --------------------------------------------------------------------------- parser
# Binding powers follow expr: ternary < or < and < comparisons < .. < + - < * / % < ** < ??.

_BINARY_PRECEDENCE = {
    "|": 0, "or": 10, "and": 15,
    "==": 20, "!=": 20, "<": 20, ">": 20, "<=": 20, ">=": 20,
    "in": 20, "matches": 20, "contains": 20, "startsWith": 20, "endsWith": 20,
    "..": 25, "+": 30, "-": 30, "*": 60, "/": 60, "%": 60, "**": 100, "??": 500,
}
_RIGHT_ASSOCIATIVE = frozenset({"**"})
_COMPARISON_PRECEDENCE = 20
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
_WORD_OPERATORS = frozenset({"and", "or", "not"} | _NEGATABLE)
_RESERVED_WORDS = _WORD_OPERATORS | {"let"}
_UNBINDABLE_NAMES = _RESERVED_WORDS | {"true", "false", "nil"}
_SPELLINGS = {"&&": "and", "||": "or", "^": "**", "!": "not"}
_UNARY_PRECEDENCE = {"not": 50, "-": 90, "+": 90}
_NAMED_CONSTANTS = {"true": True, "false": False, "nil": None}
_POINTER_NAMES = frozenset({"index", "acc"})


class _Parser:
    def __init__(self, text: str, known_names: frozenset[str] | None) -> None:
        self._tokens = _tokenize(text)
        self._index = 0
        self._known_names = known_names
        self._nesting = 0
        self._predicate_owners: list[str] = []  # builtins whose predicate we are inside
        self._bound_names: list[str] = []  # names introduced by enclosing `let`s

    # ---- token cursor

    @property
    def _current(self) -> _Token:
        return self._tokens[self._index]

    def _peek(self, distance: int = 1) -> _Token:
        return self._tokens[min(self._index + distance, len(self._tokens) - 1)]

    def _advance(self) -> _Token:
        token = self._current
        if token.kind != "end":
            self._index += 1
        return token

    def _at(self, op: str) -> bool:
        return self._current.kind == "op" and self._current.value == op

    def _at_word(self, word: str) -> bool:
        return self._current.kind == "name" and self._current.value == word

    def _expect(self, op: str) -> _Token:
        if not self._at(op):
            found = self._current
            if found.kind == "end":
                raise _Fault(f'unexpected end of expression (expected "{op}")', found.offset)
            raise _Fault(f'expected "{op}", found {_describe_token(found)}', found.offset)
        return self._advance()

    def _expect_separator(self, closer: str) -> None:
        """Between items of a list: a comma, or (reported) the closer that was missing."""
        if self._at(","):
            self._advance()
            return
        found = self._current
        if found.kind == "end":
            raise _Fault(f'unexpected end of expression (expected "," or "{closer}")', found.offset)
        raise _Fault(f'expected "," or "{closer}", found {_describe_token(found)}', found.offset)

    def _unexpected(self, token: _Token | None = None) -> _Fault:
        token = token or self._current
        if token.kind == "end":
            return _Fault("unexpected end of expression", token.offset)
        return _Fault(f"unexpected {_describe_token(token)}", token.offset)

    # ---- grammar

    def parse(self) -> Node:
        node = self._expression(0)
        if self._current.kind != "end":
            raise self._unexpected()
        _check_depth(node)
        return node

    def _expression(self, min_precedence: int) -> Node:
        self._nesting += 1
        try:
            if self._nesting > MAX_DEPTH:  # checked here so deep input never hits RecursionError
                raise _Fault(_too_deep(), self._current.offset)
            if min_precedence == 0 and self._at_word("let"):
                return self._let()
            node = self._binary_tail(self._operand(), min_precedence)
            if min_precedence == 0:
                node = self._conditional_tail(node)
            return node
        finally:
            self._nesting -= 1

    def _binary_tail(self, left: Node, min_precedence: int) -> Node:
        previous_op = ""
        while True:
            op_token = self._current
            negated = self._at_word("not")
            if negated:
                op_token = self._peek()
                if _binary_op(op_token) not in _NEGATABLE:
                    raise _Fault('expected in, matches, contains, startsWith or endsWith after '
                                 f'"not", found {_describe_token(op_token)}', op_token.offset)
            op = _binary_op(op_token)
            if op is None or _BINARY_PRECEDENCE[op] < min_precedence:
                return left
            if previous_op == "??" and op != "??":
                raise _Fault(f'operator "{op_token.text}" and "??" cannot be mixed; '
                             "wrap one of them in parentheses", op_token.offset)
            if negated:
                self._advance()
            self._advance()
            left = self._apply_operator(op, op_token, left, negated)
            previous_op = op

    def _apply_operator(self, op: str, op_token: _Token, left: Node, negated: bool) -> Node:
        precedence = _BINARY_PRECEDENCE[op]
        if op == "|":
            return self._piped_call(left)
        if precedence == _COMPARISON_PRECEDENCE and not negated:
            return self._comparison_chain(left, op, op_token)
        right_power = precedence if op in _RIGHT_ASSOCIATIVE else precedence + 1
        right = self._expression(right_power)
        node: Node = self._binary(op, left, right, op_token.offset)
        if negated:
            node = Unary("not", node, op_token.offset)
        return node

    def _comparison_chain(self, left: Node, op: str, op_token: _Token) -> Node:
        """``a < b < c`` means ``a < b and b < c``, as in expr."""
        chain: Node | None = None
        while True:
            right = self._expression(_COMPARISON_PRECEDENCE + 1)
            link = self._binary(op, left, right, op_token.offset)
            chain = link if chain is None else Binary("and", chain, link, op_token.offset)
            op_token = self._current
            next_op = _binary_op(op_token)
            if next_op is None or _BINARY_PRECEDENCE[next_op] != _COMPARISON_PRECEDENCE:
                return chain
            self._advance()
            left, op = right, next_op

    def _binary(self, op: str, left: Node, right: Node, offset: int) -> Binary:
        if op == "matches" and isinstance(right, Literal) and isinstance(right.value, str):
            problem = _compile_pattern(right.value)
            if isinstance(problem, str):  # a constant pattern is checked at compile time
                raise _Fault(problem, right.offset)
        return Binary(op, left, right, offset)

    def _conditional_tail(self, node: Node) -> Node:
        while self._at("?"):
            question = self._advance()
            if self._at(":"):  # `a ?: b`, expr's short form
                self._advance()
                then, otherwise = node, self._expression(0)
            else:
                then = self._expression(0)
                self._expect(":")
                otherwise = self._expression(0)
            node = Conditional(node, then, otherwise, question.offset)
        return node

    def _let(self) -> Node:
        let_token = self._advance()
        name_token = self._current
        if name_token.kind != "name" or name_token.value in _UNBINDABLE_NAMES:
            raise _Fault(f"expected a variable name after let, found {_describe_token(name_token)}",
                         name_token.offset)
        self._advance()
        self._expect("=")
        value = self._expression(0)
        self._expect(";")
        self._bound_names.append(name_token.value)
        try:
            body = self._expression(0)
        finally:
            self._bound_names.pop()
        return Let(name_token.value, value, body, let_token.offset)

    def _operand(self) -> Node:
        token = self._current
        op = _unary_op(token)
        if op is not None:
            self._advance()
            operand = self._expression(_UNARY_PRECEDENCE[op])
            return Unary(op, operand, token.offset)
        return self._postfix(self._primary())

    def _primary(self) -> Node:
        token = self._current
        if token.kind in ("number", "string"):
            self._advance()
            return Literal(token.value, token.offset)
        if token.kind == "name":
            return self._named(token)
        if self._at("("):
            self._advance()
            inner = self._expression(0)
            self._expect(")")
            return inner
        if self._at("["):
            return self._array_literal()
        if self._at("{"):
            return self._map_literal()
        if self._at("#") or self._at("."):
            return self._pointer()
        raise self._unexpected()

    def _named(self, token: _Token) -> Node:
        word = token.value
        if word in _NAMED_CONSTANTS:
            self._advance()
            return Literal(_NAMED_CONSTANTS[word], token.offset)
        if word in _RESERVED_WORDS:
            raise self._unexpected()
        self._advance()
        if self._at("("):
            return self._call(token, [])
        if (self._known_names is not None and word not in self._known_names
                and word not in self._bound_names):
            raise _Fault(f'unknown name "{word}"', token.offset)
        return Name(word, token.offset)

    def _pointer(self) -> Node:
        token = self._advance()
        if not self._predicate_owners:
            what = "#" if token.value == "#" else ".field"
            raise _Fault(f"cannot use {what} outside a predicate", token.offset)
        if token.value == ".":  # `.field` inside a predicate means `#.field`
            return self._member_name(Pointer("", token.offset), optional=False)
        follower = self._current
        if (follower.kind == "name" and follower.offset == token.offset + 1
                and follower.value not in _RESERVED_WORDS):
            self._advance()
            if follower.value not in _POINTER_NAMES:
                raise _Fault(f'unknown pointer "#{follower.value}"', token.offset)
            if follower.value == "acc" and self._predicate_owners[-1] != "reduce":
                raise _Fault('"#acc" is only available inside reduce', token.offset)
            return Pointer(follower.value, token.offset)
        return Pointer("", token.offset)

    def _postfix(self, node: Node) -> Node:
        saw_optional = False
        while True:
            if self._at(".") or self._at("?."):
                optional = self._advance().value == "?."
                saw_optional = saw_optional or optional
                if optional and self._at("["):
                    node = self._index_or_slice(node, optional=True)
                else:
                    node = self._member_name(node, optional)
            elif self._at("["):
                node = self._index_or_slice(node, optional=False)
            else:
                break
        return OptionalChain(node, node.offset) if saw_optional else node

    def _member_name(self, target: Node, optional: bool) -> Node:
        token = self._current
        if token.kind != "name":
            if token.kind == "end":
                raise _Fault("unexpected end of expression (expected a property name)",
                             token.offset)
            raise _Fault(f"expected a property name, found {_describe_token(token)}", token.offset)
        self._advance()
        if self._at("("):
            raise _Fault(f'method calls such as "{token.value}()" are not supported', token.offset)
        return Member(target, Literal(token.value, token.offset), optional, token.offset)

    def _index_or_slice(self, target: Node, optional: bool) -> Node:
        bracket = self._expect("[")
        start = None if self._at(":") else self._expression(0)
        if not self._at(":"):
            self._expect("]")
            return Member(target, start, optional, bracket.offset)
        self._advance()
        stop = None if self._at("]") else self._expression(0)
        self._expect("]")
        return SliceOf(target, start, stop, bracket.offset)

    def _array_literal(self) -> Node:
        bracket = self._expect("[")
        items: list[Node] = []
        while not self._at("]"):
            if items:
                self._expect_separator("]")
                if self._at("]"):  # trailing comma
                    break
            items.append(self._expression(0))
        self._expect("]")
        return ArrayLiteral(tuple(items), bracket.offset)

    def _map_literal(self) -> Node:
        brace = self._expect("{")
        entries: list[tuple[Node, Node]] = []
        while not self._at("}"):
            if entries:
                self._expect_separator("}")
                if self._at("}"):
                    break
            key = self._map_key()
            self._expect(":")
            entries.append((key, self._expression(0)))
        self._expect("}")
        return MapLiteral(tuple(entries), brace.offset)

    def _map_key(self) -> Node:
        token = self._current
        if token.kind == "string":
            self._advance()
            return Literal(token.value, token.offset)
        if token.kind in ("name", "number"):  # bare words and numbers are string keys in expr
            self._advance()
            return Literal(token.text, token.offset)
        if self._at("("):
            self._advance()
            key = self._expression(0)
            self._expect(")")
            return key
        raise _Fault("a map key must be a name, a string, a number or a parenthesized expression, "
                     f"found {_describe_token(token)}", token.offset)

    # ---- calls

    def _piped_call(self, piped: Node) -> Node:
        token = self._current
        if token.kind != "name" or self._peek().kind != "op" or self._peek().value != "(":
            raise _Fault(f'expected a function call after "|", found {_describe_token(token)}',
                         token.offset)
        self._advance()
        return self._call(token, [piped])

    def _call(self, name_token: _Token, args: list[Node]) -> Node:
        spec = _BUILTINS.get(name_token.value)
        if spec is None:
            raise _Fault(f'unknown function "{name_token.value}"', name_token.offset)
        self._expect("(")
        parsed_here = 0
        while not self._at(")"):
            if parsed_here:
                self._expect_separator(")")
                if self._at(")"):
                    break
            if len(args) == spec.predicate_at:
                args.append(self._predicate(spec.name))
            else:
                args.append(self._expression(0))
            parsed_here += 1
        self._expect(")")
        _check_arity(spec, len(args), name_token.offset)
        return Call(spec.name, tuple(args), name_token.offset)

    def _predicate(self, owner: str) -> Node:
        start = self._current
        braced = self._at("{")
        if braced:
            self._advance()
        self._predicate_owners.append(owner)
        try:
            body = self._expression(0)
        finally:
            self._predicate_owners.pop()
        if braced:
            self._expect("}")
        return Predicate(body, start.offset)


def _unary_op(token: _Token) -> str | None:
    """The canonical prefix operator a token spells, if any: "not", "-" or "+"."""
    if token.kind == "op" and token.value in ("-", "+", "!"):
        return _SPELLINGS.get(token.value, token.value)
    if token.kind == "name" and token.value == "not":
        return "not"
    return None


def _binary_op(token: _Token) -> str | None:
    """The canonical binary operator a token spells, if any."""
    if token.kind == "op":
        op = _SPELLINGS.get(token.value, token.value)
        return op if op in _BINARY_PRECEDENCE else None
    if token.kind == "name" and token.value in _WORD_OPERATORS and token.value != "not":
        return token.value
    return None


def _describe_token(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "number":
        return f"number {token.text}"
    if token.kind == "string":
        return f"string {token.text}"
    if token.kind == "name":
        return f'name "{token.text}"'
    return f'token "{token.text}"'


def _check_arity(spec: _Builtin, count: int, offset: int) -> None:
    if spec.min_args <= count and (spec.max_args is None or count <= spec.max_args):
        return
    if spec.max_args is None:
        wanted = f"at least {spec.min_args}"
    elif spec.min_args == spec.max_args:
        wanted = str(spec.min_args)
    else:
        wanted = f"{spec.min_args} to {spec.max_args}"
    noun = "argument" if wanted == "1" else "arguments"
    raise _Fault(f"{spec.name} expects {wanted} {noun}, got {count}", offset)


# --------------------------------------------------------------------------- public API


def parse(text: str, names: frozenset[str] | set[str] | None = None) -> Node:
    """Parse ``text`` into a tree; with ``names``, any other variable is a compile error."""
    return compile_expression(text, names).tree


@dataclass(frozen=True)
class Expression:
    """A parsed expression, evaluated against any environment of variables."""

    text: str
    tree: Node
    label: str = "expression"

    def evaluate(self, env: Mapping[str, Any],
                 clock: Callable[[], datetime] | None = None) -> Any:
        """Evaluate against ``env``; ``clock`` feeds ``now()`` (without one, ``now()`` is an error: no hidden clock)."""
        interpreter = _Interpreter(env, clock or _no_clock)
        try:
            return interpreter.visit(self.tree)
        except _Fault as fault:
            raise _to_error(fault, self.text, self.label) from None
        except RecursionError:  # belt and braces: the limits should make this unreachable
            raise ExpressionError(self.text, "evaluation nested too deeply", None,
                                  self.label) from None


@dataclass(frozen=True)
class Condition:
    """A parsed success/failure condition over a measurement ``result``."""

    expression: Expression

    @property
    def text(self) -> str:
        return self.expression.text

    def evaluate(self, result: Any) -> bool:
        value = self.expression.evaluate({"result": result})
        if not isinstance(value, bool):
            raise ExpressionError(self.expression.text, f"expected bool, but got {_kind(value)}",
                                  None, self.expression.label)
        return value


def compile_expression(text: str, names: frozenset[str] | set[str] | None = None,
                       label: str = "expression") -> Expression:
    """Parse once; raise ExpressionError naming the expression and the column on bad syntax."""
    if not isinstance(text, str):
        raise ExpressionError(str(text), f"expected expression text, got {type(text).__name__}",
                              None, label)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(text, f"expression is too long ({len(text)} characters, "
                              f"limit {MAX_EXPRESSION_LENGTH})", None, label)
    if not text.strip():
        raise ExpressionError(text, "expression is empty", None, label)
    known = None if names is None else frozenset(names)
    try:
        tree = _parse_cached(text, known)
    except _Fault as fault:
        raise _to_error(fault, text, label) from None
    return Expression(text, tree, label)


@lru_cache(maxsize=512)
def _parse_cached(text: str, names: frozenset[str] | None) -> Node:
    # Trees are immutable, so every caller may share one (the same condition is
    # evaluated on every measurement).
    return _Parser(text, names).parse()


def compile_condition(text: str, label: str = "condition") -> Condition:
    """Parse a condition whose only variable is ``result``."""
    return Condition(compile_expression(text, frozenset({"result"}), label))


def evaluate_condition(text: str, result: Any, label: str = "condition") -> bool:
    return compile_condition(text, label).evaluate(result)


def evaluate(text: str, env: Mapping[str, Any], label: str = "expression") -> Any:
    return compile_expression(text, None, label).evaluate(env)


def _no_clock() -> datetime:
    raise ExpressionError("now()", "now() is not available here: the caller gave no clock")


# --------------------------------------------------------------------------- values


def _kind(value: Any) -> str:
    """The expr-style type name used in messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, datetime):
        return "time"
    if isinstance(value, timedelta):
        return "duration"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_array(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _wrap_int(value: int) -> int:
    """Go ints are 64 bits and wrap; this also keeps Python from growing huge integers."""
    return (value - _INT64_MIN) % 2**64 + _INT64_MIN


def _as_float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int from the input beyond float range
        return math.inf if value > 0 else -math.inf


def _to_index(value: Any) -> int:
    if _is_int(value):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)  # Go truncates float indexes
    raise _Fault(f"cannot use {_kind(value)} as an index")


def _bulk_cost(count: int) -> int:
    """Steps charged for native work over ``count`` elements (a visit ~ 100 elements)."""
    return 1 + count // 100


def _text_cost(length: int) -> int:
    return 1 + length // 1000


def _check_string_size(length: int) -> None:
    if length > MAX_STRING_LENGTH:
        raise _Fault(f"string of {length} characters exceeds the limit of {MAX_STRING_LENGTH}")


def _equal(left: Any, right: Any, depth: int = 0) -> bool:
    if depth > MAX_VALUE_DEPTH:
        raise _Fault(f"values are nested more than {MAX_VALUE_DEPTH} levels deep")
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return left == right  # exact for int vs float; NaN is never equal
    if _is_array(left) and _is_array(right):
        return len(left) == len(right) and all(
            _equal(a, b, depth + 1) for a, b in zip(left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(
            _equal(left[key], right[key], depth + 1) for key in left)
    if type(left) is type(right) or (isinstance(left, str) and isinstance(right, str)):
        return left == right
    return False


def _format(value: Any, depth: int = 0) -> str:
    """Go's ``fmt.Sprintf("%v", value)``, which expr's ``string()`` uses."""
    if depth > MAX_VALUE_DEPTH:
        raise _Fault(f"values are nested more than {MAX_VALUE_DEPTH} levels deep")
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, str):
        return value
    if _is_array(value):
        return "[" + " ".join(_format(item, depth + 1) for item in value) + "]"
    if isinstance(value, Mapping):
        pairs = [f"{_format(k, depth + 1)}:{_format(v, depth + 1)}" for k, v in value.items()]
        return "map[" + " ".join(sorted(pairs)) + "]"  # Go prints maps with sorted keys
    if isinstance(value, timedelta):
        return _format_duration(value)
    return str(value)


def _format_float(value: float) -> str:
    """Go's shortest ``%v``: exponent form when the decimal exponent is < -4 or >= 6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    power = point - 1
    if power < -4 or power >= 6:
        tail = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{tail}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _format_duration(value: timedelta) -> str:
    """Go's ``time.Duration.String()``, at the microsecond resolution timedelta keeps."""
    micros = value // timedelta(microseconds=1)
    if micros == 0:
        return "0s"
    sign, micros = ("-", -micros) if micros < 0 else ("", micros)
    if micros < 1000:
        return f"{sign}{micros}µs"
    if micros < 1_000_000:
        return f"{sign}{_trim_decimal(micros, 1000)}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = _trim_decimal(rest, 1_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _trim_decimal(amount: int, unit: int) -> str:
    whole, part = divmod(amount, unit)
    if not part:
        return str(whole)
    width = len(str(unit)) - 1
    return f"{whole}.{str(part).zfill(width).rstrip('0')}"


# ---- operators


def _compare(op: str, left: Any, right: Any) -> bool:
    comparable = (
        (_is_number(left) and _is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, timedelta) and isinstance(right, timedelta))
        or (isinstance(left, datetime) and isinstance(right, datetime))
    )
    if not comparable:
        raise _Fault(f"cannot compare {_kind(left)} with {_kind(right)}")
    try:
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op == "<=":
            return left <= right
        return left >= right
    except TypeError:  # naive vs aware datetimes
        raise _Fault(f"cannot compare {_kind(left)} with {_kind(right)}") from None


def _add(left: Any, right: Any) -> Any:
    if _is_int(left) and _is_int(right):
        return _wrap_int(left + right)
    if _is_number(left) and _is_number(right):
        return _as_float(left) + _as_float(right)
    if isinstance(left, str) and isinstance(right, str):
        _check_string_size(len(left) + len(right))
        return left + right
    if _adds_time(left, right):
        return _time_arithmetic(lambda: left + right)
    raise _cannot_apply("+", left, right)


def _subtract(left: Any, right: Any) -> Any:
    if _is_int(left) and _is_int(right):
        return _wrap_int(left - right)
    if _is_number(left) and _is_number(right):
        return _as_float(left) - _as_float(right)
    if _subtracts_time(left, right):
        return _time_arithmetic(lambda: left - right)
    raise _cannot_apply("-", left, right)


def _multiply(left: Any, right: Any) -> Any:
    if _is_int(left) and _is_int(right):
        return _wrap_int(left * right)
    if _is_number(left) and _is_number(right):
        return _as_float(left) * _as_float(right)
    raise _cannot_apply("*", left, right)


def _divide(left: Any, right: Any) -> float:
    """expr's ``/`` always divides as floats, so x/0 is +-Inf (or NaN), never an error."""
    if not (_is_number(left) and _is_number(right)):
        raise _cannot_apply("/", left, right)
    dividend, divisor = _as_float(left), _as_float(right)
    if divisor == 0:
        if dividend == 0 or math.isnan(dividend):
            return math.nan
        return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)
    return dividend / divisor


def _modulo(left: Any, right: Any) -> int:
    if not (_is_int(left) and _is_int(right)):
        raise _cannot_apply("%", left, right)
    if right == 0:
        raise _Fault("integer divide by zero")
    remainder = abs(left) % abs(right)  # Go's remainder takes the dividend's sign
    return _wrap_int(-remainder if left < 0 else remainder)


def _power(left: Any, right: Any) -> float:
    """Go's math.Pow: always a float; overflow gives Inf, domain errors NaN."""
    if not (_is_number(left) and _is_number(right)):
        raise _cannot_apply("**", left, right)
    base, exponent = _as_float(left), _as_float(right)
    odd_integer = exponent.is_integer() and exponent % 2 == 1
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return -math.inf if base < 0 and odd_integer else math.inf
    except ValueError:
        if base == 0:  # zero to a negative power
            return math.copysign(math.inf, base) if odd_integer else math.inf
        return math.nan


def _make_range(left: Any, right: Any) -> list[int]:
    if not (_is_int(left) and _is_int(right)):
        raise _cannot_apply("..", left, right)
    size = right - left + 1
    if size > MAX_RANGE_LENGTH:
        raise _Fault(f"range {left}..{right} has {size} elements, more than the limit of "
                     f"{MAX_RANGE_LENGTH}")
    return list(range(left, right + 1))


def _member_of(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    if _is_array(haystack):
        return any(_equal(item, needle) for item in haystack)
    if isinstance(haystack, Mapping):
        try:
            return needle in haystack
        except TypeError:  # unhashable needle such as an array
            return False
    raise _Fault(f'operator "in" not defined on {_kind(haystack)}')


def _string_operator(op: str, left: Any, right: Any) -> bool:
    if not (isinstance(left, str) and isinstance(right, str)):
        raise _cannot_apply(op, left, right)
    if op == "contains":
        return right in left
    if op == "startsWith":
        return left.startswith(right)
    if op == "endsWith":
        return left.endswith(right)
    pattern = _compile_pattern(right)
    if isinstance(pattern, str):
        raise _Fault(pattern)
    return pattern.search(left) is not None


def _adds_time(left: Any, right: Any) -> bool:
    """time + duration, duration + time or duration + duration."""
    if isinstance(left, timedelta):
        return isinstance(right, (datetime, timedelta))
    return isinstance(left, datetime) and isinstance(right, timedelta)


def _subtracts_time(left: Any, right: Any) -> bool:
    """time - duration, time - time or duration - duration."""
    if isinstance(left, datetime):
        return isinstance(right, (datetime, timedelta))
    return isinstance(left, timedelta) and isinstance(right, timedelta)


def _time_arithmetic(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except (OverflowError, TypeError):
        raise _Fault("time value out of range") from None


def _cannot_apply(op: str, left: Any, right: Any) -> _Fault:
    return _Fault(f"cannot apply {op} to {_kind(left)} and {_kind(right)}")


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add, "-": _subtract, "*": _multiply, "/": _divide, "%": _modulo, "**": _power,
    "..": _make_range,
}


# ---- regular expressions


@lru_cache(maxsize=256)
def _compile_pattern(pattern: str) -> re.Pattern[str] | str:
    """The compiled pattern, or the reason it is refused (cached either way)."""
    refusal = _risky_pattern(pattern)
    if refusal:
        return f'invalid regular expression "{pattern[:100]}": {refusal}'
    try:
        return re.compile(pattern)
    except re.error as problem:
        return f'invalid regular expression "{pattern[:100]}": {problem.msg}'


def _risky_pattern(pattern: str) -> str | None:
    """Refuse what Go's RE2 lacks and what makes Python's backtracking engine blow up.

    Nested unbounded repetition such as ``(a+)+`` is the classic catastrophic case; it
    is a heuristic, not a proof of linear time.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern longer than {MAX_PATTERN_LENGTH} characters"
    group_repeats = [False]  # per open group: does it contain a repetition?
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if pattern[index + 1: index + 2] in tuple("123456789"):
                return "backreferences are not supported"
            index += 2
            continue
        if char == "[":
            index = _skip_character_class(pattern, index)
            continue
        if char == "(":
            if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), index):
                return "lookaround assertions are not supported"
            group_repeats.append(False)
        elif char == ")" and len(group_repeats) > 1:
            inner = group_repeats.pop()
            repeated = _repetition_at(pattern, index + 1)
            if inner and repeated:
                return "nested repetition such as (a+)+ can take exponential time"
            group_repeats[-1] = group_repeats[-1] or inner or repeated
        elif _repetition_at(pattern, index):
            group_repeats[-1] = True
        index += 1
    return None


_BOUNDED_REPEAT = re.compile(r"\{(\d*),?(\d*)\}")


def _repetition_at(pattern: str, index: int) -> bool:
    """Is there an unbounded or ranged repetition (``*``, ``+``, ``{n,}``, ``{n,m}``) here?"""
    char = pattern[index: index + 1]
    if char in ("*", "+"):
        return True
    if char == "{":
        match = _BOUNDED_REPEAT.match(pattern, index)
        return bool(match) and "," in match.group(0) and match.group(1) != match.group(2)
    return False


def _skip_character_class(pattern: str, index: int) -> int:
    index += 1
    if pattern[index: index + 1] == "^":
        index += 1
    if pattern[index: index + 1] == "]":  # a leading ] is literal
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


# --------------------------------------------------------------------------- interpreter


class _NilChain(Exception):
    """Internal: ``?.`` met nil; the enclosing OptionalChain turns the chain into nil."""


_NO_ACCUMULATOR = object()


@dataclass(frozen=True, slots=True)
class _Frame:
    element: Any
    index: int
    accumulator: Any


class _Interpreter:
    def __init__(self, env: Mapping[str, Any], clock: Callable[[], datetime]) -> None:
        self.env = env
        self.clock = clock
        self.steps = 0
        self.frames: list[_Frame] = []  # innermost predicate last
        self.variables: dict[str, Any] = {}  # `let` bindings in scope

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise _Fault(f"evaluation exceeded the budget of {MAX_STEPS} steps", locate=False)

    def visit(self, node: Node) -> Any:
        self.spend()
        try:
            return _HANDLERS[type(node)](self, node)
        except _Fault as fault:
            if fault.offset is None and fault.locate:
                fault.offset = node.offset  # the innermost node gets the blame
            raise

    def apply(self, predicate: Node, element: Any, index: int,
              accumulator: Any = _NO_ACCUMULATOR) -> Any:
        if not isinstance(predicate, Predicate):
            raise _Fault("expected a predicate")
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
            key = self.visit(key_node)
            if not (key is None or isinstance(key, (str, int, float))):
                raise _Fault(f"cannot use {_kind(key)} as a map key", key_node.offset)
            result[key] = self.visit(value_node)
        return result

    def name(self, node: Name) -> Any:
        if node.name in self.variables:
            return self.variables[node.name]
        if node.name in self.env:
            return self.env[node.name]
        raise _Fault(f'unknown name "{node.name}"')

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
        return _fetch(target, key)

    def slice_of(self, node: SliceOf) -> Any:
        target = self.visit(node.target)
        start = None if node.start is None else _to_index(self.visit(node.start))
        stop = None if node.stop is None else _to_index(self.visit(node.stop))
        if not (_is_array(target) or isinstance(target, str)):
            raise _Fault(f"cannot slice {_kind(target)}")
        self.spend(_bulk_cost(len(target)))
        return _go_slice(target, start, stop)

    def optional_chain(self, node: OptionalChain) -> Any:
        try:
            return self.visit(node.inner)
        except _NilChain:
            return None

    def unary(self, node: Unary) -> Any:
        value = self.visit(node.operand)
        if node.op == "not":
            if not isinstance(value, bool):
                raise _Fault(f"cannot apply not to {_kind(value)}")
            return not value
        if _is_int(value):
            return _wrap_int(-value) if node.op == "-" else value
        if isinstance(value, float) or (isinstance(value, timedelta) and node.op == "-"):
            return -value if node.op == "-" else value
        raise _Fault(f"cannot apply unary {node.op} to {_kind(value)}")

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            return self._logical(node)
        left = self.visit(node.left)
        if op == "??":
            return self.visit(node.right) if left is None else left
        right = self.visit(node.right)
        if op in ("==", "!="):
            self.spend(_bulk_cost(_size(left) + _size(right)))
            return _equal(left, right) == (op == "==")
        if op in ("<", ">", "<=", ">="):
            return _compare(op, left, right)
        if op == "in":
            self.spend(_bulk_cost(_size(right)))
            return _member_of(left, right)
        if op in ("contains", "startsWith", "endsWith", "matches"):
            self.spend(_text_cost(len(left) if isinstance(left, str) else 0))
            return _string_operator(op, left, right)
        result = _ARITHMETIC[op](left, right)
        if isinstance(result, list):
            self.spend(_bulk_cost(len(result)))
        elif isinstance(result, str):
            self.spend(_text_cost(len(result)))
        return result

    def _logical(self, node: Binary) -> bool:
        left = self.visit(node.left)
        if not isinstance(left, bool):
            raise _Fault(f"operator {node.op} expects bool operands, got {_kind(left)}",
                         node.left.offset)
        if left == (node.op == "or"):  # short-circuit
            return left
        right = self.visit(node.right)
        if not isinstance(right, bool):
            raise _Fault(f"operator {node.op} expects bool operands, got {_kind(right)}",
                         node.right.offset)
        return right

    def conditional(self, node: Conditional) -> Any:
        test = self.visit(node.test)
        if not isinstance(test, bool):
            raise _Fault(f"condition of ?: must be bool, got {_kind(test)}", node.test.offset)
        return self.visit(node.then if test else node.otherwise)

    def call(self, node: Call) -> Any:
        spec = _BUILTINS[node.function]
        args = [arg if index == spec.predicate_at else self.visit(arg)
                for index, arg in enumerate(node.args)]
        return spec.run(self, args)

    def predicate(self, node: Predicate) -> Any:
        raise _Fault("a predicate can only be passed to a function")

    def let(self, node: Let) -> Any:
        value = self.visit(node.value)
        outer = self.variables
        self.variables = {**outer, node.name: value}
        try:
            return self.visit(node.body)
        finally:
            self.variables = outer


_HANDLERS: dict[type, Callable[[_Interpreter, Any], Any]] = {
    Literal: _Interpreter.literal,
    ArrayLiteral: _Interpreter.array_literal,
    MapLiteral: _Interpreter.map_literal,
    Name: _Interpreter.name,
    Pointer: _Interpreter.pointer,
    Member: _Interpreter.member,
    SliceOf: _Interpreter.slice_of,
    OptionalChain: _Interpreter.optional_chain,
    Unary: _Interpreter.unary,
    Binary: _Interpreter.binary,
    Conditional: _Interpreter.conditional,
    Call: _Interpreter.call,
    Predicate: _Interpreter.predicate,
    Let: _Interpreter.let,
}


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (list, tuple, Mapping)) else 0


def _fetch(target: Any, key: Any) -> Any:
    """``target[key]`` / ``target.key`` with Go map and slice semantics."""
    if isinstance(target, Mapping):
        try:
            return target.get(key)  # a missing key reads as nil, like a Go map
        except TypeError:
            raise _Fault(f"cannot use {_kind(key)} as a map key") from None
    if _is_array(target) or isinstance(target, str):
        if isinstance(key, str):
            raise _Fault(f"cannot fetch {key} from {_kind(target)}")
        index = _to_index(key)
        position = index + len(target) if index < 0 else index
        if not 0 <= position < len(target):
            raise _Fault(f"index out of range: {index} (array length is {len(target)})")
        return target[position]
    raise _Fault(f"cannot fetch {_format_key(key)} from {_kind(target)}")


def _format_key(key: Any) -> str:
    return str(key) if isinstance(key, str) or _is_number(key) else _kind(key)


def _go_slice(target: Any, start: int | None, stop: int | None) -> Any:
    """Go-expr slicing: negative bounds count from the end, then everything clamps."""
    length = len(target)
    low = 0 if start is None else start + length if start < 0 else start
    high = length if stop is None else stop + length if stop < 0 else stop
    high = min(max(high, 0), length)
    low = min(max(low, 0), high)
    sliced = target[low:high]
    return list(sliced) if isinstance(sliced, tuple) else sliced


# --------------------------------------------------------------------------- builtins


@dataclass(frozen=True)
class _Builtin:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    predicate_at: int | None  # which argument is a closure, if any
    run: Callable[[_Interpreter, list[Any]], Any]


_BUILTINS: dict[str, _Builtin] = {}


def _builtin(name: str, min_args: int, max_args: int | None = -1,
             predicate_at: int | None = None) -> Callable[[Callable], Callable]:
    def register(run: Callable[[_Interpreter, list[Any]], Any]) -> Callable:
        _BUILTINS[name] = _Builtin(name, min_args, min_args if max_args == -1 else max_args,
                                   predicate_at, run)
        return run
    return register


def _want_array(function: str, value: Any) -> list[Any] | tuple[Any, ...]:
    if not _is_array(value):
        raise _Fault(f"{function} expects an array, got {_kind(value)}")
    return value


def _want_string(function: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _Fault(f"invalid argument for {function} (type {_kind(value)})")
    return value


def _want_int(function: str, value: Any) -> int:
    if not _is_number(value):
        raise _Fault(f"invalid argument for {function} (type {_kind(value)})")
    return _to_index(value)


def _bad_argument(function: str, value: Any) -> _Fault:
    return _Fault(f"invalid argument for {function} (type {_kind(value)})")


# ---- predicates: all(xs, {# > 0}), filter(xs, .ok), ...


def _verdicts(interp: _Interpreter, function: str, collection: Any,
              predicate: Node) -> Iterator[tuple[int, Any, bool]]:
    for index, item in enumerate(_want_array(function, collection)):
        verdict = interp.apply(predicate, item, index)
        if not isinstance(verdict, bool):
            raise _Fault(f"predicate of {function} must return bool, got {_kind(verdict)}",
                         predicate.offset)
        yield index, item, verdict


@_builtin("all", 2, predicate_at=1)
def _all(interp: _Interpreter, args: list[Any]) -> bool:
    return all(verdict for _, _, verdict in _verdicts(interp, "all", args[0], args[1]))


@_builtin("any", 2, predicate_at=1)
def _any(interp: _Interpreter, args: list[Any]) -> bool:
    return any(verdict for _, _, verdict in _verdicts(interp, "any", args[0], args[1]))


@_builtin("none", 2, predicate_at=1)
def _none(interp: _Interpreter, args: list[Any]) -> bool:
    return not any(verdict for _, _, verdict in _verdicts(interp, "none", args[0], args[1]))


@_builtin("one", 2, predicate_at=1)
def _one(interp: _Interpreter, args: list[Any]) -> bool:
    matches = 0
    for _, _, verdict in _verdicts(interp, "one", args[0], args[1]):
        matches += verdict
        if matches > 1:
            return False
    return matches == 1


@_builtin("filter", 2, predicate_at=1)
def _filter(interp: _Interpreter, args: list[Any]) -> list[Any]:
    return [item for _, item, verdict in _verdicts(interp, "filter", args[0], args[1]) if verdict]


@_builtin("map", 2, predicate_at=1)
def _map(interp: _Interpreter, args: list[Any]) -> list[Any]:
    items = _want_array("map", args[0])
    return [interp.apply(args[1], item, index) for index, item in enumerate(items)]


@_builtin("count", 1, 2, predicate_at=1)
def _count(interp: _Interpreter, args: list[Any]) -> int:
    if len(args) == 2:
        return sum(verdict for _, _, verdict in _verdicts(interp, "count", args[0], args[1]))
    items = _want_array("count", args[0])
    interp.spend(_bulk_cost(len(items)))
    for item in items:
        if not isinstance(item, bool):
            raise _Fault(f"count without a predicate expects bools, got {_kind(item)}")
    return sum(items)


@_builtin("find", 2, predicate_at=1)
def _find(interp: _Interpreter, args: list[Any]) -> Any:
    return next((item for _, item, hit in _verdicts(interp, "find", args[0], args[1]) if hit), None)


@_builtin("findIndex", 2, predicate_at=1)
def _find_index(interp: _Interpreter, args: list[Any]) -> int:
    return next((i for i, _, hit in _verdicts(interp, "findIndex", args[0], args[1]) if hit), -1)


@_builtin("findLast", 2, predicate_at=1)
def _find_last(interp: _Interpreter, args: list[Any]) -> Any:
    hit = _last_hit(interp, "findLast", args)
    return None if hit is None else args[0][hit]


@_builtin("findLastIndex", 2, predicate_at=1)
def _find_last_index(interp: _Interpreter, args: list[Any]) -> int:
    hit = _last_hit(interp, "findLastIndex", args)
    return -1 if hit is None else hit


def _last_hit(interp: _Interpreter, function: str, args: list[Any]) -> int | None:
    items = _want_array(function, args[0])
    for index in range(len(items) - 1, -1, -1):
        verdict = interp.apply(args[1], items[index], index)
        if not isinstance(verdict, bool):
            raise _Fault(f"predicate of {function} must return bool, got {_kind(verdict)}")
        if verdict:
            return index
    return None


@_builtin("reduce", 2, 3, predicate_at=1)
def _reduce(interp: _Interpreter, args: list[Any]) -> Any:
    items = _want_array("reduce", args[0])
    if len(args) == 3:
        accumulator, start = args[2], 0
    elif items:
        accumulator, start = items[0], 1
    else:
        raise _Fault("reduce of an empty array needs an initial value")
    for index in range(start, len(items)):
        accumulator = interp.apply(args[1], items[index], index, accumulator)
    return accumulator


@_builtin("sum", 1, 2, predicate_at=1)
def _sum(interp: _Interpreter, args: list[Any]) -> int | float:
    items = _want_array("sum", args[0])
    if len(args) == 2:
        items = [interp.apply(args[1], item, index) for index, item in enumerate(items)]
    interp.spend(_bulk_cost(len(items)))
    total: int | float = 0
    for item in items:
        if not _is_number(item):
            raise _bad_argument("sum", item)
        total = _add(total, item)
    return total


# ---- aggregates over numbers: mean(xs), max(a, b), max(xs)


def _numbers(interp: _Interpreter, function: str, args: list[Any]) -> list[int | float]:
    """Numbers among the arguments, one level of arrays flattened, as expr does."""
    found: list[int | float] = []
    for arg in args:
        for item in arg if _is_array(arg) else [arg]:
            if not _is_number(item):
                raise _bad_argument(function, item)
            found.append(item)
    interp.spend(_bulk_cost(len(found)))
    return found


@_builtin("max", 1, None)
def _max(interp: _Interpreter, args: list[Any]) -> Any:
    return _extreme(_numbers(interp, "max", args), lambda best, item: item > best)


@_builtin("min", 1, None)
def _min(interp: _Interpreter, args: list[Any]) -> Any:
    return _extreme(_numbers(interp, "min", args), lambda best, item: item < best)


def _extreme(numbers: list[int | float], better: Callable[[Any, Any], bool]) -> Any:
    best = None
    for item in numbers:
        if best is None or better(best, item):
            best = item
    return best  # nil when there was nothing to compare


@_builtin("mean", 1, None)
def _mean(interp: _Interpreter, args: list[Any]) -> float:
    numbers = _numbers(interp, "mean", args)
    return math.fsum(_as_float(n) for n in numbers) / len(numbers) if numbers else 0.0


@_builtin("median", 1, None)
def _median(interp: _Interpreter, args: list[Any]) -> float:
    numbers = sorted(_as_float(n) for n in _numbers(interp, "median", args))
    if not numbers:
        return 0.0
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


# ---- numbers


@_builtin("abs", 1)
def _abs(interp: _Interpreter, args: list[Any]) -> int | float:
    value = args[0]
    if _is_int(value):
        return _wrap_int(abs(value))
    if isinstance(value, float):
        return abs(value)
    raise _bad_argument("abs", value)


def _rounding(function: str, rule: Callable[[float], float]) -> Callable:
    def run(interp: _Interpreter, args: list[Any]) -> float:
        value = args[0]
        if not _is_number(value):
            raise _bad_argument(function, value)
        number = _as_float(value)
        return number if not math.isfinite(number) else float(rule(number))
    return run


def _round_half_away(number: float) -> float:
    """Go's math.Round (Python's round() rounds half to even)."""
    whole = math.trunc(number)
    if abs(number - whole) >= 0.5:
        whole += math.copysign(1, number)
    return math.copysign(whole, number)


_builtin("ceil", 1)(_rounding("ceil", math.ceil))
_builtin("floor", 1)(_rounding("floor", math.floor))
_builtin("round", 1)(_rounding("round", _round_half_away))


def _to_int(function: str) -> Callable[[_Interpreter, list[Any]], int]:
    """`int` and Argo's `asInt`: ints as they are, floats truncated, decimal strings parsed as Go parses them."""

    def convert(interp: _Interpreter, args: list[Any]) -> int:
        value = args[0]
        if _is_int(value):
            return value
        if isinstance(value, float):
            return _float_to_int(function, value)
        if isinstance(value, str):
            return _parse_go_int(function, value)
        raise _bad_argument(function, value)

    return convert


def _to_float(function: str) -> Callable[[_Interpreter, list[Any]], float]:
    """`float` and Argo's `asFloat`: numbers as floats, decimal strings (and Inf/NaN) parsed as Go parses them."""

    def convert(interp: _Interpreter, args: list[Any]) -> float:
        value = args[0]
        if _is_number(value):
            return _as_float(value)
        if isinstance(value, str):
            return _parse_go_float(function, value)
        raise _bad_argument(function, value)

    return convert


_builtin("int", 1)(_to_int("int"))
_builtin("float", 1)(_to_float("float"))


_GO_INT = re.compile(r"[+-]?[0-9]{1,20}")
_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE)


def _parse_go_int(function: str, text: str) -> int:
    """strconv.Atoi: optional sign and decimal digits only (no spaces, no underscores)."""
    if not _GO_INT.fullmatch(text):
        raise _Fault(f'{function}: cannot parse "{text[:50]}" as int')
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _Fault(f'{function}: "{text}" is out of range for int')
    return value


def _parse_go_float(function: str, text: str) -> float:
    """strconv.ParseFloat for decimal text, plus Inf/NaN spelled any case."""
    if len(text) > 400 or not _GO_FLOAT.fullmatch(text):  # no float needs 400 characters
        raise _Fault(f'{function}: cannot parse "{text[:50]}" as float')
    value = float(text)
    if math.isinf(value) and "inf" not in text.lower():
        raise _Fault(f'{function}: "{text[:50]}" is out of range for float')
    return value


def _float_to_int(function: str, value: float) -> int:
    if not math.isfinite(value):
        raise _Fault(f"{function}: cannot convert {_format_float(value)} to int")
    return _wrap_int(int(value))  # truncates toward zero, as Go does


# ---- Argo Rollouts' additions


_builtin("asInt", 1)(_to_int("asInt"))
_builtin("asFloat", 1)(_to_float("asFloat"))


@_builtin("isNaN", 1)
def _is_nan(interp: _Interpreter, args: list[Any]) -> bool:
    value = args[0]
    if not _is_number(value):
        raise _bad_argument("isNaN", value)
    return isinstance(value, float) and math.isnan(value)


@_builtin("isInf", 1)
def _is_inf(interp: _Interpreter, args: list[Any]) -> bool:
    value = args[0]
    if not _is_number(value):
        raise _bad_argument("isInf", value)
    return isinstance(value, float) and math.isinf(value)


@_builtin("isNil", 1)
def _is_nil(interp: _Interpreter, args: list[Any]) -> bool:
    return args[0] is None


@_builtin("default", 2)
def _default(interp: _Interpreter, args: list[Any]) -> Any:
    return args[1] if args[0] is None else args[0]


# ---- strings


@_builtin("string", 1)
def _string(interp: _Interpreter, args: list[Any]) -> str:
    interp.spend(_bulk_cost(_size(args[0])))
    text = _format(args[0])
    _check_string_size(len(text))
    return text


@_builtin("trim", 1, 2)
def _trim(interp: _Interpreter, args: list[Any]) -> str:
    text = _want_string("trim", args[0])
    return text.strip() if len(args) == 1 else text.strip(_want_string("trim", args[1]))


@_builtin("trimPrefix", 1, 2)
def _trim_prefix(interp: _Interpreter, args: list[Any]) -> str:
    prefix = " " if len(args) == 1 else _want_string("trimPrefix", args[1])
    return _want_string("trimPrefix", args[0]).removeprefix(prefix)


@_builtin("trimSuffix", 1, 2)
def _trim_suffix(interp: _Interpreter, args: list[Any]) -> str:
    suffix = " " if len(args) == 1 else _want_string("trimSuffix", args[1])
    return _want_string("trimSuffix", args[0]).removesuffix(suffix)


@_builtin("upper", 1)
def _upper(interp: _Interpreter, args: list[Any]) -> str:
    text = _want_string("upper", args[0]).upper()
    _check_string_size(len(text))  # a few characters grow when upper-cased
    return text


@_builtin("lower", 1)
def _lower(interp: _Interpreter, args: list[Any]) -> str:
    return _want_string("lower", args[0]).lower()


@_builtin("split", 2, 3)
def _split(interp: _Interpreter, args: list[Any]) -> list[str]:
    text = _want_string("split", args[0])
    separator = _want_string("split", args[1])
    limit = -1 if len(args) == 2 else _want_int("split", args[2])
    interp.spend(_text_cost(len(text)))
    if limit == 0:
        return []
    if separator == "":  # Go splits into characters
        pieces = list(text)
        if 0 < limit < len(pieces):
            pieces = pieces[: limit - 1] + ["".join(pieces[limit - 1:])]
        return pieces
    return text.split(separator, limit - 1 if limit > 0 else -1)


@_builtin("replace", 3, 4)
def _replace(interp: _Interpreter, args: list[Any]) -> str:
    text, old, new = (_want_string("replace", arg) for arg in args[:3])
    limit = -1 if len(args) == 3 else _want_int("replace", args[3])
    occurrences = len(text) + 1 if old == "" else text.count(old)
    if limit >= 0:
        occurrences = min(occurrences, limit)
    _check_string_size(len(text) + occurrences * (len(new) - len(old)))
    interp.spend(_text_cost(len(text)))
    return text.replace(old, new, limit)


@_builtin("repeat", 2)
def _repeat(interp: _Interpreter, args: list[Any]) -> str:
    text = _want_string("repeat", args[0])
    times = _want_int("repeat", args[1])
    if times < 0:
        raise _Fault(f"invalid argument for repeat (expected a non-negative count, got {times})")
    _check_string_size(len(text) * times)
    interp.spend(_text_cost(len(text) * times))
    return text * times


@_builtin("join", 1, 2)
def _join(interp: _Interpreter, args: list[Any]) -> str:
    items = _want_array("join", args[0])
    glue = "" if len(args) == 1 else _want_string("join", args[1])
    for item in items:
        _want_string("join", item)
    _check_string_size(sum(map(len, items)) + len(glue) * max(len(items) - 1, 0))
    interp.spend(_bulk_cost(len(items)))
    return glue.join(items)


@_builtin("indexOf", 2)
def _index_of(interp: _Interpreter, args: list[Any]) -> int:
    # Character positions; Go counts bytes, which differs only beyond ASCII.
    return _want_string("indexOf", args[0]).find(_want_string("indexOf", args[1]))


@_builtin("lastIndexOf", 2)
def _last_index_of(interp: _Interpreter, args: list[Any]) -> int:
    return _want_string("lastIndexOf", args[0]).rfind(_want_string("lastIndexOf", args[1]))


@_builtin("hasPrefix", 2)
def _has_prefix(interp: _Interpreter, args: list[Any]) -> bool:
    return _want_string("hasPrefix", args[0]).startswith(_want_string("hasPrefix", args[1]))


@_builtin("hasSuffix", 2)
def _has_suffix(interp: _Interpreter, args: list[Any]) -> bool:
    return _want_string("hasSuffix", args[0]).endswith(_want_string("hasSuffix", args[1]))


# ---- arrays and maps


@_builtin("len", 1)
def _len(interp: _Interpreter, args: list[Any]) -> int:
    value = args[0]
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    raise _bad_argument("len", value)


@_builtin("first", 1)
def _first(interp: _Interpreter, args: list[Any]) -> Any:
    return _fetch_or_nil(args[0], 0)


@_builtin("last", 1)
def _last(interp: _Interpreter, args: list[Any]) -> Any:
    return _fetch_or_nil(args[0], -1)


@_builtin("get", 2)
def _get(interp: _Interpreter, args: list[Any]) -> Any:
    return _fetch_or_nil(args[0], args[1])


def _fetch_or_nil(target: Any, key: Any) -> Any:
    """expr's first/last/get swallow lookup failures and answer nil."""
    try:
        return _fetch(target, key)
    except _Fault:
        return None


@_builtin("take", 2)
def _take(interp: _Interpreter, args: list[Any]) -> list[Any]:
    items = _want_array("take", args[0])
    count = _want_int("take", args[1])
    return list(items[: max(count, 0)])


@_builtin("reverse", 1)
def _reverse(interp: _Interpreter, args: list[Any]) -> list[Any]:
    items = _want_array("reverse", args[0])
    interp.spend(_bulk_cost(len(items)))
    return list(reversed(items))


@_builtin("sort", 1, 2)
def _sort(interp: _Interpreter, args: list[Any]) -> list[Any]:
    items = _want_array("sort", args[0])
    order = "asc" if len(args) == 1 else _want_string("sort", args[1])
    if order not in ("asc", "desc"):
        raise _Fault(f'sort order must be "asc" or "desc", got "{order[:20]}"')
    all_numbers = all(_is_number(item) for item in items)
    if not (all_numbers or all(isinstance(item, str) for item in items)):
        raise _Fault("sort expects an array of numbers or of strings")
    interp.spend(_bulk_cost(len(items)) * 4)
    return sorted(items, reverse=order == "desc")


@_builtin("keys", 1)
def _keys(interp: _Interpreter, args: list[Any]) -> list[Any]:
    if not isinstance(args[0], Mapping):
        raise _bad_argument("keys", args[0])
    interp.spend(_bulk_cost(len(args[0])))
    return list(args[0].keys())


@_builtin("values", 1)
def _values(interp: _Interpreter, args: list[Any]) -> list[Any]:
    if not isinstance(args[0], Mapping):
        raise _bad_argument("values", args[0])
    interp.spend(_bulk_cost(len(args[0])))
    return list(args[0].values())


@_builtin("type", 1)
def _type(interp: _Interpreter, args: list[Any]) -> str:
    return _kind(args[0])


# ---- time: enough for `now() - duration("5m")`


@_builtin("now", 0)
def _now(interp: _Interpreter, args: list[Any]) -> datetime:
    return interp.clock()


_DURATION_UNITS_US = {"ns": 0.001, "us": 1, "µs": 1, "μs": 1, "ms": 1_000, "s": 1_000_000,
                      "m": 60_000_000, "h": 3_600_000_000}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]+)")


@_builtin("duration", 1)
def _duration(interp: _Interpreter, args: list[Any]) -> timedelta:
    return _parse_duration(_want_string("duration", args[0]))


def _parse_duration(text: str) -> timedelta:
    """Go's time.ParseDuration, e.g. "1h30m", "-1.5s", "300ms"."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return timedelta(0)
    total_us = 0.0
    position = 0
    while position < len(body) or position == 0:
        part = _DURATION_PART.match(body, position)
        if part is None or part.group(1) in ("", "."):
            raise _Fault(f'invalid duration "{text[:50]}"')
        unit = _DURATION_UNITS_US.get(part.group(2))
        if unit is None:
            raise _Fault(f'unknown unit "{part.group(2)[:10]}" in duration "{text[:50]}"')
        total_us += float(part.group(1)) * unit
        position = part.end()
    try:
        return timedelta(microseconds=-total_us if text.startswith("-") else total_us)
    except OverflowError:
        raise _Fault(f'duration "{text[:50]}" is out of range') from None
