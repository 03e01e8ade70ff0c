"""The judge's statistics (scipy) load only when a judge metric runs, not when the controller starts."""

from __future__ import annotations

import subprocess
import sys

PROBE = "import sys, {module}; print(sorted(m for m in ('scipy', 'numpy') if m in sys.modules))"


def loaded_by(module: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_controller_starts_without_scipy() -> None:
    assert loaded_by("rollouts.controller.main") == "[]"


def test_the_judge_provider_module_loads_without_scipy() -> None:
    assert loaded_by("analysis.providers.judge") == "[]"
