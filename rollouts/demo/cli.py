"""`rollouts demo`: the command line of the demo. Parses options, picks live view or progress lines, calls `runner`."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

ROLLOUT_TIMEOUT = 180.0
ROUTER_NAMES = ("istio", "gatewayapi", "nginx", "alb", "smi")
"""`routers.ROUTERS`' names, default first (spelled out here so that `--help` imports no more than click)."""


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM tears down like Ctrl-C: the runner's cleanup runs


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=None,
    help="Demo directory: cluster, Prometheus data, logs, pids "
    "(default: $ROLLOUTS_DEMO_DIR, else ~/.local/state/rollouts/demo).",
)
@click.option(
    "--keep", is_flag=True, help="Leave everything running at the end, and print how to explore it and how to stop it."
)
@click.option("--down", "stop", is_flag=True, help="Stop what `rollouts demo --keep` left running, then exit.")
@click.option(
    "--judge", is_flag=True, help="Analyse with the statistical judge (canary against stable) instead of thresholds."
)
@click.option("--plain", is_flag=True, help="Progress lines even on a terminal (no live view).")
@click.option(
    "--router",
    type=click.Choice(list(ROUTER_NAMES)),
    default=ROUTER_NAMES[0],
    show_default=True,
    help="The traffic router the canary goes through: its example (examples/<router>-canary-analysis/) and CRDs.",
)
@click.option(
    "--timeout",
    "rollout_timeout",
    default=ROLLOUT_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=10),
    help="Seconds each rollout may take before the demo gives up on it.",
)
def demo(
    directory: Path | None, keep: bool, stop: bool, judge: bool, plain: bool, router: str, rollout_timeout: float
) -> None:
    """Run a real canary end to end: a good version passes analysis and becomes Healthy, a bad one fails it
    and is aborted, with all traffic back on the stable version.

    Starts a local cluster, Prometheus (/usr/bin/prometheus), the controller and the traffic simulator, applies
    examples/analysis-templates/ and examples/<router>-canary-analysis/ (istio by default), rolls out both
    versions and prints a summary. Exits 0 only when both outcomes were right. Everything is stopped at the end unless --keep.
    """
    from rollouts.demo import runner  # here, so other `rollouts` commands do not pay for the demo's imports

    directory = directory or runner.default_dir()
    if stop:
        if not runner.down(directory, lambda line: click.echo(line, err=True)):
            click.echo(f"no demo was running in {directory}", err=True)
        return
    live = not plain and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    settings = runner.Settings(
        directory=directory,
        keep=keep,
        live=live,
        color=live and "NO_COLOR" not in os.environ,
        rollout_timeout=rollout_timeout,
        judge=judge,
        router=router,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = runner.run(settings, sys.stdout)
    except KeyboardInterrupt:
        left = (
            f"everything is left running: stop it with `{runner.stop_command(directory)}`"
            if keep
            else "everything the demo started was stopped"
        )
        click.echo(f"interrupted; {left}", err=True)
        sys.exit(130)
    sys.exit(code)
