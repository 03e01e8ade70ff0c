"""`get experiment`, `list experiments` and `terminate experiment`: Argo's pages and patch for Experiments.

The commands are added to `plugin.cli`'s groups. Reads are one list per kind in the experiment's namespace; the
view and tree come from `plugin.view` and `plugin.render`, as for the experiments under a Rollout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import click

from plugin import durations, raw, render, view
from plugin.context import current, kube_options
from plugin.intents import Change, Intent, Target
from plugin.send import send
from rollouts.api.gotext import parse_duration
from rollouts.kube import resources
from rollouts.kube.client import Kube

LIST_HEADER = ["NAME", "STATUS", "DURATION", "REMAINING", "AGE"]
LIST_WIDTHS = [10, 6, 8, 9, 3]
"""Each cell is first padded to these widths (Argo's format string), then the columns are aligned."""
_COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")


def terminate_experiment(name: str) -> Intent:
    """Stop an Experiment: the controller ends it Successful, scales its ReplicaSets down, terminates its runs."""
    body = {"spec": {"terminate": True}}
    return Intent((Change(Target("Experiment", name), "merge", body),), f"experiment '{name}' terminated")


def experiment_lines(kube: Kube, namespace: str, name: str, now: datetime, *, color: bool = False) -> list[str]:
    """The `get experiment` page; `errors.NotFound` when there is no such Experiment."""
    experiment = kube.get(resources.EXPERIMENTS, namespace, name)
    owned = [
        kube.list(resource, namespace)[0]
        for resource in (resources.REPLICASETS, resources.ANALYSIS_RUNS, resources.PODS)
    ]
    shown = view.experiment_view(experiment, owned[0], owned[1], owned[2], now)
    return render.experiment_lines(shown, namespace, str(raw.status(experiment).get("message") or ""), color=color)


def list_lines(items: Iterable[Mapping[str, Any]], now: datetime, *, all_namespaces: bool = False) -> list[str]:
    """The `list experiments` table, header first."""
    header = (["NAMESPACE"] if all_namespaces else []) + LIST_HEADER
    rows = []
    for experiment in items:
        cells = [f"{value:<{width}}" for value, width in zip(_row(experiment, now), LIST_WIDTHS, strict=True)]
        rows.append(([f"{raw.meta(experiment).get('namespace', ''):<9}"] if all_namespaces else []) + cells)
    return render.align([header, *rows])


def _row(experiment: Mapping[str, Any], now: datetime) -> list[str]:
    spec, status = raw.spec(experiment), raw.status(experiment)
    duration, remaining = "-", "-"
    try:
        seconds = parse_duration(spec["duration"]) if spec.get("duration") else None
    except ValueError:
        seconds = None
    if seconds is not None:
        duration = durations.human(seconds)
        available = raw.parse_time(status.get("availableAt"))
        if status.get("phase") not in _COMPLETED and available is not None:
            left = seconds - (now - available).total_seconds()
            if left > 0:
                remaining = durations.human(left)
    return [
        str(raw.meta(experiment).get("name") or ""),
        str(status.get("phase") or ""),
        duration,
        remaining,
        raw.age(experiment, now),
    ]


@click.command("experiment")
@kube_options
@click.argument("name")
@click.option("--no-color", is_flag=True, help="Do not colour the output.")
def get_experiment(name: str, no_color: bool) -> None:
    """Show experiment NAME: status, images, and its ReplicaSets, pods and analysis runs."""
    from plugin.cli import use_color  # the command group's module imports this one

    settings = current()
    click.echo(
        "\n".join(experiment_lines(settings.kube, settings.namespace, name, settings.now(), color=use_color(no_color)))
    )


@click.command("experiments")
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="List the experiments of every namespace.")
def list_experiments(all_namespaces: bool) -> None:
    """List experiments: status, duration, time remaining and age."""
    settings = current()
    items, _ = settings.kube.list(resources.EXPERIMENTS, None if all_namespaces else settings.namespace)
    if not items:
        click.echo("No resources found.", err=True)
        return
    click.echo("\n".join(list_lines(items, settings.now(), all_namespaces=all_namespaces)))


@click.command("experiment")
@kube_options
@click.argument("name")
def terminate_experiment_command(name: str) -> None:
    """Stop experiment NAME."""
    settings = current()
    intent = terminate_experiment(name)
    send(settings.kube, settings.namespace, intent)
    click.echo(intent.message)
