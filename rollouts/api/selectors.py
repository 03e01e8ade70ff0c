"""Kubernetes label selectors (`matchLabels` + `matchExpressions`, kept as plain dicts): check, match, print.

Pure. `selector_problems` returns (relative path, message) pairs so validation can prefix the selector's own path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def selector_problems(selector: Any) -> list[tuple[str, str]]:
    """What is wrong with a LabelSelector's shape, as (path below the selector, message); [] when fine."""
    if not isinstance(selector, Mapping):
        return [("", "must be an object")]
    problems: list[tuple[str, str]] = []
    labels = selector.get("matchLabels")
    if labels is not None:
        if not isinstance(labels, Mapping):
            problems.append(("matchLabels", "must be a map of strings"))
        else:
            problems += [(f"matchLabels.{k}", "must be a string") for k, v in labels.items() if not isinstance(v, str)]
    expressions = selector.get("matchExpressions")
    if expressions is not None:
        if not isinstance(expressions, list):
            return [*problems, ("matchExpressions", "must be a list")]
        for i, expression in enumerate(expressions):
            problems += [(f"matchExpressions[{i}]{p}", m) for p, m in _expression_problems(expression)]
    return problems


def _expression_problems(expression: Any) -> list[tuple[str, str]]:
    if not isinstance(expression, Mapping):
        return [("", "must be an object")]
    problems = []
    if not isinstance(expression.get("key"), str) or not expression.get("key"):
        problems.append((".key", "required"))
    operator = expression.get("operator")
    values = expression.get("values") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return [*problems, (".values", "must be a list of strings")]
    if operator not in OPERATORS:
        problems.append((".operator", f"must be one of {', '.join(OPERATORS)}"))
    elif operator in ("In", "NotIn") and not values:
        problems.append((".values", f"must be non-empty when operator is {operator}"))
    elif operator in ("Exists", "DoesNotExist") and values:
        problems.append((".values", f"must be empty when operator is {operator}"))
    return problems


def is_empty(selector: Mapping[str, Any] | None) -> bool:
    """True when a selector has no requirement at all, i.e. it would select every pod."""
    return not selector or (not selector.get("matchLabels") and not selector.get("matchExpressions"))


def matches(selector: Mapping[str, Any], labels: Mapping[str, str] | None) -> bool:
    """True when `labels` satisfy every requirement of a well-formed `selector` (see `selector_problems`)."""
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def to_string(selector: Mapping[str, Any]) -> str:
    """The selector in kubectl's `-l` syntax, requirements sorted by key: "app=demo,tier in (a,b),!legacy"."""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = ",".join(sorted(expression.get("values") or []))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }[operator]
        requirements.append((key, text))
    return ",".join(text for _, text in sorted(requirements))
