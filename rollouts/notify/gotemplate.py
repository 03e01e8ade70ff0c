"""Parse the subset of Go's text/template that Argo's notification templates use.

Actions `{{ … }}` with `{{-`/`-}}` trimming; fields (`.rollout.metadata.name`, `$c.image`, `$`), string, number and
boolean literals, function calls and pipelines (`x | f a`), parentheses; `if`/`else if`/`else`/`end`, `range` (with
`$i, $c :=`), `with`, variable declarations. Anything else is a `TemplateError` naming the template and the
line:column. Pure: a hand-written lexer and parser, never eval. Execution lives in `rollouts.notify.render`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEMPLATE_CHARS = 64 * 1024


class TemplateError(ValueError):
    def __init__(self, template: str, position: str, reason: str) -> None:
        super().__init__(f"{template}: {position}: {reason}")
        self.template, self.position, self.reason = template, position, reason


@dataclass(frozen=True)
class Field:
    base: str
    """"." (the dot), "$" or "$name"."""
    path: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Function:
    name: str


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[tuple[Operand, ...], ...]
    declare: tuple[str, ...] = ()
    at: int = 0


Operand = Field | Literal | Function | Pipeline


@dataclass
class Text:
    text: str


@dataclass
class Print:
    pipeline: Pipeline


@dataclass
class Block:
    """`if`, `range` or `with`: its body, and the `else` branch (an `else if` is an `if` inside `otherwise`)."""

    kind: str
    pipeline: Pipeline
    body: list[Node] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


Node = Text | Print | Block

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|`[^`]*`)
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<var>\$[A-Za-z0-9_]*)
    | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>:=|[|(),=])
    )""",
    re.VERBOSE,
)
_FIELD_TAIL = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_KEYWORDS = {"if", "range", "with", "else", "end"}


def _position(source: str, offset: int) -> str:
    line = source.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (source.rfind(chr(10), 0, offset) + 1) + 1}"


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


class _Parser:
    def __init__(self, name: str, source: str) -> None:
        self.name, self.source = name, source

    def fail(self, offset: int, reason: str) -> TemplateError:
        return TemplateError(self.name, _position(self.source, offset), reason)

    def segments(self) -> list[tuple[str, str, int]]:
        """("text", text, offset) and ("action", inside, offset) in order, with trim markers applied."""
        out: list[tuple[str, str, int]] = []
        at, source = 0, self.source
        while (start := source.find("{{", at)) >= 0:
            end = source.find("}}", start + 2)
            if end < 0:
                raise self.fail(start, "unclosed action: missing }}")
            inner = source[start + 2 : end]
            text = source[at:start]
            if re.match(r"-(\s|$)", inner):
                text, inner = text.rstrip(), inner[1:]
            trim_after = re.search(r"(^|\s)-$", inner) is not None
            if trim_after:
                inner = inner[:-1]
            out.append(("text", text, at))
            out.append(("action", inner, start + 2))
            at = end + 2
            if trim_after:
                while at < len(source) and source[at].isspace():
                    at += 1
        out.append(("text", source[at:], at))
        return out

    def tokens(self, inner: str, offset: int) -> list[tuple[str, str, int]]:
        found: list[tuple[str, str, int]] = []
        at = 0
        while inner[at:].strip():
            match = _TOKEN.match(inner, at)
            if match is None or match.lastgroup is None:
                raise self.fail(offset + at, f"unexpected {inner[at:].strip()[:20]!r}")
            found.append((match.lastgroup, match.group(match.lastgroup), offset + match.start(match.lastgroup)))
            at = match.end()
            if match.lastgroup == "punct" and match.group("punct") == ")" and (tail := _FIELD_TAIL.match(inner, at)):
                raise self.fail(offset + at, f"field access on a parenthesized value ({tail.group()}) is not supported")
        return found

    def pipeline(self, tokens: list[tuple[str, str, int]], at: int) -> Pipeline:
        declare: tuple[str, ...] = ()
        if any(kind == "punct" and text in (":=", "=") for kind, text, _ in tokens):
            names = []
            while tokens and not (tokens[0][0] == "punct" and tokens[0][1] in (":=", "=")):
                kind, text, where = tokens.pop(0)
                if kind == "var":
                    names.append(text)
                elif not (kind == "punct" and text == ","):
                    raise self.fail(where, f"expected a variable before :=, found {text!r}")
            tokens.pop(0)
            declare = tuple(names)
        commands: list[tuple[Operand, ...]] = []
        while True:
            command = self.command(tokens, at)
            commands.append(command)
            if not tokens or tokens[0][1] != "|":
                break
            tokens.pop(0)
        if tokens:
            raise self.fail(tokens[0][2], f"unexpected {tokens[0][1]!r}")
        return Pipeline(tuple(commands), declare, at)

    def command(self, tokens: list[tuple[str, str, int]], at: int) -> tuple[Operand, ...]:
        operands: list[Operand] = []
        while tokens and tokens[0][1] not in ("|", ")"):
            kind, text, where = tokens.pop(0)
            operands.append(self.operand(kind, text, where, tokens))
        if not operands:
            raise self.fail(tokens[0][2] if tokens else at, "missing value for command")
        return tuple(operands)

    def operand(self, kind: str, text: str, where: int, tokens: list[tuple[str, str, int]]) -> Operand:
        if kind == "string":
            return Literal(_unquote(text))
        if kind == "number":
            return Literal(float(text) if "." in text else int(text))
        if kind == "field":
            return Field(".", tuple(part for part in text.split(".") if part))
        if kind == "var":
            base, _, rest = text.partition(".")
            if tokens and tokens[0][0] == "field" and tokens[0][2] == where + len(text) and tokens[0][1] != ".":
                rest = tokens.pop(0)[1].strip(".")
            return Field(base, tuple(part for part in rest.split(".") if part))
        if kind == "ident":
            if text in ("true", "false"):
                return Literal(text == "true")
            if text == "nil":
                return Literal(None)
            if text in _KEYWORDS:
                raise self.fail(where, f"unexpected keyword {text!r} inside a pipeline")
            return Function(text)
        if text == "(":
            inner: list[tuple[str, str, int]] = []
            depth = 1
            while tokens:
                token = tokens.pop(0)
                depth += {"(": 1, ")": -1}.get(token[1], 0) if token[0] == "punct" else 0
                if depth == 0:
                    return self.pipeline(inner, where)
                inner.append(token)
            raise self.fail(where, "unclosed parenthesis")
        raise self.fail(where, f"unexpected {text!r}")

    def parse(self) -> list[Node]:
        root: list[Node] = []
        stack: list[tuple[Block, list[Node], bool]] = []  # (block, where nodes go now, closes with its parent)
        nodes = root
        for kind, text, offset in self.segments():
            if kind == "text":
                if text:
                    nodes.append(Text(text))
                continue
            tokens = self.tokens(text, offset)
            if not tokens or (tokens[0][0] == "punct" and tokens[0][1] == "/"):
                continue  # empty action
            head = tokens[0][1] if tokens[0][0] == "ident" else ""
            if head in ("if", "range", "with"):
                block = Block(head, self.pipeline(tokens[1:], offset))
                nodes.append(block)
                stack.append((block, nodes, False))
                nodes = block.body
            elif head == "else":
                if not stack:
                    raise self.fail(offset, "{{else}} without {{if}}, {{range}} or {{with}}")
                block = stack[-1][0]
                nodes = block.otherwise
                if len(tokens) > 1 and tokens[1][1] == "if":
                    nested = Block("if", self.pipeline(tokens[2:], offset))
                    nodes.append(nested)
                    stack.append((nested, nodes, True))
                    nodes = nested.body
            elif head == "end":
                if not stack:
                    raise self.fail(offset, "{{end}} without an opening block")
                while True:
                    _closed, nodes, chained = stack.pop()
                    if not chained:
                        break
            elif head and head in _KEYWORDS | {"define", "template", "block", "break", "continue"}:
                raise self.fail(offset, f"{{{{{head}}}}} is not supported")
            else:
                nodes.append(Print(self.pipeline(tokens, offset)))
        if stack:
            raise self.fail(stack[-1][0].pipeline.at, f"unclosed {{{{{stack[-1][0].kind}}}}}: missing {{{{end}}}}")
        return root


def parse(name: str, source: str) -> list[Node]:
    """The template's tree; a TemplateError naming `name` and the position when it is outside our subset."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateError(name, "line 1, column 1", f"longer than {MAX_TEMPLATE_CHARS} characters")
    if "{{/*" in source:
        source = re.sub(r"\{\{-? */\*.*?\*/ *-?\}\}", "", source, flags=re.DOTALL)
    return _Parser(name, source).parse()
