"""Execute a parsed Go template (rollouts.notify.gotemplate) against plain JSON-like data, as text/template does.

Values print as Go prints what encoding/json decoded (whole floats without a fraction, maps as `map[k:v]`, a
missing value as `<no value>`); truthiness is Go's (false, 0, nil, empty). Functions: Go's builtins that Argo's
templates use (not, and, or, eq, ne, lt, le, gt, ge, len, index, print, printf) and a few of sprig's (add, sub,
mul, upper, lower, trim, quote, default, toJson, join). Every step and every output character counts against a
budget, so no template can run long or grow large.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rollouts.notify.gotemplate import (
    Block,
    Field,
    Function,
    Literal,
    Node,
    Pipeline,
    Print,
    TemplateError,
    Text,
    parse,
)

MAX_STEPS = 100_000
MAX_OUTPUT = 256 * 1024
NO_VALUE = "<no value>"


def go_string(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_string(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_string(item) for item in value) + "]"
    return str(value)


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return bool(value) if value is not None else False


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        return int(bool(value))
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    try:
        return int(str(value))
    except ValueError:
        return 0


def _equal(first: Any, *others: Any) -> bool:
    if not others:
        raise ValueError("eq needs at least two arguments")
    return any(first == other for other in others)


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, Mapping):
            item = item.get(key)
        elif isinstance(item, list) and isinstance(key, int) and 0 <= key < len(item):
            item = item[key]
        else:
            raise ValueError(f"cannot index {go_string(item)[:40]} with {key!r}")
    return item


def _printf(form: Any, *args: Any) -> str:
    parts, values = str(form).split("%%"), list(args)
    out = []
    for part in parts:
        text = ""
        pieces = part.split("%")
        text += pieces[0]
        for piece in pieces[1:]:
            verb, rest = (piece[:1], piece[1:]) if piece else ("", "")
            value = values.pop(0) if values and verb in "vsdqft" and verb else None
            text += (json.dumps(go_string(value)) if verb == "q" else go_string(value)) + rest if verb else "%"
        out.append(text)
    return "%".join(out)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: test(_number(a), _number(b)) if not isinstance(a, str) else test(a, str(b))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "not": lambda value: not truthy(value),
    "and": lambda *values: next((v for v in values if not truthy(v)), values[-1]),
    "or": lambda *values: next((v for v in values if truthy(v)), values[-1]),
    "eq": _equal,
    "ne": lambda a, b: a != b,
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "len": lambda value: len(value) if value is not None else 0,
    "index": _index,
    "print": lambda *values: "".join(go_string(v) for v in values),
    "printf": _printf,
    "add": lambda *values: sum(_number(v) for v in values),
    "sub": lambda a, b: _number(a) - _number(b),
    "mul": lambda a, b: _number(a) * _number(b),
    "upper": lambda value: go_string(value).upper(),
    "lower": lambda value: go_string(value).lower(),
    "trim": lambda value: go_string(value).strip(),
    "quote": lambda *values: " ".join(json.dumps(go_string(v)) for v in values),
    "default": lambda fallback, value=None: value if truthy(value) else fallback,
    "toJson": lambda value: json.dumps(value, separators=(",", ":")),
    "join": lambda separator, items: str(separator).join(go_string(i) for i in items or []),
}


def _items(value: Any) -> list[tuple[Any, Any]] | None:
    """What `range` walks: a map's sorted entries, a list's indexes and items, 0..n-1 for an int (as Go 1.22)."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return sorted(value.items())
    if isinstance(value, list | tuple):
        return list(enumerate(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return [(i, i) for i in range(min(value, MAX_STEPS + 1))]
    return None


class _Run:
    def __init__(self, name: str, source: str, data: Mapping[str, Any]) -> None:
        self.name, self.source = name, source
        self.steps, self.size = 0, 0
        self.root = data

    def fail(self, at: int, reason: str) -> TemplateError:
        line = self.source.count("\n", 0, at) + 1
        return TemplateError(
            self.name, f"line {line}, column {at - (self.source.rfind(chr(10), 0, at) + 1) + 1}", reason
        )

    def step(self, at: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.fail(at, f"more than {MAX_STEPS} steps")

    def nodes(self, nodes: Sequence[Node], dot: Any, scope: dict[str, Any], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.emit(node.text, out, 0)
            elif isinstance(node, Print):
                value = self.pipeline(node.pipeline, dot, scope)
                if not node.pipeline.declare:
                    self.emit(go_string(value), out, node.pipeline.at)
            else:
                self.block(node, dot, scope, out)

    def emit(self, text: str, out: list[str], at: int) -> None:
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise self.fail(at, f"output longer than {MAX_OUTPUT} characters")
        out.append(text)

    def block(self, block: Block, dot: Any, scope: dict[str, Any], out: list[str]) -> None:
        declare = block.pipeline.declare
        value = self.pipeline(Pipeline(block.pipeline.commands, (), block.pipeline.at), dot, scope)
        inner = dict(scope)
        if block.kind == "if":
            self.nodes(block.body if truthy(value) else block.otherwise, dot, inner, out)
        elif block.kind == "with":
            if declare:
                inner[declare[-1]] = value
            self.nodes(block.body if truthy(value) else block.otherwise, value if truthy(value) else dot, inner, out)
        else:
            items = _items(value)
            if items is None:
                raise self.fail(block.pipeline.at, f"range can't iterate over {go_string(value)[:40]}")
            for key, item in items:
                self.step(block.pipeline.at)
                if len(declare) == 2:
                    inner[declare[0]], inner[declare[1]] = key, item
                elif declare:
                    inner[declare[0]] = item
                self.nodes(block.body, item, inner, out)
            if not items:
                self.nodes(block.otherwise, dot, inner, out)

    def pipeline(self, pipeline: Pipeline, dot: Any, scope: dict[str, Any]) -> Any:
        value: Any = None
        for number, command in enumerate(pipeline.commands):
            self.step(pipeline.at)
            head, args = command[0], list(command[1:])
            piped = [value] if number else []
            if isinstance(head, Function):
                function = FUNCTIONS.get(head.name)
                if function is None:
                    raise self.fail(pipeline.at, f'function "{head.name}" not defined')
                values = [self.operand(arg, dot, scope, pipeline.at) for arg in args] + piped
                try:
                    value = function(*values)
                except (TypeError, ValueError, IndexError) as error:
                    raise self.fail(pipeline.at, f"error calling {head.name}: {error}") from None
            elif args or piped:
                raise self.fail(pipeline.at, "can't give arguments to a non-function")
            else:
                value = self.operand(head, dot, scope, pipeline.at)
        for name in pipeline.declare[-1:]:
            scope[name] = value
        return value

    def operand(self, operand: Any, dot: Any, scope: dict[str, Any], at: int) -> Any:
        if isinstance(operand, Literal):
            return operand.value
        if isinstance(operand, Pipeline):
            return self.pipeline(operand, dot, scope)
        if isinstance(operand, Function):
            return self.pipeline(Pipeline(((operand,),), (), at), dot, scope)
        assert isinstance(operand, Field)
        if operand.base == ".":
            value = dot
        elif operand.base == "$":
            value = self.root
        elif operand.base in scope:
            value = scope[operand.base]
        else:
            raise self.fail(at, f'undefined variable "{operand.base}"')
        for part in operand.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def render(name: str, source: str, data: Mapping[str, Any]) -> str:
    """`source` executed against `data`; a TemplateError naming `name` and the position on any problem."""
    run = _Run(name, source, data)
    out: list[str] = []
    run.nodes(parse(name, source), data, {"$": data}, out)
    return "".join(out)
