"""Find values in decoded JSON with the subset of Kubernetes JSONPath that web metrics use. Pure.

One `{...}` expression: `$` (or nothing) for the root, `.key`, `['key']` / `["key"]`, `[n]` (negative n counts
from the end), and the wildcards `[*]` / `.*`. Filters, slices, unions and recursive descent are rejected
with an error that names them, never silently ignored.

    compile_path("{$.items[0].value}").find({"items": [{"value": 1.0}]})  →  [1.0]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

_NAME = re.compile(r"[^.\[\]\s'\"]+")
_INDEX = re.compile(r"-?\d+")


class JsonPathError(ValueError):
    """The path is not valid (or not supported), or the data has nothing at it."""


@dataclass(frozen=True)
class Step:
    kind: Literal["key", "index", "all"]
    key: str | int | None = None


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: tuple[Step, ...]

    def find(self, data: Any) -> list[Any]:
        """Every value the path selects, in document order; a missing key or index is an error."""
        found = [data]
        for step in self.steps:
            found = [child for value in found for child in _children(step, value)]
        return found


def compile_path(text: str) -> JsonPath:
    """Parse `{$.a.b}`-style text; raise JsonPathError saying what is wrong or unsupported."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        raise JsonPathError(f'jsonPath "{text}" must be one expression in braces, e.g. "{{$.data.value}}"')
    body = stripped[1:-1].strip()
    index = 1 if body.startswith("$") else 0
    if body in (".", "$."):
        return JsonPath(text, ())
    steps: list[Step] = []
    while index < len(body):
        step, index = _next_step(body, index, text)
        steps.append(step)
    return JsonPath(text, tuple(steps))


def _next_step(body: str, index: int, text: str) -> tuple[Step, int]:
    if body.startswith("..", index):
        raise JsonPathError(f'jsonPath "{text}": recursive descent (..) is not supported')
    if body[index] == ".":
        if body.startswith("*", index + 1):
            return Step("all"), index + 2
        name = _NAME.match(body, index + 1)
        if not name:
            raise JsonPathError(f'jsonPath "{text}": expected a key after "." at column {index + 2}')
        return Step("key", name.group()), name.end()
    if body[index] == "[":
        return _bracket(body, index, text)
    raise JsonPathError(f'jsonPath "{text}": unexpected "{body[index]}" at column {index + 2}')


def _bracket(body: str, index: int, text: str) -> tuple[Step, int]:
    opening = body[index + 1 : index + 2]
    if opening in ("'", '"'):
        closing = body.find(opening, index + 2)
        if closing < 0 or not body.startswith("]", closing + 1):
            raise JsonPathError(f'jsonPath "{text}": unterminated [{opening}...{opening}] at column {index + 2}')
        return Step("key", body[index + 2 : closing]), closing + 2
    end = body.find("]", index)
    if end < 0:
        raise JsonPathError(f'jsonPath "{text}": missing "]" after column {index + 1}')
    inner = body[index + 1 : end].strip()
    if inner == "*":
        return Step("all"), end + 1
    if _INDEX.fullmatch(inner):
        return Step("index", int(inner)), end + 1
    raise JsonPathError(f"jsonPath \"{text}\": [{inner}] is not supported (use [n], [*] or ['key'])")


def _children(step: Step, value: Any) -> list[Any]:
    if step.kind == "all":
        return list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list) else []
    if step.kind == "key":
        if not isinstance(value, dict) or step.key not in value:
            raise JsonPathError(f'key "{step.key}" is not found')
        return [value[step.key]]
    assert isinstance(step.key, int)
    if not isinstance(value, list):
        raise JsonPathError(f"[{step.key}] needs an array, found {_kind(value)}")
    position = step.key + len(value) if step.key < 0 else step.key
    if not 0 <= position < len(value):
        raise JsonPathError(f"array index out of bounds: index {step.key}, length {len(value)}")
    return [value[position]]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", str: "a string", bool: "a boolean", float: "a number", int: "a number"}.get(
        type(value), type(value).__name__
    )
