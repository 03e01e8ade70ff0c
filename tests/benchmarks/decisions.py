"""Decision quality: how often the threshold templates and the judge abort a bad canary, and a good one.

    .venv/bin/python tests/benchmarks/decisions.py [--runs 40] [--method judge]        (make decisions)

Offline and fast: requests come from the traffic simulator's own code (`rollouts.simulator.traffic` and
`behaviour`, seeded), 80 % to the stable version (the baseline) and 20 % to the canary, one second at a time.
Both methods read their settings from the example templates, and measure on that traffic as the templates'
queries would on Prometheus: at the templates' initialDelay, interval and count, over their windows. A Failed
measurement aborts (failureLimit 0), an Inconclusive one pauses; otherwise the canary is promoted after count.

* thresholds: examples/analysis-templates/ (success rate ≥ 95 % and p99 < 500 ms over 15 s of canary traffic);
* judge: examples/judge-templates/ (the canary against the baseline, one point per step over the lookback).

It prints, per method and scenario, the share of runs aborted (detection for a bad canary, false aborts for the
identical one), paused, and the median time from the start of the analysis to the verdict.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from analysis import assess, judge
from rollouts.plan.runspec import args
from rollouts.simulator import behaviour, exporter, traffic

REPO = Path(__file__).resolve().parents[2]
THRESHOLD_TEMPLATES = ("examples/analysis-templates/success-rate.yaml", "examples/analysis-templates/latency-p99.yaml")
JUDGE_TEMPLATES = ("examples/judge-templates/judge-success-rate.yaml", "examples/judge-templates/judge-latency.yaml")
CANARY_SHARE = 0.2
HEALTHY = behaviour.Behaviour(error_rate=0.01, latency_ms=20.0)


@dataclass(frozen=True)
class Scenario:
    name: str
    canary: behaviour.Behaviour
    rate: float = 20.0
    """Requests per second into the service, split 80/20 between baseline and canary."""

    @property
    def bad(self) -> bool:
        return self.canary != HEALTHY


SCENARIOS = (
    Scenario("identical canary", HEALTHY),
    Scenario("errors 1% → 2%", behaviour.Behaviour(0.02, 20.0)),
    Scenario("errors 1% → 5%", behaviour.Behaviour(0.05, 20.0)),
    Scenario("p99 latency +30%", behaviour.Behaviour(0.01, 20.0, behaviour.from_tag("tail-30").spread)),
    Scenario("p99 latency +100%", behaviour.Behaviour(0.01, 20.0, behaviour.from_tag("tail-100").spread)),
    Scenario("low traffic (1 req/s), errors 1% → 2%", behaviour.Behaviour(0.02, 20.0), rate=1.0),
    Scenario("low traffic (1 req/s), identical", HEALTHY, rate=1.0),
)


@dataclass
class Traffic:
    """Each version's requests, second by second: codes and durations."""

    seconds: list[dict[str, list[tuple[int, float]]]]

    def window(self, version: str, start: float, end: float) -> list[tuple[int, float]]:
        """The requests of `version` in the seconds (start, end]."""
        first, last = max(0, math.floor(start)), min(len(self.seconds), math.floor(end))
        return [request for second in self.seconds[first:last] for request in second[version]]


def simulate(scenario: Scenario, seconds: int, seed: int) -> Traffic:
    rng = random.Random(seed)
    destinations = tuple(
        traffic.Destination("web", "bench", f"web-{version}", version, f"demo:{version}", kind, share)
        for version, kind, share in (("baseline", HEALTHY, 1 - CANARY_SHARE), ("canary", scenario.canary, CANARY_SHARE))
    )
    split = traffic.Split(traffic.Target("VirtualService", "web"), destinations)
    timeline = []
    for second in range(seconds):
        due = traffic.requests_due(rate_per_second=scenario.rate, elapsed_before=second, elapsed_now=second + 1)
        bucket: dict[str, list[tuple[int, float]]] = {"baseline": [], "canary": []}
        for sample in traffic.sample_requests(split, count=due, rng=rng):
            bucket[sample.destination.pod_template_hash].append((sample.response_code, sample.duration_ms))
        timeline.append(bucket)
    return Traffic(timeline)


# --- what the queries compute -----------------------------------------------------------------------------------


def error_rate(requests: Sequence[tuple[int, float]]) -> float:
    return sum(code >= 500 for code, _ in requests) / len(requests) if requests else math.nan


def success_rate(requests: Sequence[tuple[int, float]]) -> float:
    return 1 - error_rate(requests)


def mean_latency(requests: Sequence[tuple[int, float]]) -> float:
    return float(np.mean([duration for _, duration in requests])) if requests else math.nan


def p99(requests: Sequence[tuple[int, float]]) -> float:
    """histogram_quantile(0.99, …) over Istio's buckets: linear inside the bucket that holds the 99th percentile."""
    if not requests:
        return math.nan
    counts = np.histogram([duration for _, duration in requests], bins=[0.0, *exporter.DURATION_BUCKETS_MS, math.inf])[
        0
    ]
    cumulative, rank = np.cumsum(counts), 0.99 * len(requests)
    index = int(np.searchsorted(cumulative, rank))
    bounds = [0.0, *exporter.DURATION_BUCKETS_MS]
    if index >= len(exporter.DURATION_BUCKETS_MS):
        return bounds[-1]
    below = cumulative[index - 1] if index else 0
    return float(bounds[index] + (bounds[index + 1] - bounds[index]) * (rank - below) / counts[index])


JUDGE_SERIES: Mapping[str, Callable[[Sequence[tuple[int, float]]], float]] = {
    "error-rate": error_rate,
    "latency-p99": p99,
    "latency-mean": mean_latency,
}
"""The judge templates' metrics by name, computed on one step's requests as their PromQL does."""
THRESHOLD_RESULTS: Mapping[str, Callable[[Sequence[tuple[int, float]]], float]] = {
    "success-rate": success_rate,
    "latency-p99": p99,
}
THRESHOLD_WINDOW = 15.0  # the threshold templates' [15s]


# --- the two methods --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    initial_delay: float
    interval: float
    count: int

    def times(self) -> list[float]:
        return [self.initial_delay + k * self.interval for k in range(self.count)]


def load_metric(path: str) -> tuple[dict[str, Any], Schedule]:
    document = yaml.safe_load((REPO / path).read_text())
    metric = args.substitute(
        document["spec"]["metrics"][0],
        {"namespace": "bench", "service-name": "web", "baseline-hash": "baseline", "canary-hash": "canary"},
    )
    seconds = {key: float(str(metric.get(key, "0s")).rstrip("s")) for key in ("initialDelay", "interval")}
    return metric, Schedule(seconds["initialDelay"], seconds["interval"], int(metric["count"]))


def threshold_measurements(traffic_: Traffic, path: str) -> list[tuple[float, str]]:
    metric, schedule = load_metric(path)
    measure = THRESHOLD_RESULTS[metric["name"]]
    results = []
    for t in schedule.times():
        value = measure(traffic_.window("canary", t - THRESHOLD_WINDOW, t))
        verdict = assess.judge_measurement(
            [value], success_condition=metric.get("successCondition"), failure_condition=metric.get("failureCondition")
        )
        results.append((t, verdict.phase))
    return results


def judge_measurements(traffic_: Traffic, path: str) -> list[tuple[float, str]]:
    metric, schedule = load_metric(path)
    settings = judge.parse(metric["provider"]["plugin"]["rollouts/judge"])
    step, points = settings.step_seconds, int(settings.lookback_seconds // settings.step_seconds) + 1
    results = []
    for t in schedule.times():
        ends = [t - k * step for k in range(points) if t - k * step > 0]

        def points_of(name: str, version: str, ends: list[float] = ends) -> list[float]:
            return [JUDGE_SERIES[name](traffic_.window(version, end - step, end)) for end in ends]

        series = {m.name: (points_of(m.name, "baseline"), points_of(m.name, "canary")) for m in settings.metrics}
        verdict = judge.judge(settings, series).verdict
        results.append((t, {"Pass": "Successful", "Marginal": "Inconclusive", "Fail": "Failed"}[verdict]))
    return results


def decide(measurements: Sequence[Sequence[tuple[float, str]]]) -> tuple[str, float]:
    """(aborted | paused | promoted, seconds to that verdict) from each template's (time, phase) measurements."""
    events = sorted((t, phase) for metric in measurements for t, phase in metric)
    for t, phase in events:
        if phase == "Failed":
            return "aborted", t
        if phase == "Inconclusive":
            return "paused", t
    return "promoted", max(t for t, _ in events)


METHODS: Mapping[str, tuple[Callable[[Traffic, str], list[tuple[float, str]]], tuple[str, ...]]] = {
    "thresholds": (threshold_measurements, THRESHOLD_TEMPLATES),
    "judge": (judge_measurements, JUDGE_TEMPLATES),
}


def run(method: str, scenario: Scenario, runs: int, seed: int) -> dict[str, Any]:
    measure, templates = METHODS[method]
    outcomes = []
    for i in range(runs):
        simulated = simulate(scenario, seconds=120, seed=seed + i)
        outcomes.append(decide([measure(simulated, path) for path in templates]))
    aborted = sum(verdict == "aborted" for verdict, _ in outcomes)
    paused = sum(verdict == "paused" for verdict, _ in outcomes)
    return {"aborted": aborted / runs, "paused": paused / runs, "median": statistics.median(t for _, t in outcomes)}


def table(method: str, runs: int) -> list[str]:
    lines = [
        f"{method} ({runs} runs per scenario)",
        "| Scenario | Detection | False aborts | Paused | Median time to verdict |",
        "|---|---|---|---|---|",
    ]
    for index, scenario in enumerate(SCENARIOS):
        figures = run(method, scenario, runs, seed=1000 * index)
        share = f"{figures['aborted']:.0%}"
        detection, false_aborts = (share, "–") if scenario.bad else ("–", share)
        lines.append(
            f"| {scenario.name} | {detection} | {false_aborts} | {figures['paused']:.0%} | {figures['median']:g} s |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="canaries per scenario and method (seeds fixed)")
    parser.add_argument("--method", choices=sorted(METHODS), action="append", help="only these methods (default: all)")
    options = parser.parse_args()
    started = time.monotonic()
    for method in options.method or list(METHODS):
        print("\n".join(table(method, options.runs)) + "\n", flush=True)
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
