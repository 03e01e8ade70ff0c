"""Run the benchmarks against this tree and an older commit, interleaved, each run on a fresh cluster.

    .venv/bin/python tests/benchmarks/compare.py [--against 1c26404] [--rounds 2] [--only canary,get]

A figure measured weeks ago on a machine in another state says little about a change; the same benchmark run by
turns against both trees, in the same hour, does. Both trees are timed by this tree's benchmark scripts (the same
measurement); only the code under test differs (PYTHONPATH). The older tree is checked out into a temporary git
worktree and removed after. Prints each sample and a table of medians.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from rollouts.cluster.local import LocalCluster

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = {
    "controller": ["tests/benchmarks/bench_controller.py"],
    "canary": ["tests/benchmarks/bench_canary.py"],
    "get": ["tests/plugin/bench_get.py"],
}
FIGURES = {
    "reaction p50 (ms)": r"reaction latency.*?p50 (\d+) ms",
    "reaction p99 (ms)": r"reaction latency.*?p99 (\d+) ms",
    "RSS, 1,000 rollouts (MB)": r"controller RSS with \d+ rollouts: (\d+) MB",
    "canary p50 (ms)": r"image change → Healthy p50 (\d+) ms",
    "canary p99 (ms)": r"image change → Healthy p50 \d+ ms, p99 (\d+) ms",
    "abort p50 (ms)": r"abort latency.*?p50 (\d+) ms",
    "abort p99 (ms)": r"abort latency.*?p99 (\d+) ms",
    "get rollout (ms)": r"get rollout \S+: median ([\d.]+)s",
}


def run_benchmark(tree: Path, script: list[str], cluster_dir: Path, workdir: Path) -> str:
    flag = "--cluster" if script[0].endswith("bench_get.py") else "--dir"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(REPO / script[0]), flag, str(cluster_dir)]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{script[0]} against {tree} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout


def figures(output: str) -> dict[str, float]:
    found = {}
    for name, pattern in FIGURES.items():
        if match := re.search(pattern, output):
            value = float(match.group(1))
            found[name] = value * 1000 if name.startswith("get") else value
    return found


def measure(label: str, tree: Path, only: list[str], workdir: Path, out: Path | None) -> dict[str, float]:
    cluster = LocalCluster(Path(tempfile.mkdtemp(prefix="rollouts-compare-")))
    cluster.up(progress=lambda _line: None, bound_to_parent=True)
    try:
        found: dict[str, float] = {}
        for name in only:
            output = run_benchmark(tree, BENCHMARKS[name], cluster.dir, workdir)
            if out is not None:  # every line each benchmark printed (request counts, RSS, ...), per tree and round
                with (out / f"{label.replace(' ', '-')}-{name}.txt").open("a") as log:
                    log.write(output + "\n")
            found |= figures(output)
        return found
    finally:
        cluster.down(progress=lambda _line: None)
        shutil.rmtree(cluster.dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="1c26404", help="the older commit (default: README's oldest figures)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="benchmarks to run: controller,canary,get")
    parser.add_argument("--out", type=Path, help="also keep each benchmark's whole output in this directory")
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    only = args.only.split(",")
    with tempfile.TemporaryDirectory(prefix="rollouts-older-") as older, tempfile.TemporaryDirectory() as workdir:
        subprocess.run(["git", "worktree", "add", "--detach", "-f", older, args.against], cwd=REPO, check=True)
        try:
            trees = {"this tree": REPO, args.against: Path(older)}
            for tree in trees.values():  # as an installed package has it: no run pays for compiling
                subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(tree / p) for p in ("rollouts", "plugin", "analysis"))], check=True)  # fmt: skip
            samples: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
            for round_number in range(args.rounds):
                order = list(trees.items()) if round_number % 2 == 0 else list(reversed(trees.items()))
                for label, tree in order:
                    found = measure(label, tree, only, Path(workdir), args.out)
                    print(f"round {round_number + 1}, {label}: {found}", flush=True)
                    for name, value in found.items():
                        samples[label].setdefault(name, []).append(value)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", older], cwd=REPO, check=False)
    print(f"\n| Figure (median of {args.rounds} rounds) | this tree | {args.against} |\n|---|---|---|")
    for name in FIGURES:
        cells = [statistics.median(samples[label][name]) if samples[label].get(name) else None for label in trees]
        if any(cell is not None for cell in cells):
            print(f"| {name} | " + " | ".join("-" if cell is None else f"{cell:.0f}" for cell in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
