"""The decision layer sits below its users: nothing under rollouts/plan or rollouts/api imports the analysis
controller, the traffic routers, the controller or the plugin (api ← plan ← analysis | traffic ← controller).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ABOVE = ("analysis", "plugin", "rollouts.controller", "rollouts.traffic", "rollouts.cli")


def imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    sorted([*(REPO / "rollouts" / "plan").rglob("*.py"), *(REPO / "rollouts" / "api").rglob("*.py")]),
    ids=lambda path: str(path.relative_to(REPO)),
)
def test_plan_and_api_import_nothing_above_them(path: Path) -> None:
    above = [name for name in imported(path) if any(name == top or name.startswith(f"{top}.") for top in ABOVE)]
    assert above == [], f"{path.relative_to(REPO)} imports {above}"
