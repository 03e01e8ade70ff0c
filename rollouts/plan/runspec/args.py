"""Analysis arguments: combine the args of several templates, apply the caller's, and substitute `{{args.<name>}}`.

Pure: no I/O. Secrets are read through a callable the caller passes in (the controller's adapter does the GET);
their values are then redacted from messages as `*****`. Typical use:

    declared = args.combine([template.spec.args for template in templates])   # conflicting values → ArgumentError
    run_args = args.apply_caller_args(declared, rollout_args)                  # unresolved → "args.x was not resolved"
    values = args.argument_values(run_args, read_secret=read)                  # name → value, plus the secrets
    metric = args.substitute(raw_metric, values.values)                        # every {{args.x}} replaced
    message = values.redact(message)

Substitution works on the JSON text of the metric, as Argo's does, so numeric fields may be templated
(`count: "{{args.count}}"`); values are JSON-escaped, so quotes and newlines in a value never break the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rollouts.api import Argument
from rollouts.api.types import MASKED

REDACTED = MASKED
"""What a secret value looks like in messages (and in args resolved without reading Secrets)."""

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_ARG_PREFIX = "args."

ReadSecret = Callable[[str, str], str]
"""(secret name, key) → value, in the run's namespace; raises ArgumentError when the Secret or key is missing."""


class ArgumentError(ValueError):
    """Arguments cannot be combined, resolved or substituted; the message names the argument or the tag."""


# --- combining -------------------------------------------------------------------------------------------------------


def combine(arg_lists: Iterable[Sequence[Argument] | None]) -> list[Argument]:
    """The args of several templates as one list, first declaration first.

    The same name twice is fine when at most one of them has a value, or both have the same value; a declaration
    with a value replaces an earlier one without. Two different values → ArgumentError naming both.

    [x], [x="1"] → [x="1"];  [x="1"], [x] → [x="1"];  [x="1"], [x="2"] → error.
    """
    combined: list[Argument] = []
    for arg_list in arg_lists:
        for arg in arg_list or ():
            index = _find(combined, arg.name)
            if index is None:
                combined.append(arg)
                continue
            previous = combined[index]
            if previous.value is not None and arg.value is not None and previous.value != arg.value:
                raise ArgumentError(
                    f"argument {arg.name} is declared twice with different values: {previous.value!r} and {arg.value!r}"
                )
            if previous.value is None:
                combined[index] = arg
    return combined


def apply_caller_args(declared: Sequence[Argument], incoming: Sequence[Argument]) -> list[Argument]:
    """The declared args with the caller's values (or valueFrom) put in by name; every arg must then be resolved.

    Incoming args the templates do not declare are ignored, as in Argo. An arg left with neither value nor
    valueFrom → ArgumentError "args.<name> was not resolved".
    """
    merged = list(declared)
    for arg in incoming:
        index = _find(merged, arg.name)
        if index is None:
            continue
        if arg.value is not None:
            merged[index] = merged[index].model_copy(update={"value": arg.value})
        elif arg.value_from is not None:
            merged[index] = merged[index].model_copy(update={"value_from": arg.value_from})
    for arg in merged:
        if arg.value is None and arg.value_from is None:
            raise ArgumentError(f"args.{arg.name} was not resolved")
    return merged


def _find(args: Sequence[Argument], name: str) -> int | None:
    return next((i for i, arg in enumerate(args) if arg.name == name), None)


# --- values --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArgumentValues:
    """Each argument's value by name, and which of those values came from Secrets."""

    values: Mapping[str, str]
    secrets: frozenset[str] = field(default_factory=frozenset)

    def redact(self, text: str | None) -> str | None:
        """`text` with every secret value replaced by `*****` (None stays None)."""
        if not text:
            return text
        for secret in sorted(self.secrets, key=len, reverse=True):  # longest first: one secret may contain another
            if secret:
                text = text.replace(secret, REDACTED)
        return text


def argument_values(args: Sequence[Argument] | None, *, read_secret: ReadSecret | None = None) -> ArgumentValues:
    """Every argument's value. secretKeyRef args are read with `read_secret`; without one they are `*****`
    (enough to schedule and validate). An arg with no value (a fieldRef the creator did not resolve, say) →
    ArgumentError 'argument "<name>" was not supplied'."""
    values: dict[str, str] = {}
    secrets: set[str] = set()
    for arg in args or ():
        source = arg.value_from
        if source is not None and source.secret_key_ref is not None:
            ref = source.secret_key_ref
            value = REDACTED if read_secret is None else read_secret(ref.name, ref.key)
            secrets.add(value)
        elif arg.value is not None:
            value = arg.value
        else:
            raise ArgumentError(f'argument "{arg.name}" was not supplied')
        values[arg.name] = value
    return ArgumentValues(values, frozenset(secrets))


# --- substitution --------------------------------------------------------------------------------------------------


def substitute(document: Any, values: Mapping[str, str]) -> Any:
    """`document` (any JSON value, e.g. a metric's wire form) with every `{{args.<name>}}` replaced.

    Whitespace inside the braces is allowed (`{{ args.x }}`). The replacement happens in the JSON text and each
    value is JSON-escaped, so `"{{args.count}}"` becomes `"3"` and a value holding `"` or a newline stays a
    string. Any other tag (`{{args.missing}}`, `{{templates.x}}`) → ArgumentError "failed to resolve {{…}}".
    """
    text = json.dumps(document, ensure_ascii=False)
    if "{{" not in text:
        return document
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        tag = match.group(1).strip()
        name = tag[len(_ARG_PREFIX) :] if tag.startswith(_ARG_PREFIX) else None
        if name is None or name not in values:
            unresolved.append(match.group(1))
            return ""
        return json.dumps(values[name], ensure_ascii=False)[1:-1]

    resolved = _TAG.sub(replace, text)
    if unresolved:
        raise ArgumentError(f"failed to resolve {{{{{unresolved[0]}}}}}")
    return json.loads(resolved)


def placeholders(document: Any) -> list[str]:
    """The tags `document` uses, trimmed and in order of first use: `{{ args.a }} {{args.b}}` → ["args.a", "args.b"]."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(json.dumps(document, ensure_ascii=False)):
        seen.setdefault(match.group(1).strip(), None)
    return list(seen)


# --- field paths (fieldRef args, resolved by the Rollout side) -----------------------------------------------------

_SEGMENT = re.compile(r"""\.?([^.\[\]'"]+)|\[(-?\d+)\]|\['([^']*)'\]|\["([^"]*)"\]""")


class FieldPathError(ArgumentError):
    """A fieldRef path is malformed, or leads nowhere in the object."""


def resolve_field_path(obj: Mapping[str, Any], path: str) -> str:
    """The value at `path` in `obj` (a raw Rollout) as text, the way a fieldRef argument receives it.

    Paths are dotted names with `[i]` list indexes and `['key']` map keys:
    `metadata.name`, `metadata.labels['env']`, `spec.template.spec.containers[0].image`,
    `status.canary.weights.canary.weight`. A missing label or annotation is "" (as the downward API has it);
    any other missing field, an index out of range, or a path ending on an object or list → FieldPathError.
    Numbers print as Go does (20 → "20", 0.5 → "0.5"), booleans as "true"/"false".
    """
    segments = _parse_path(path)
    current: Any = obj
    walked = ""
    for position, segment in enumerate(segments):
        if isinstance(segment, int):
            if not isinstance(current, list):
                raise FieldPathError(
                    f'fieldPath "{path}": {walked or "the object"} is not a list, cannot take [{segment}]'
                )
            if not 0 <= segment < len(current):
                raise FieldPathError(
                    f'fieldPath "{path}": index {segment} is out of range at {walked} (length {len(current)})'
                )
            current = current[segment]
            walked += f"[{segment}]"
            continue
        if not isinstance(current, Mapping):
            raise FieldPathError(
                f'fieldPath "{path}": {walked or "the object"} is not an object, cannot take "{segment}"'
            )
        if segment not in current:
            if _is_label_lookup(segments, position):
                return ""
            where = f"{walked}.{segment}" if walked else segment
            raise FieldPathError(f'fieldPath "{path}": no field at {where}')
        current = current[segment]
        walked = f"{walked}.{segment}" if walked else segment
    if isinstance(current, Mapping | list):
        found = "an object" if isinstance(current, Mapping) else "a list"
        raise FieldPathError(f'fieldPath "{path}" must end on a single value, found {found}')
    if current is None:
        raise FieldPathError(f'fieldPath "{path}": the field is null')
    return _go_text(current)


def _parse_path(path: str) -> list[str | int]:
    if not path or not path.strip():
        raise FieldPathError("fieldPath is empty")
    segments: list[str | int] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None or match.end() == position:
            raise FieldPathError(f'fieldPath "{path}": cannot read it at character {position + 1}')
        name, index, single, double = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(name if name is not None else single if single is not None else double)
        position = match.end()
    return segments


def _is_label_lookup(segments: list[str | int], position: int) -> bool:
    # metadata.labels['x'] with no such label (or no labels at all) reads as "", as in the downward API.
    return (
        position in (1, 2)
        and len(segments) == 3
        and segments[0] == "metadata"
        and segments[1] in ("labels", "annotations")
    )


def _go_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)
