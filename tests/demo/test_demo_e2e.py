"""`rollouts demo` end to end, as a user runs it: a real local cluster, Prometheus, controller and simulator.

We test these aspects:
* without a terminal, on a fresh directory: exit code 0; progress lines (no live view, no colour codes); the good
  version passes analysis and becomes Healthy; the bad one is aborted by analysis, the failing metric named with
  its value and condition; the VirtualService back to 100 % stable; the summary; nothing left running after;
* `--keep`: everything stays up and the printed directions work (the KUBECONFIG export with kubectl and the
  `kubectl rollouts` plugin, the Prometheus URL); `--down` then stops all of it, and a second `--down` finds
  nothing.

Each run starts its own cluster in a temporary directory (not the test session's). Excluded: the live terminal
view (the plugin's own tests cover `follow_rollout` on a terminal).
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from rollouts.cluster.local import iter_component_pids
from rollouts.demo import processes

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

DEMO_TIMEOUT = 600


def demo(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`rollouts demo --dir <directory> …` with stdout a pipe (not a terminal), bound to this test process."""
    env = {key: value for key, value in os.environ.items() if key not in ("ROLLOUTS_DEMO_DIR", "KUBECONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "rollouts.cli", "demo", "--dir", str(directory), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, timeout=DEMO_TIMEOUT, env=env,
        preexec_fn=_die_with_parent, check=False,
    )  # fmt: skip


def _die_with_parent() -> None:
    # A killed test run takes the demo with it, and the demo's own PR_SET_PDEATHSIG takes its processes.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def left_running(directory: Path) -> list[int]:
    return [pid for pid in [*processes.recorded_pids(directory).values(), *iter_component_pids(directory / "cluster")] if alive(pid)]


def assert_both_outcomes(output: str) -> None:
    assert re.search(r"good version argoproj/rollouts-demo:green: passed analysis \(2 AnalysisRuns\) and became Healthy", output), output
    bad = re.search(
        r"bad version argoproj/rollouts-demo:red-errors-40: aborted by analysis in [\d.]+s: metric success-rate = ([\d.]+) Failed", output
    )
    assert bad, output
    assert float(bad.group(1)) < 0.95
    assert '("isNaN(result[0]) || result[0] >= 0.95")' in output
    assert "VirtualService back to 100% stable (stable 100, canary 0)" in output
    assert "PASS: both outcomes were right" in output
    decisions = [line.split() for line in output.splitlines() if line.startswith(("  good ", "  bad "))]
    wanted = {("good", "success-rate", "Successful"), ("good", "latency-p99", "Successful"), ("bad", "success-rate", "Failed")}
    assert {(row[0], row[2], row[-3]) for row in decisions} >= wanted, output


def test_demo_without_a_terminal(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    try:
        result = demo(directory)
        output = result.stdout
        assert result.returncode == 0, output
        assert_both_outcomes(output)
        assert "\x1b[" not in output, "no live view and no colours without a terminal"
        assert re.search(r"^  \[ *[\d.]+s\] Progressing .*step 1/4 · weight 20", output, re.MULTILINE), output
        assert re.search(r"^  \[ *[\d.]+s\] Degraded - RolloutAborted: ", output, re.MULTILINE), output
        assert "Timings" in output and "Decisions" in output and "Where to look" in output
        assert left_running(directory) == []
    finally:
        demo(directory, "--down")


def test_demo_keep_then_down(tmp_path: Path) -> None:
    directory = tmp_path / "kept"
    try:
        result = demo(directory, "--keep")
        output = result.stdout
        assert result.returncode == 0, output
        assert_both_outcomes(output)
        shell = re.search(r"shell +export KUBECONFIG=(\S+) PATH=(\S+):\$PATH", output)
        prometheus_url = re.search(r"Prometheus +(http://127\.0\.0\.1:\d+)", output)
        assert shell and prometheus_url, output
        assert f"stop          rollouts demo --down --dir {directory}" in output
        assert "kubectl rollouts -n rollouts-demo get rollout istio-canary-analysis --watch" in output
        assert left_running(directory), "everything stays up with --keep"

        env = {**os.environ, "KUBECONFIG": shell.group(1), "PATH": f"{shell.group(2)}:{os.environ['PATH']}"}
        command = ["kubectl", "rollouts", "-n", "rollouts-demo", "get", "rollout", "istio-canary-analysis"]
        rollout = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
        assert rollout.returncode == 0, rollout.stderr
        assert "Degraded" in rollout.stdout and "argoproj/rollouts-demo:green (stable)" in rollout.stdout
        with urllib.request.urlopen(f"{prometheus_url.group(1)}/-/ready", timeout=5) as response:
            assert response.status == 200

        stopped = demo(directory, "--down")
        assert stopped.returncode == 0
        assert "stopped simulator, controller, prometheus, kwok" in stopped.stdout
        assert left_running(directory) == []
        assert "no demo was running" in demo(directory, "--down").stdout
    finally:
        demo(directory, "--down")
