"""Shared by the condition-language tests: evaluate a text, or catch the ExpressionError it raises."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.expressions import ExpressionError, evaluate

NAN = float("nan")
INF = float("inf")

# A measurement result shaped like a web provider's JSON.
DOCUMENT = {
    "name": "web",
    "labels": {"app": "web", "tier": "front"},
    "items": [{"value": 1.0, "ok": True}, {"value": 20.0, "ok": False}],
    "empty": [],
    "nothing": None,
    "with space": 5,
}


def value_of(text: str, **env: Any) -> Any:
    return evaluate(text, env)


def error_of(call: Any, *args: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        call(*args)
    return caught.value
