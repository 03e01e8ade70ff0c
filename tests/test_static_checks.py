"""The checks CI enforces on the source, run by `make test`: ruff lint and format, strict mypy, the package layer
contract (import-linter, configured in pyproject.toml), and the size rules (no file over 400 lines, no function over
60, declarative tables aside).

Each check runs the real tool on the real tree; a new error fails the test with the tool's own output.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("rollouts", "analysis", "plugin")
BIN = Path(sys.executable).parent
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
DECLARATIVE_TABLES: dict[str, int] = {}
"""Module path → allowed lines, for files that are data (tables) rather than logic. Empty: none needs it today."""


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_lint() -> None:
    done = run(BIN / "ruff", "check", "--no-cache", *PACKAGES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = run(BIN / "ruff", "format", "--check", "--no-cache", *PACKAGES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    done = run(sys.executable, "-m", "mypy", "--cache-dir", REPO / ".mypy_cache")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr


def test_layer_contract() -> None:
    done = run(BIN / "lint-imports", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_file_over_400_lines(path: Path) -> None:
    relative = str(path.relative_to(REPO))
    lines = len(path.read_text().splitlines())
    assert lines <= DECLARATIVE_TABLES.get(relative, MAX_FILE_LINES), f"{relative} has {lines} lines; split it by concern"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_function_over_60_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"{path.relative_to(REPO)}: {long}; split into named steps"


KEY_LIKE = re.compile(r"^[\w.-]*[./][\w./-]*$|^[a-z]+(-[a-z]+)+$")
"""A label or annotation key, an API group, an environment-free name such as `job-name`: text other tools read too."""
SAME_TEXT_OTHER_MEANING = {"rollouts-controller"}
"""Values that name different things which happen to be spelled alike (our field manager; our Events' source)."""


def module_constants(path: Path) -> list[tuple[str, str]]:
    """(value, NAME) of each module-level `NAME = "key-like text"` in the file."""
    found = []
    for node in ast.parse(path.read_text(), str(path)).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        value = node.value if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id.isupper() and isinstance(value, ast.Constant):
            if isinstance(value.value, str) and KEY_LIKE.match(value.value):
                found.append((value.value, target.id))
    return found


def test_each_key_is_defined_once() -> None:
    # A key spelled in two modules drifts: one copy gets fixed, the other keeps Argo's old spelling.
    homes: dict[str, list[str]] = {}
    for path in sources():
        for value, name in module_constants(path):
            homes.setdefault(value, []).append(f"{path.relative_to(REPO)}:{name}")
    twice = {value: where for value, where in homes.items() if len(where) > 1 and value not in SAME_TEXT_OTHER_MEANING}
    assert twice == {}, f"define each once (rollouts/api/labels.py for keys) and import it: {twice}"
