"""The Rollout, AnalysisRun and Experiment controllers and the notifier share their informers: the controller
process opens one watch per kind, however many of them read it."""

from __future__ import annotations

import re
import socket
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

from helpers import wait_until

# Every kind some controller reads; the optional routers' kinds come on top when their CRDs are installed.
READ_KINDS = {
    "Rollout",
    "ReplicaSet",
    "Service",
    "Pod",
    "AnalysisRun",
    "AnalysisTemplate",
    "ClusterAnalysisTemplate",
    "Experiment",
    "Deployment",
    "Job",
    "Event",
    "ConfigMap",
    "Secret",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def watches(port: int) -> Counter[str]:
    """Watches the controller has opened (answered 200), by kind, from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return Counter()
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        if (
            line.startswith("controller_clientset_k8s_request_total{")
            and 'verb="watch"' in line
            and 'status_code="200"' in line
        ):
            kind = re.search(r'kind="([^"]*)"', line)
            counts[kind.group(1) if kind else "?"] += int(float(line.rsplit(" ", 1)[1]))
    return counts


def test_one_watch_per_kind_for_the_whole_process(start_controller: Callable[..., Any]) -> None:
    port = free_port()
    process = start_controller("--no-leader-elect", f"--metrics-port={port}")  # the last --metrics-port counts
    try:
        wait_until(lambda: set(watches(port)) >= READ_KINDS, timeout=60, what="a watch of every kind")
        wait_until(lambda: "notifications started" in process.output(), timeout=60, what="all controllers started")
        seen = watches(port)
    finally:
        process.stop()
    assert {kind: count for kind, count in seen.items() if count != 1} == {}, (
        f"{dict(seen)}\n{process.output()[-3000:]}"
    )
