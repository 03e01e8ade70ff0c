"""Run the demo: a good and a bad version of examples/<router>-canary-analysis (Istio by default), each judged by
analysis, on a fresh local cluster with a real Prometheus, the controller and the traffic simulator; then the
summary. Or `down`: stop what a kept demo left running.

I/O and sequencing only: `components` starts the processes, `watching` follows the rollout, `summary` (pure)
judges the outcomes and writes the summary. Every wait polls with a deadline.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, TextIO

from plugin import intents, phases, render, send
from plugin.sources import RolloutFeed
from plugin.view import RolloutView
from rollouts.api.labels import HASH_LABEL
from rollouts.cluster import build
from rollouts.cluster.local import ClusterError, LocalCluster
from rollouts.demo import components, manifests, prometheus, routers, summary, watching
from rollouts.demo.processes import ProcessError, Processes, stop_recorded
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.simulator import main as simulator

NAMESPACE = "rollouts-demo"
GOOD_IMAGE = "argoproj/rollouts-demo:green"
BAD_IMAGE = "argoproj/rollouts-demo:red-errors-40"
RATE_WINDOW = "15s"
"""The window of the AnalysisTemplates' rate() queries."""
TRAFFIC_TIMEOUT = 60.0


def default_dir() -> Path:
    """`$ROLLOUTS_DEMO_DIR`, else `$XDG_STATE_HOME/rollouts/demo`, else `~/.local/state/rollouts/demo`."""
    if explicit := os.environ.get("ROLLOUTS_DEMO_DIR"):
        return Path(explicit)
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "rollouts" / "demo"


@dataclass(frozen=True)
class Settings:
    directory: Path
    rollout_timeout: float
    """Seconds each rollout may take."""
    keep: bool = False
    """Leave everything running at the end (and print how to explore it and how to stop it)."""
    live: bool = False
    """Redraw the rollout in place (a terminal); otherwise one progress line per change."""
    color: bool = False
    judge: bool = False
    """Analyse with the statistical judge (canary against stable) instead of the threshold templates."""
    router: str = routers.DEFAULT
    """Which traffic router's example to run (`routers.ROUTERS`)."""


class DemoError(RuntimeError):
    """The demo could not set up or drive its scenario (not: a version was judged wrongly)."""


def run(settings: Settings, out: TextIO) -> int:
    """The whole demo; 0 only when the good version became Healthy and the bad one was aborted by analysis."""
    demo = _Demo(settings, out)
    try:
        report = demo.scenario()
    except (
        DemoError,
        ProcessError,
        ClusterError,
        build.BuildError,
        manifests.MissingFiles,
        errors.ApiError,
        OSError,
    ) as error:
        demo.say(f"demo failed: {getattr(error, 'message', None) or error}")
        demo.print_where()
        return 1
    finally:
        demo.finish()
    for line in summary.lines(report):
        demo.echo(line)
    return 0 if summary.passed(report) else 1


def stop_command(directory: Path) -> str:
    """The command that stops a kept demo in `directory`."""
    return "rollouts demo --down" + (f" --dir {directory}" if directory != default_dir() else "")


def down(directory: Path, progress: Callable[[str], None]) -> list[str]:
    """Stop the processes and the cluster a demo in `directory` left running; the names of what was stopped."""
    stopped = stop_recorded(directory)
    stopped += LocalCluster(directory / "cluster").down(progress=lambda _line: None)
    if stopped:
        progress(f"stopped {', '.join(stopped)}")
    return stopped


@dataclass
class _Demo:
    settings: Settings
    out: TextIO
    started: float = field(default_factory=time.monotonic)
    timings: list[summary.Timing] = field(default_factory=list)
    outcomes: list[summary.Outcome] = field(default_factory=list)
    running: components.Running | None = None
    feed: RolloutFeed | None = None
    kube: Kube | None = None

    def __post_init__(self) -> None:
        self.router = routers.ROUTERS[self.settings.router]
        self.rollout = self.router.example
        self.cluster = LocalCluster(self.settings.directory / "cluster")
        self.processes = Processes(self.settings.directory, bound_to_parent=not self.settings.keep)

    # ---- output ------------------------------------------------------------------------------------------------

    def echo(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def say(self, line: str) -> None:
        self.echo(f"==> {line}")

    # ---- the scenario ------------------------------------------------------------------------------------------

    def scenario(self) -> summary.Report:
        self._prepare()
        with self._timed("local cluster", "etcd, kube-apiserver, controller-manager, scheduler, kwok"):
            self.say(f"starting a local cluster in {self.cluster.dir}")
            self.cluster.up(progress=lambda line: self.echo(f"    {line}"), bound_to_parent=not self.settings.keep)
        kube = self.kube = Kube.from_kubeconfig(str(self.cluster.kubeconfig))
        crds = f"ours and {self.router.title}'s" if self.router.crds else "ours; Ingresses are built in"
        with self._timed("install", f"CRDs ({crds}), namespace"):
            manifests.install_crds(self.cluster, self.router)
            manifests.create_namespace(self.cluster, NAMESPACE)
        with self._timed("processes", "Prometheus, controller, traffic simulator"):
            self.say("starting Prometheus, the controller and the traffic simulator")
            self.running = components.start(
                self.processes,
                kubeconfig=self.cluster.kubeconfig,
                namespace=NAMESPACE,
                target=self.router.target,
                data_dir=self.settings.directory / "prometheus",
            )
            self.echo(
                f"    Prometheus at {self.running.prometheus.url}, "
                "scraping the simulator and the controller every second"
            )
        with self._timed("first version", "applied, Healthy, its traffic in Prometheus"):
            self._first_version(kube)
        good = self._release(
            kube, summary.GOOD, GOOD_IMAGE, "no errors: analysis should pass and the rollout become Healthy"
        )
        if summary.judge(good).ok:
            with self._timed("quiet canary", f"the canary Service's traffic left the {RATE_WINDOW} window"):
                self._quiet_canary()
            self._release(
                kube, summary.BAD, BAD_IMAGE, "40% errors, pods Ready: analysis should fail and the rollout abort"
            )
        else:
            self.say("skipping the bad version: the good one did not turn out as expected")
        self.timings.append(summary.Timing("total", time.monotonic() - self.started))
        return summary.Report(tuple(self.timings), tuple(self.outcomes), tuple(self._where()))

    def _prepare(self) -> None:
        """Check what the demo needs, stop a previous demo in the same directory, and start from empty data."""
        if not prometheus.BINARY.is_file():
            raise DemoError(prometheus.MISSING)
        manifests.check(self.router)
        directory = self.settings.directory
        down(directory, lambda line: self.say(f"previous demo in {directory}: {line}"))
        for stale in (directory / "cluster" / "etcd", directory / "prometheus" / "data"):
            shutil.rmtree(stale, ignore_errors=True)

    def _first_version(self, kube: Kube) -> None:
        templates = (
            "judge-templates/ (its analysis steps using the judge)" if self.settings.judge else "analysis-templates/"
        )
        self.say(f"applying examples/{templates} and examples/{self.rollout}/ to namespace {NAMESPACE}")
        manifests.apply_example(self.cluster, NAMESPACE, self.router, judge=self.settings.judge)
        self.feed = RolloutFeed(kube, NAMESPACE, self.rollout)
        self.feed.start()
        shown = self._follow(generation=1, settled=_past_invalid_spec)
        if shown is None or shown.status != "Healthy":
            raise DemoError(
                f"the first version did not become Healthy: {render.status_line(shown) if shown else 'no status'}"
            )
        self.say("waiting until Prometheus has the stable version's traffic")
        self._until(
            lambda: (self._rate(self.router.stable_service) or 0) > 0, "traffic to the stable Service in Prometheus"
        )

    def _release(self, kube: Kube, version: str, image: str, expectation: str) -> summary.Outcome:
        """Set the new image as `kubectl rollouts set image` does, follow the rollout, record the outcome."""
        self.say(f"{version} version: {image} ({expectation})")
        started = time.monotonic()
        send.send_fresh(
            kube,
            NAMESPACE,
            lambda: intents.set_image(kube.get(resources.ROLLOUTS, NAMESPACE, self.rollout), "*", image),
        )
        generation = int(kube.get(resources.ROLLOUTS, NAMESPACE, self.rollout)["metadata"]["generation"])
        shown = self._follow(generation=generation)
        if shown is None or not shown.done:
            self.say(f"{version} version: not done within {self.settings.rollout_timeout:.0f}s")
        elif version == summary.BAD:
            # The abort sends all traffic back to stable; give the route a moment to be seen written.
            back = f"the {self.router.kind} back to 100% stable"
            self._until(lambda: self._weights(kube) == (100, 0), back, fail=False)
        outcome = self._outcome(kube, version, image, time.monotonic() - started)
        self.outcomes.append(outcome)
        result = f"{outcome.phase} (aborted)" if outcome.aborted else outcome.phase
        self.timings.append(summary.Timing(f"{version} version", outcome.seconds, f"{image} → {result}"))
        self.say(summary.judge(outcome).text)
        return outcome

    def _quiet_canary(self) -> None:
        """Wait until no request reached the canary Service within the queries' window, so that the bad version is
        judged on its own requests and not on the good version's last ones."""
        self.say(f"waiting until the canary Service had no traffic for {RATE_WINDOW} (the analysis window)")
        self._until(lambda: (self._rate(self.router.canary_service) or 0) == 0, "no traffic to the canary Service")

    # ---- reading the outcome -----------------------------------------------------------------------------------

    def _outcome(self, kube: Kube, version: str, image: str, seconds: float) -> summary.Outcome:
        rollout = kube.get(resources.ROLLOUTS, NAMESPACE, self.rollout)
        phase, message = phases.rollout_phase(rollout)
        status = rollout.get("status") or {}
        pod_hash = str(status.get("currentPodHash") or "")
        runs, _ = kube.list(resources.ANALYSIS_RUNS, NAMESPACE, label_selector=f"{HASH_LABEL}={pod_hash}")
        uid = rollout["metadata"].get("uid")
        owned = [
            run for run in runs if any(ref.get("uid") == uid for ref in run["metadata"].get("ownerReferences") or [])
        ]
        stable_weight, canary_weight = self._weights(kube)
        return summary.Outcome(
            version=version,
            image=image,
            phase=phase,
            message=message,
            aborted=bool(status.get("abort")),
            seconds=seconds,
            decisions=tuple(summary.decisions(owned)),
            stable_weight=stable_weight,
            canary_weight=canary_weight,
            router_object=self.router.kind,
        )

    def _split_text(self) -> str:
        """The router's split for progress lines; empty when it cannot be read just now."""
        if self.kube is None:
            return ""
        try:
            return routers.split_text(self.router, *self._weights(self.kube))
        except errors.ApiError:
            return ""

    def _weights(self, kube: Kube) -> tuple[int | None, int | None]:
        """The stable and canary weights in the router's object, read as the simulator reads them."""
        resource = simulator.RESOURCES[self.router.kind]
        try:
            found = kube.get(resource, NAMESPACE, self.rollout)
        except errors.NotFound:
            found = None
        ingresses = kube.list(resource, NAMESPACE)[0] if self.router.kind == "Ingress" else []
        return routers.weights(self.router, found, ingresses)

    def _rate(self, service: str) -> float | None:
        assert self.running is not None
        selector = (
            f'reporter="destination", destination_service_namespace="{NAMESPACE}", destination_service_name="{service}"'
        )
        try:
            return self.running.prometheus.value(f"sum(rate(istio_requests_total{{{selector}}}[{RATE_WINDOW}]))")
        except (OSError, ValueError, KeyError):
            return None

    # ---- plumbing ----------------------------------------------------------------------------------------------

    def _follow(self, *, generation: int, settled: Callable[[RolloutView], bool] = watching.done) -> RolloutView | None:
        assert self.feed is not None
        return watching.follow(
            self.feed,
            generation=generation,
            live=self.settings.live,
            color=self.settings.color,
            out=self.out,
            timeout=self.settings.rollout_timeout,
            settled=settled,
            split=self._split_text,
        )

    def _until(
        self, probe: Callable[[], bool], what: str, *, timeout: float = TRAFFIC_TIMEOUT, fail: bool = True
    ) -> bool:
        deadline = time.monotonic() + timeout
        while not probe():
            self.processes.check_alive()
            if time.monotonic() > deadline:
                if fail:
                    raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
                return False
            time.sleep(0.25)
        return True

    def _timed(self, label: str, note: str = "") -> _Timer:
        return _Timer(self.timings, label, note)

    def _where(self) -> list[tuple[str, str]]:
        directory = self.settings.directory
        where = [
            ("logs", f"{directory / 'logs'}/ (controller.log, simulator.log, prometheus.log)"),
            ("cluster logs", f"{self.cluster.dir / 'logs'}/"),
        ]
        if not self.settings.keep:
            return [
                *where,
                ("explore", "rollouts demo --keep   (leaves everything running, and says how to look around)"),
            ]
        stop = ("stop", stop_command(directory))
        if self.running is None:
            return [*where, stop]
        bin_dirs = ":".join(
            dict.fromkeys(str(path) for path in (Path(sys.executable).parent, self._toolchain_bin()) if path)
        )
        return [
            *where,
            ("shell", f"export KUBECONFIG={self.cluster.kubeconfig} PATH={bin_dirs}:$PATH"),
            (
                "kubectl",
                f"kubectl -n {NAMESPACE} get rollouts,analysisruns,{simulator.RESOURCES[self.router.kind].plural},services,pods",
            ),
            ("watch", f"kubectl rollouts -n {NAMESPACE} get rollout {self.rollout} --watch"),
            (
                "try",
                f"kubectl rollouts -n {NAMESPACE} set image {self.rollout} app=argoproj/rollouts-demo:yellow-slow-800",
            ),
            (
                "Prometheus",
                f"{self.running.prometheus.url}  (e.g. sum by (destination_version, response_code) "
                f"(rate(istio_requests_total[{RATE_WINDOW}])))",
            ),
            stop,
        ]

    def _toolchain_bin(self) -> str:
        state = self.cluster.state()
        return state.bin_dir if state else ""

    def print_where(self) -> None:
        for label, text in self._where():
            self.echo(f"    {label}: {text}")

    def finish(self) -> None:
        """Stop following; unless kept, stop every process and the cluster."""
        if self.feed is not None:
            self.feed.stop()
        if self.settings.keep:
            return
        stopped = self.processes.stop()
        stopped += self.cluster.down(progress=lambda _line: None)
        if stopped:
            self.say(f"stopped {', '.join(stopped)}")


def _past_invalid_spec(view: RolloutView) -> bool:
    """Done, and not for InvalidSpec: the controller reports a Rollout it sees before its Services (separate
    watches, no order between them) as InvalidSpec, and looks again as soon as it sees them."""
    return view.done and not view.message.startswith("InvalidSpec")


@dataclass
class _Timer:
    """`with demo._timed(label):` appends how long the block took (also when it raised)."""

    timings: list[summary.Timing]
    label: str
    note: str
    started: float = 0.0

    def __enter__(self) -> Self:
        self.started = time.monotonic()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.timings.append(summary.Timing(self.label, time.monotonic() - self.started, self.note))
