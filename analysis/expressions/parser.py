"""Tokens to tree: a hand-written precedence-climbing parser (expr-lang's parser, same binding powers).

Binding powers follow expr: ternary < or < and < comparisons < .. < + - < * / % < ** < ??. The parser only
knows the grammar; names, arity, depth and constant patterns are the checker's business.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
from .builtins import BUILTINS
from .cost import MAX_DEPTH
from .errors import Fault
from .lexer import Token, TokenCursor
from .precedence import (
    BINARY_PRECEDENCE,
    CHAINABLE,
    NEGATABLE,
    RESERVED_WORDS,
    RIGHT_ASSOCIATIVE,
    UNARY_PRECEDENCE,
    UNBINDABLE_NAMES,
    binary_op,
    unary_op,
)

_NAMED_CONSTANTS = {"true": True, "false": False, "nil": None}
_POINTER_NAMES = frozenset({"index", "acc"})
_Item = TypeVar("_Item")


def too_deep() -> str:
    return f"expression is nested too deeply (more than {MAX_DEPTH} levels)"


def parse_tree(text: str) -> Node:
    return _Parser(text).parse()


class _Parser(TokenCursor):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._nesting = 0
        self._predicate_owners: list[str] = []  # builtins whose closure we are inside

    def parse(self) -> Node:
        node = self._sequence()
        if self.current.kind != "end":
            raise self.unexpected()
        return node

    def _sequence(self) -> Node:
        """``a; b; c`` where expr allows it: at the top, in a let's body, in parentheses, braces and if blocks."""
        first = self._expression(0)
        items = [first]
        while self.at(";"):
            self.advance()
            if self.current.kind == "end":  # a trailing semicolon
                break
            items.append(self._expression(0))
        return first if len(items) == 1 else Sequence(tuple(items), first.offset)

    def _expression(self, min_precedence: int) -> Node:
        self._nesting += 1
        try:
            if self._nesting > MAX_DEPTH:  # checked here so deep input never hits RecursionError
                raise Fault(too_deep(), self.current.offset)
            if min_precedence == 0 and self.at_word("let"):
                return self._let()
            if min_precedence == 0 and self.at_word("if"):
                return self._if()
            node = self._binary_tail(self._operand(), min_precedence)
            if min_precedence == 0:
                node = self._conditional_tail(node)
            return node
        finally:
            self._nesting -= 1

    def _binary_tail(self, left: Node, min_precedence: int) -> Node:
        previous_op = ""
        while True:
            op_token = self.current
            negated = self.at_word("not")
            if negated:
                op_token = self.peek()
                if binary_op(op_token) not in NEGATABLE:
                    raise Fault(
                        "expected in, matches, contains, startsWith or endsWith after "
                        f'"not", found {op_token.describe()}',
                        op_token.offset,
                    )
            op = binary_op(op_token)
            if op is None or BINARY_PRECEDENCE[op] < min_precedence:
                return left
            if previous_op == "??" and op != "??":
                raise Fault(
                    f'operator "{op_token.text}" and "??" cannot be mixed; wrap one of them in parentheses',
                    op_token.offset,
                )
            if negated:
                self.advance()
            self.advance()
            left = self._apply_operator(op, op_token, left, negated)
            previous_op = op

    def _apply_operator(self, op: str, op_token: Token, left: Node, negated: bool) -> Node:
        precedence = BINARY_PRECEDENCE[op]
        if op == "|":
            return self._piped_call(left)
        if op in CHAINABLE:
            return self._comparison_chain(left, op, op_token)
        right_power = precedence if op in RIGHT_ASSOCIATIVE else precedence + 1
        right = self._expression(right_power)
        node: Node = Binary(op, left, right, op_token.offset)
        if negated:
            node = Unary("not", node, op_token.offset)
        return node

    def _comparison_chain(self, left: Node, op: str, op_token: Token) -> Node:
        """``a < b < c`` means ``a < b and b < c``, as in expr."""
        chain: Node | None = None
        while True:
            right = self._expression(BINARY_PRECEDENCE[op] + 1)
            link = Binary(op, left, right, op_token.offset)
            chain = link if chain is None else Binary("and", chain, link, op_token.offset)
            op_token = self.current
            next_op = binary_op(op_token)
            if next_op not in CHAINABLE:
                return chain
            self.advance()
            left, op = right, next_op

    def _conditional_tail(self, node: Node) -> Node:
        while self.at("?"):
            question = self.advance()
            if self.at(":"):  # `a ?: b`, expr's short form
                self.advance()
                then, otherwise = node, self._expression(0)
            else:
                then = self._expression(0)
                self.expect(":")
                otherwise = self._expression(0)
            node = Conditional(node, then, otherwise, question.offset)
        return node

    def _let(self) -> Node:
        let_token = self.advance()
        name_token = self.current
        if name_token.kind != "name" or name_token.value in UNBINDABLE_NAMES:
            raise Fault(f"expected a variable name after let, found {name_token.describe()}", name_token.offset)
        self.advance()
        self.expect("=")
        value = self._expression(0)
        self.expect(";")
        return Let(name_token.value, value, self._sequence(), let_token.offset)

    def _if(self) -> Node:
        """``if c { a } else if d { b } else { e }``: expr's statement-like spelling of ``c ? a : ...``."""
        if_token = self.advance()
        test = self._expression(0)
        then = self._block()
        if not self.at_word("else"):
            found = self.current
            if found.kind == "end":
                raise Fault('unexpected end of expression (expected "else")', found.offset)
            raise Fault(f'expected "else", found {found.describe()}', found.offset)
        self.advance()
        otherwise = self._if() if self.at_word("if") else self._block()
        return Conditional(test, then, otherwise, if_token.offset)

    def _block(self) -> Node:
        self.expect("{")
        body = self._sequence()
        self.expect("}")
        return body

    def _operand(self) -> Node:
        token = self.current
        op = unary_op(token)
        if op is not None:
            self.advance()
            operand = self._expression(UNARY_PRECEDENCE[op])
            return Unary(op, operand, token.offset)
        return self._postfix(self._primary())

    def _primary(self) -> Node:
        token = self.current
        if token.kind in ("number", "string"):
            self.advance()
            return Literal(token.value, token.offset)
        if token.kind == "name":
            return self._named(token)
        if self.at("("):
            self.advance()
            inner = self._sequence()
            self.expect(")")
            return inner
        if self.at("["):
            return self._array_literal()
        if self.at("{"):
            return self._map_literal()
        if self.at("#") or self.at("."):
            return self._pointer()
        raise self.unexpected()

    def _named(self, token: Token) -> Node:
        word = token.value
        if word in _NAMED_CONSTANTS:
            self.advance()
            return Literal(_NAMED_CONSTANTS[word], token.offset)
        if word in RESERVED_WORDS:
            raise self.unexpected()
        self.advance()
        if self.at("("):
            return self._call(token, [])
        return Name(word, token.offset)

    def _pointer(self) -> Node:
        token = self.advance()
        if not self._predicate_owners:
            what = "#" if token.value == "#" else ".field"
            raise Fault(f"cannot use {what} outside a predicate", token.offset)
        if token.value == ".":  # `.field` inside a predicate means `#.field`
            return self._member_name(Pointer("", token.offset), optional=False)
        follower = self.current
        if follower.kind == "name" and follower.offset == token.offset + 1 and follower.value not in RESERVED_WORDS:
            self.advance()
            if follower.value not in _POINTER_NAMES:
                raise Fault(f'unknown pointer "#{follower.value}"', token.offset)
            if follower.value == "acc" and self._predicate_owners[-1] != "reduce":
                raise Fault('"#acc" is only available inside reduce', token.offset)
            return Pointer(follower.value, token.offset)
        return Pointer("", token.offset)

    def _postfix(self, node: Node) -> Node:
        saw_optional = False
        while True:
            if self.at(".") or self.at("?."):
                optional = self.advance().value == "?."
                saw_optional = saw_optional or optional
                if optional and self.at("["):
                    node = self._index_or_slice(node, optional=True)
                else:
                    node = self._member_name(node, optional)
            elif self.at("["):
                node = self._index_or_slice(node, optional=False)
            else:
                break
        return OptionalChain(node, node.offset) if saw_optional else node

    def _member_name(self, target: Node, optional: bool) -> Node:
        token = self.current
        if token.kind != "name":
            if token.kind == "end":
                raise Fault("unexpected end of expression (expected a property name)", token.offset)
            raise Fault(f"expected a property name, found {token.describe()}", token.offset)
        self.advance()
        if self.at("("):
            raise Fault(f'method calls such as "{token.value}()" are not supported', token.offset)
        return Member(target, Literal(token.value, token.offset), optional, token.offset)

    def _index_or_slice(self, target: Node, optional: bool) -> Node:
        bracket = self.expect("[")
        start = None
        if not self.at(":"):
            start = self._expression(0)
            if not self.at(":"):
                self.expect("]")
                return Member(target, start, optional, bracket.offset)
        self.advance()
        stop = None if self.at("]") else self._expression(0)
        self.expect("]")
        return SliceOf(target, start, stop, bracket.offset)

    def _array_literal(self) -> Node:
        bracket = self.expect("[")
        return ArrayLiteral(tuple(self._items("]", lambda: self._expression(0))), bracket.offset)

    def _map_literal(self) -> Node:
        brace = self.expect("{")
        return MapLiteral(tuple(self._items("}", self._map_entry)), brace.offset)

    def _items(self, closer: str, item: Callable[[], _Item]) -> list[_Item]:
        """Comma-separated items up to ``closer``, a trailing comma allowed."""
        items: list[_Item] = []
        while not self.at(closer):
            if items:
                self.expect_separator(closer)
                if self.at(closer):
                    break
            items.append(item())
        self.expect(closer)
        return items

    def _map_entry(self) -> tuple[Node, Node]:
        token = self.current
        if token.kind == "string":
            self.advance()
            key: Node = Literal(token.value, token.offset)
        elif token.kind in ("name", "number"):  # bare words and numbers are string keys in expr
            self.advance()
            key = Literal(token.text, token.offset)
        elif self.at("("):
            self.advance()
            key = self._expression(0)
            self.expect(")")
        else:
            raise Fault(
                f"a map key must be a name, a string, a number or a parenthesized expression, found {token.describe()}",
                token.offset,
            )
        self.expect(":")
        return key, self._expression(0)

    def _piped_call(self, piped: Node) -> Node:
        token = self.current
        if token.kind != "name" or self.peek().kind != "op" or self.peek().value != "(":
            raise Fault(f'expected a function call after "|", found {token.describe()}', token.offset)
        self.advance()
        return self._call(token, [piped])

    def _call(self, name_token: Token, args: list[Node]) -> Node:
        """Arguments as written; the builtin's closure argument (if any) is parsed as a predicate."""
        spec = BUILTINS.get(name_token.value)
        predicate_at = None if spec is None else spec.predicate_at
        self.expect("(")
        parsed_here = 0
        while not self.at(")"):
            if parsed_here:
                self.expect_separator(")")
                if self.at(")"):
                    break
            args.append(self._predicate(name_token.value) if len(args) == predicate_at else self._expression(0))
            parsed_here += 1
        self.expect(")")
        return Call(name_token.value, tuple(args), name_token.offset)

    def _predicate(self, owner: str) -> Node:
        start = self.current
        braced = self.at("{")
        if braced:
            self.advance()
        self._predicate_owners.append(owner)
        try:
            body = self._sequence() if braced else self._expression(0)
        finally:
            self._predicate_owners.pop()
        if braced:
            self.expect("}")
        return Predicate(body, start.offset)
