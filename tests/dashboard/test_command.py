"""The dashboard commands' own errors: one line naming the problem, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["kubectl-rollouts", "--kubeconfig", "/nonexistent", "dashboard"],
        ["rollouts-dashboard", "--kubeconfig", "/nonexistent"],
    ],
)
def test_an_unreadable_kubeconfig_is_one_clear_line(command: list[str]) -> None:
    result = subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot reach the cluster: cannot load kubeconfig /nonexistent")
    assert "Traceback" not in result.stderr


def test_the_local_command_listens_on_localhost_by_default() -> None:
    result = subprocess.run(
        [str(BIN / "kubectl-rollouts"), "dashboard", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "[default: 127.0.0.1]" in result.stdout and "--auth-header" in result.stdout
