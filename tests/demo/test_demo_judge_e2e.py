"""`rollouts demo --judge` end to end: the same good and bad releases, analysed by the statistical judge.

The good version (as healthy as stable) passes both analysis steps with a score of 100 and becomes Healthy; the
bad one (40 % errors) scores 0 at the first judgement, its error rate High and critical, and is aborted. The
decisions table shows the score and each compared metric's class. Runs its own cluster in a temporary directory.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def test_demo_with_the_judge(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("ROLLOUTS_DEMO_DIR", "KUBECONFIG")}
    result = subprocess.run(
        [sys.executable, "-m", "rollouts.cli", "demo", "--judge", "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=800,
        env=env,
        preexec_fn=_die_with_parent,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, output
    assert "applying examples/judge-templates/ (its analysis steps using the judge)" in output
    assert "good version argoproj/rollouts-demo:green: passed analysis (2 AnalysisRuns) and became Healthy" in output
    assert "metric judge-success-rate = score 0 (error-rate High (critical)) Failed" in output, output
    decisions = [
        line for line in output.splitlines() if line.startswith(("  good ", "  bad ")) and "judge-success-rate" in line
    ]
    rows = [line.split() for line in decisions]
    assert [(row[0], row[2], row[3], row[4]) for row in rows] == [
        ("good", "judge-success-rate", "score", "100"),
        ("good", "judge-success-rate", "score", "100"),
        ("bad", "judge-success-rate", "score", "0"),
    ], output
