"""Field errors and the helpers every kind's checks share: collecting errors, paths, pydantic's type errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rollouts.api.gotext import parse_duration
from rollouts.api.types import is_templated

INVALID = "invalid"
"""The object breaks a rule: Argo would reject it too."""

UNSUPPORTED = "unsupported"
"""The object is valid for Argo but uses a feature this controller does not implement."""


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: `str(error)` is "<path>: <message>"."""

    path: str
    """Where, like `spec.strategy.canary.steps[2].setWeight` (empty for the whole object)."""
    message: str
    """What is wrong."""
    kind: str = INVALID
    """INVALID (the object breaks a rule) or UNSUPPORTED (valid, but not implemented by this controller)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def show(value: Any) -> str:
    """A value as it would appear in JSON (strings quoted), for messages."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


_TYPE_MESSAGES = {
    "missing": "required",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be a boolean",
    "bool_parsing": "must be a boolean",
}


def from_pydantic(exc: ValidationError) -> list[FieldError]:
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False):
        message = _TYPE_MESSAGES.get(error["type"]) or error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if error["type"] != "missing" and (value is None or isinstance(value, str | int | float | bool)):
            message += f", got {show(value)}"
        found = FieldError(_path(error["loc"]), message)
        if found not in errors:
            errors.append(found)
    return errors


def _path(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Errors(list[FieldError]):
    def invalid(self, path: str, message: str) -> None:
        self._add(FieldError(path, message, INVALID))

    def unsupported(self, path: str, message: str) -> None:
        self._add(FieldError(path, message, UNSUPPORTED))

    def _add(self, error: FieldError) -> None:
        if error not in self:  # several steps may report the same missing field
            self.append(error)

    def non_negative(self, path: str, value: int | None) -> None:
        if value is not None and value < 0:
            self.invalid(path, f"must be greater than or equal to 0, got {value}")

    def duration(self, path: str, value: str | int | None, *, positive: bool = False) -> None:
        if value is None or is_templated(value):
            return
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.invalid(path, str(exc))
            return
        if seconds < 0 or (positive and seconds == 0):
            self.invalid(path, f"must be {'greater than 0' if positive else 'non-negative'}, got {show(value)}")

    def regex(self, path: str, pattern: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            self.invalid(path, f"invalid regular expression {show(pattern)}: {exc}")


def dig(raw: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            raw = raw[key] if isinstance(raw, list) and key < len(raw) else None
        else:
            raw = raw.get(key) if isinstance(raw, Mapping) else None
    return raw


def duplicates(errors: Errors, path: str, names: list[str], what: str) -> None:
    """Each `path[i].name` must be set and unique."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name:
            errors.invalid(f"{path}[{i}].name", "required")
        elif name in seen:
            errors.invalid(f"{path}[{i}].name", f"duplicate {what} {show(name)}")
        seen.add(name)
