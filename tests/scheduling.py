"""The order test files are handed to pytest-xdist workers: longest first, so that the run ends on short files
rather than on one long file started late (`--dist=loadfile --no-loadscope-reorder` keeps this order).

LONGEST lists the slowest files, slowest first, as measured on parallel `make test` runs (per-file sums of
`--durations=0`); files not listed follow in collection order. Re-measure when a file's runtime changes a lot:
`.venv/bin/python -m pytest -n 3 --dist=loadfile --durations=0 -q | python tests/scheduling.py`.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict

import pytest

LONGEST: tuple[str, ...] = (
    "tests/demo/test_demo_judge_e2e.py",
    "tests/demo/test_demo_e2e.py",
    "tests/simulator/test_judge_e2e.py",
    "tests/controller/test_transient_errors.py",
    "tests/controller/test_resilience.py",
    "tests/experiments/test_experiment_controller.py",
    "tests/notify/test_delivery.py",
    "tests/cluster/test_control_plane.py",
    "tests/controller/test_routers_canary.py",
    "tests/controller/test_canary_basic.py",
    "tests/controller/test_install_rbac.py",
    "tests/controller/test_canary_istio.py",
    "tests/plugin/test_get_and_status.py",
    "tests/analysis/test_regex_isolation.py",
    "tests/analysis/test_rollout_analysis.py",
    "tests/api/test_crds_cluster.py",
    "tests/analysis/test_analysisrun_controller.py",
    "tests/controller/test_workloadref.py",
    "tests/controller/test_late_crds.py",
    "tests/controller/test_examples.py",
    "tests/plugin/test_cli_basics.py",
    "tests/simulator/test_simulator_cluster.py",
    "tests/controller/test_fencing.py",
    "tests/dashboard/test_browser.py",
    "tests/test_logging_guard.py",
    "tests/traffic/test_routing_cluster.py",
    "tests/controller/test_pods_and_services.py",
    "tests/test_static_checks.py",
    "tests/controller/test_routers_argo.py",
    "tests/controller/test_bluegreen.py",
    "tests/cluster/test_argo_hash_parity.py",
    "tests/analysis/test_provider_job.py",
    "tests/test_layers.py",
    "tests/controller/test_windows.py",
    "tests/analysis/test_judge_provider.py",
    "tests/traffic/test_istio_cluster.py",
    "tests/controller/test_flags.py",
    "tests/traffic/test_registry.py",
    "tests/dashboard/test_tree.py",
    "tests/cluster/test_pod_stages.py",
    "tests/analysis/test_provider_prometheus.py",
    "tests/dashboard/test_command.py",
    "tests/dashboard/test_install.py",
    "tests/api/test_crdgen.py",
)


def longest_files_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place: files in LONGEST first in that order, then the rest; tests keep their order within a file."""
    rank = {path: index for index, path in enumerate(LONGEST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def per_file_seconds(durations: str) -> list[tuple[str, float]]:
    """From pytest's `--durations=0` lines ("1.23s call tests/x.py::test_y"), seconds per file, slowest first."""
    totals: dict[str, float] = defaultdict(float)
    for match in re.finditer(r"^([\d.]+)s (?:setup|call|teardown) +([^:\s]+)::", durations, re.MULTILINE):
        totals[match.group(2)] += float(match.group(1))
    return sorted(totals.items(), key=lambda pair: -pair[1])


if __name__ == "__main__":
    for path, seconds in per_file_seconds(sys.stdin.read()):
        print(f"{seconds:8.1f}s  {path}")
