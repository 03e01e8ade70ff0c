"""Merge patches: the difference of two documents, and applying one as the API server does."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.kube.patches import apply_merge_patch, merge_patch

CASES: list[tuple[str, dict[str, Any], dict[str, Any], frozenset[str] | None, dict[str, Any]]] = [
    ("equal", {"a": 1}, {"a": 1}, None, {"a": 1}),
    ("changed scalar", {"a": 1}, {"a": 2}, None, {"a": 2}),
    ("removed key", {"a": 1, "b": 2}, {"a": 1}, None, {"a": 1}),
    ("nested merge", {"c": {"x": 1, "y": 2}}, {"c": {"x": 1, "y": 3}}, None, {"c": {"x": 1, "y": 3}}),
    ("nested removal", {"c": {"x": 1, "y": 2}}, {"c": {"x": 1}}, None, {"c": {"x": 1}}),
    ("list replaced whole", {"l": [1, 2]}, {"l": [3]}, None, {"l": [3]}),
    ("object replaces scalar", {"a": 1}, {"a": {"b": 1}}, None, {"a": {"b": 1}}),
    ("unknown key kept", {"a": 1, "new": "x"}, {"a": 2}, frozenset({"a"}), {"a": 2, "new": "x"}),
]


@pytest.mark.parametrize(
    ("current", "desired", "removable", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_applying_the_difference_gives_what_the_server_would_hold(
    current: dict[str, Any], desired: dict[str, Any], removable: frozenset[str] | None, expected: dict[str, Any]
) -> None:
    assert apply_merge_patch(current, merge_patch(current, desired, removable=removable)) == expected


def test_applying_leaves_the_current_document_alone() -> None:
    current = {"c": {"x": 1}}
    apply_merge_patch(current, {"c": {"x": None, "y": 2}})
    assert current == {"c": {"x": 1}}
