"""Source text to tokens: numbers, Go-style quoted strings, names and operators (expr-lang's parser/lexer)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import Fault

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "number" | "string" | "name" | "op" | "end"
    value: Any  # decoded literal value, or the text for names and operators
    text: str  # the source slice, for messages
    offset: int

    def describe(self) -> str:
        if self.kind == "end":
            return "end of expression"
        if self.kind in ("number", "string"):
            return f"{self.kind} {self.text}"
        if self.kind == "name":
            return f'name "{self.text}"'
        return f'token "{self.text}"'


_DIGITS = "0123456789"
_TWO_CHAR_OPERATORS = frozenset({"**", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", ".."})
_ONE_CHAR_OPERATORS = frozenset("+-*/%^<>!?:.,|#()[]{};=")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_SIMPLE_ESCAPES |= {"\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?"}
_HEX_ESCAPE_WIDTH = {"x": 2, "X": 2, "u": 4, "U": 8}
_MOST_BRACED_HEX_DIGITS = 6  # \u{1F600}
_BASE_PREFIXES = {"x": 16, "o": 8, "b": 2}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = _skip_blank(text, 0)
    while index < len(text):
        token, index = _next_token(text, index)
        tokens.append(token)
        index = _skip_blank(text, index)
    # The end sits right after the last visible character, where the user's cursor is.
    tokens.append(Token("end", None, "", len(text.rstrip())))
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
                raise Fault("unterminated comment", index)
            index = close + 2
        else:
            break
    return index


def _next_token(text: str, index: int) -> tuple[Token, int]:
    char = text[index]
    following = text[index + 1 : index + 2]
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
        return Token("name", word, word, index), end
    pair = text[index : index + 2]
    # `a ?.5 : 1` is a ternary with .5, not an optional member.
    if pair in _TWO_CHAR_OPERATORS and not (pair == "?." and text[index + 2 : index + 3] in tuple(_DIGITS)):
        return Token("op", pair, pair, index), index + 2
    if char in _ONE_CHAR_OPERATORS:
        return Token("op", char, char, index), index + 1
    raise Fault(f'unexpected character "{char}"', index)


def _lex_number(text: str, start: int) -> tuple[Token, int]:
    prefix = text[start : start + 2].lower()
    if prefix[:1] == "0" and prefix[1:] in _BASE_PREFIXES:
        end = _scan_word(text, start + 2)
        return _number_token(text, start, end, base=_BASE_PREFIXES[prefix[1]]), end
    end = _scan_digits(text, start)
    if text[end : end + 1] == "." and text[end + 1 : end + 2] in tuple(_DIGITS):
        end = _scan_digits(text, end + 1)
    if text[end : end + 1] in ("e", "E"):
        exponent = end + 1
        if text[exponent : exponent + 1] in ("+", "-"):
            exponent += 1
        if text[exponent : exponent + 1] in tuple(_DIGITS):
            end = _scan_digits(text, exponent)
    # `1abc` or `1e` is a typo, not the number 1 followed by a name.
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end = _scan_word(text, end)
        raise Fault(f'invalid number literal "{text[start:end]}"', start)
    return _number_token(text, start, end, base=10), end


def _scan_digits(text: str, index: int) -> int:
    while index < len(text) and (text[index] in _DIGITS or text[index] == "_"):
        index += 1
    return index


def _scan_word(text: str, index: int) -> int:
    while index < len(text) and (text[index].isalnum() or text[index] == "_"):
        index += 1
    return index


def _number_token(text: str, start: int, end: int, base: int) -> Token:
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
        raise Fault(f'invalid number literal "{literal}"', start) from None
    if is_float and math.isinf(value):
        raise Fault(f'float literal "{literal}" is too large', start)
    if not is_float and value > INT64_MAX:
        raise Fault(f'integer literal "{literal}" is too large', start)
    return Token("number", value, literal, start)


def _lex_quoted(text: str, start: int) -> tuple[Token, int]:
    quote = text[start]
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return Token("string", "".join(parts), text[start : index + 1], start), index + 1
        if char == "\\":
            decoded, index = _unescape(text, index)
            parts.append(decoded)
        else:
            parts.append(char)
            index += 1
    raise Fault("unterminated string literal", start)


def _unescape(text: str, index: int) -> tuple[str, int]:
    """Decode the Go-style escape sequence starting at the backslash ``text[index]``."""
    kind = text[index + 1 : index + 2]
    if not kind:
        raise Fault("unterminated string literal", index)
    if kind in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[kind], index + 2
    code, end = None, index
    if kind == "u" and text[index + 2 : index + 3] == "{":
        close = text.find("}", index + 3, index + 4 + _MOST_BRACED_HEX_DIGITS)
        digits = text[index + 3 : close]
        code, end = (_parse_code(digits, 16, len(digits)) if close > 0 and digits else None), close + 1
    elif kind in _HEX_ESCAPE_WIDTH:
        width = _HEX_ESCAPE_WIDTH[kind]
        code, end = _parse_code(text[index + 2 : index + 2 + width], 16, width), index + 2 + width
    elif kind in "0123":  # exactly three octal digits
        code, end = _parse_code(text[index + 1 : index + 4], 8, 3), index + 4
    if code is None or code > 0x10FFFF:
        raise Fault(f'invalid escape sequence "\\{kind}"', index)
    # A surrogate is no character; Go turns it into the replacement character.
    return ("\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)), end


def _parse_code(digits: str, base: int, width: int) -> int | None:
    allowed = "0123456789abcdefABCDEF" if base == 16 else "01234567"
    if len(digits) != width or any(c not in allowed for c in digits):
        return None
    return int(digits, base)


def _lex_raw(text: str, start: int) -> tuple[Token, int]:
    """A backtick string takes no escapes, except that a doubled backtick stands for one."""
    parts: list[str] = []
    index = start + 1
    while True:
        close = text.find("`", index)
        if close < 0:
            raise Fault("unterminated string literal", start)
        parts.append(text[index:close])
        if text[close + 1 : close + 2] != "`":
            return Token("string", "`".join(parts), text[start : close + 1], start), close + 1
        index = close + 2


class TokenCursor:
    """Walks the token list; knows nothing of the grammar."""

    def __init__(self, text: str) -> None:
        self._tokens = tokenize(text)
        self._index = 0

    @property
    def current(self) -> Token:
        return self._tokens[self._index]

    def peek(self, distance: int = 1) -> Token:
        return self._tokens[min(self._index + distance, len(self._tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "end":
            self._index += 1
        return token

    def at(self, op: str) -> bool:
        return self.current.kind == "op" and self.current.value == op

    def at_word(self, word: str) -> bool:
        return self.current.kind == "name" and self.current.value == word

    def expect(self, op: str) -> Token:
        if not self.at(op):
            found = self.current
            if found.kind == "end":
                raise Fault(f'unexpected end of expression (expected "{op}")', found.offset)
            raise Fault(f'expected "{op}", found {found.describe()}', found.offset)
        return self.advance()

    def expect_separator(self, closer: str) -> None:
        """Between items of a list: a comma, or (reported) the closer that was missing."""
        if self.at(","):
            self.advance()
            return
        found = self.current
        if found.kind == "end":
            raise Fault(f'unexpected end of expression (expected "," or "{closer}")', found.offset)
        raise Fault(f'expected "," or "{closer}", found {found.describe()}', found.offset)

    def unexpected(self) -> Fault:
        token = self.current
        if token.kind == "end":
            return Fault("unexpected end of expression", token.offset)
        return Fault(f"unexpected {token.describe()}", token.offset)
