"""`rollouts demo --router gatewayapi` end to end: the same good and bad releases through a Gateway API HTTPRoute.

The demo installs the Gateway API's CRDs, applies examples/gatewayapi-canary-analysis/, and the simulator sends its
requests through the HTTPRoute: the progress lines show the route's split at each step (20 %, then 50 %), the good
version passes analysis and becomes Healthy, the bad one fails it and is aborted with the HTTPRoute back to 100 %
stable, and nothing is left running. Runs its own cluster in a temporary directory.

Not tested here: the other routers' demos (`--router nginx|alb|smi`), run by hand (their examples' coherence is in
test_routers.py, the simulator's reading of their objects in tests/simulator/).
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rollouts.cluster.local import iter_component_pids
from rollouts.demo import processes

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def demo(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("ROLLOUTS_DEMO_DIR", "KUBECONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "rollouts.cli", "demo", "--dir", str(directory), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, timeout=800, env=env,
        preexec_fn=_die_with_parent, check=False,
    )  # fmt: skip


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_demo_through_the_gateway_api(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    try:
        result = demo(directory, "--router", "gatewayapi")
        output = result.stdout
        assert result.returncode == 0, output
        assert "applying examples/analysis-templates/ and examples/gatewayapi-canary-analysis/" in output
        assert re.search(r"step 1/4 · weight 20 .*· HTTPRoute stable 80, canary 20$", output, re.MULTILINE), output
        assert re.search(r"step \d/4 · weight 50 .*· HTTPRoute stable 50, canary 50$", output, re.MULTILINE), output
        good = "good version argoproj/rollouts-demo:green: passed analysis (2 AnalysisRuns) and became Healthy"
        assert good in output
        bad = re.search(r"bad version argoproj/rollouts-demo:red-errors-40: aborted by analysis in [\d.]+s: metric success-rate = ([\d.]+) Failed", output)
        assert bad and float(bad.group(1)) < 0.95, output
        assert "HTTPRoute back to 100% stable (stable 100, canary 0)" in output
        assert "PASS: both outcomes were right" in output
        pids = [*processes.recorded_pids(directory).values(), *iter_component_pids(directory / "cluster")]
        assert [pid for pid in pids if alive(pid)] == []
    finally:
        demo(directory, "--down")
