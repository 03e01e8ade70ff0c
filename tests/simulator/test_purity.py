"""The simulator's pure modules stay pure, and its package surface is pinned.

We test these aspects:
* importing `behaviour` or `traffic` in a fresh interpreter pulls in no API client, cache or exporter library;
* their own imports include nothing that tells time, sleeps, logs or talks to the network;
* `rollouts.simulator.__all__` is exactly the pure modules (the rest is imported by name).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import rollouts.simulator

PURE = ["rollouts.simulator.behaviour", "rollouts.simulator.traffic"]
FORBIDDEN_LOADED = ["kubernetes", "urllib3", "rollouts.kube", "rollouts.machinery", "prometheus_client", "socket"]
FORBIDDEN_IMPORTS = {"logging", "time", "datetime", "threading", "socket", "requests", "urllib", "subprocess", "os"}


@pytest.mark.parametrize("module", PURE)
def test_pure_module_loads_no_io(module: str) -> None:
    probe = f"import sys, {module}; print(','.join(sorted(m for m in {FORBIDDEN_LOADED!r} if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_clock_log_or_network(module: str) -> None:
    path = Path(rollouts.simulator.__file__).parent / f"{module.rsplit('.', 1)[1]}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported & FORBIDDEN_IMPORTS == set()


def test_exported_members() -> None:
    assert sorted(rollouts.simulator.__all__) == ["behaviour", "traffic"]
