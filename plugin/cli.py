"""The `kubectl-rollouts` command (`kubectl rollouts …` once on PATH): parse, then intent → send → print.

Each command only wires the other modules together: `intents` says what to change, `send` changes it,
`sources`/`view`/`render` read and show, `watch` keeps showing, `lint` checks files. Commands and their
output follow Argo Rollouts' `kubectl argo rollouts` plugin, so scripts written for it keep working.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

import click

from plugin import completion, durations, intents, render, sources, view, watch
from plugin.context import CliContext, current, kube_options
from plugin.send import send, send_fresh
from rollouts.kube import errors, resources

PROG_NAME = "kubectl rollouts"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


class AliasedGroup(click.Group):
    """A group whose commands also answer to short names (`get ro`, `terminate ar`), some of them imported only
    when used (`lazy`: name → "module:attribute"; every command pays for what start-up imports)."""

    def __init__(
        self, *args: Any, aliases: dict[str, str] | None = None, lazy: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.aliases = aliases or {}
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = self.aliases.get(cmd_name, cmd_name)
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        _name, command, rest = super().resolve_command(ctx, args)
        return (command.name if command else None), command, rest


class RootGroup(AliasedGroup):
    """The top group: turns API and intent errors into one-line `Error: …` messages and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.ApiError as error:
            raise click.ClickException(error.message) from error
        except intents.IntentError as error:
            raise click.ClickException(str(error)) from error


@click.group(
    cls=RootGroup,
    context_settings=CONTEXT_SETTINGS,
    lazy={
        "lint": "plugin.offline:lint_command",
        "version": "plugin.offline:version",
        "completion": "plugin.offline:completion_command",
        "dashboard": "plugin.dashboard.command:dashboard",
    },
)
@kube_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Manage Rollouts (argoproj.io/v1alpha1): watch them, promote, abort, retry, pause, restart, undo."""
    ctx.ensure_object(CliContext)


def use_color(no_color: bool) -> bool:
    """Colours only on a terminal that can show them, and not when asked for none."""
    return not no_color and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


# ---- get / list / status -------------------------------------------------------------------------------------


@cli.group(
    cls=AliasedGroup,
    aliases={"ro": "rollout", "rollouts": "rollout", "exp": "experiment", "experiments": "experiment"},
    lazy={"experiment": "plugin.experiments:get_experiment"},
)
@kube_options
def get() -> None:
    """Show a rollout and the ReplicaSets, pods and analysis runs of each revision."""


@get.command("rollout")
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.option("-w", "--watch/--no-watch", "follow", default=False, help="Keep the view up to date as things change.")
@click.option("--no-color", is_flag=True, help="Do not colour the output.")
@click.option("--timeout-seconds", type=int, default=0, help="Stop watching after this many seconds (0: never).")
@click.option("--until-done", is_flag=True, help="Watch until Healthy (exit 0) or Degraded (exit 1).")
@click.pass_context
def get_rollout(
    ctx: click.Context, name: str, follow: bool, no_color: bool, timeout_seconds: int, until_done: bool
) -> None:
    """Show rollout NAME: status, strategy, weights, images, replicas and the tree of revisions."""
    settings = current(ctx)
    color = use_color(no_color)
    if not follow and not until_done:
        snapshot = sources.fetch(settings.kube, settings.namespace, name)
        page = watch.view_of(snapshot, settings.now())
        assert page is not None
        click.echo("\n".join(render.rollout_lines(page, color=color)))
        return
    feed = sources.RolloutFeed(settings.kube, settings.namespace, name)
    feed.start()
    out = sys.stdout
    try:
        last = watch.follow_rollout(
            feed,
            out=out,
            terminal=out.isatty(),
            color=color,
            until_done=until_done,
            timeout_seconds=timeout_seconds or None,
            now=settings.now,
        )
    except KeyboardInterrupt:
        return
    finally:
        feed.stop()
    if until_done:
        if last is None or not last.done:
            click.echo(f"rollout '{name}' was not done within {timeout_seconds}s", err=True)
            ctx.exit(1)
        ctx.exit(0 if last.status == "Healthy" else 1)


@cli.group(
    "list",
    cls=AliasedGroup,
    aliases={"ro": "rollouts", "rollout": "rollouts", "exp": "experiments", "experiment": "experiments"},
    lazy={"experiments": "plugin.experiments:list_experiments"},
)
@kube_options
def list_() -> None:
    """List rollouts."""


@list_.command("rollouts")
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="List the rollouts of every namespace.")
@click.option("--name", default=None, help="Only the rollout with this name.")
@click.option(
    "-w", "--watch/--no-watch", "follow", default=False, help="Then print a rollout's row each time it changes."
)
@click.option("--timeout-seconds", type=int, default=0, help="Stop watching after this many seconds (0: never).")
def list_rollouts(all_namespaces: bool, name: str | None, follow: bool, timeout_seconds: int) -> None:
    """List rollouts: strategy, status, step, set weight and replica counts."""
    settings = current()
    namespace = None if all_namespaces else settings.namespace
    query = sources.Query(resources.ROLLOUTS, field_selector=f"metadata.name={name}" if name else None)
    items, _ = sources.list_objects(settings.kube, namespace, query)
    rows = [view.rollout_row(item) for item in items]
    if not rows and not follow:
        click.echo("No resources found.", err=True)
        return
    click.echo("\n".join(render.list_lines(rows, all_namespaces=all_namespaces)))
    if follow:
        try:
            watch.follow_list(
                settings.kube,
                namespace,
                query,
                out=sys.stdout,
                all_namespaces=all_namespaces,
                initial=items,
                stop=threading.Event(),
                timeout_seconds=timeout_seconds or None,
            )
        except KeyboardInterrupt:
            return


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.option(
    "-w", "--watch/--no-watch", "follow", default=True, help="Follow until Healthy or Degraded (default) or print once."
)
@click.option("-t", "--timeout", default="0", help="Give up after this long, e.g. 60s or 5m (0: wait forever).")
def status(name: str, follow: bool, timeout: str) -> None:
    """Print the status of rollout NAME each time it changes; exit 0 once Healthy, 1 if Degraded or timed out."""
    settings = current()
    try:
        timeout_seconds = durations.parse(timeout)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--timeout") from error
    if not follow:
        page = view.rollout_view(rollout=sources.get_rollout(settings.kube, settings.namespace, name), now=None)
        click.echo(render.status_line(page))
    else:
        feed = sources.RolloutFeed(settings.kube, settings.namespace, name, children=False)
        feed.start()
        try:
            last = watch.follow_status(feed, out=sys.stdout, timeout_seconds=timeout_seconds or None)
        except KeyboardInterrupt:
            return
        finally:
            feed.stop()
        if last is None:
            raise click.ClickException("Rollout status watch exceeded timeout")
        page = last
    if page.status == "Degraded":
        raise click.ClickException(f"The rollout is in a degraded state with message: {page.message}")
    if follow and page.status != "Healthy":
        raise click.ClickException("Rollout status watch exceeded timeout")


# ---- changing rollouts ---------------------------------------------------------------------------------------


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.option("--full", is_flag=True, help="Skip every remaining step, pause and analysis.")
@click.option("--override-window", is_flag=True, help="Let the step a promotion window holds go through once.")
def promote(name: str, full: bool, override_window: bool) -> None:
    """Resume a paused rollout or move past its current step; --full promotes it all the way."""
    settings = current()
    rollout = sources.get_rollout(settings.kube, settings.namespace, name)
    _carry_out(intents.override_window(rollout) if override_window else intents.promote(rollout, full=full))


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
def abort(name: str) -> None:
    """Stop the update of NAME and go back to the stable revision."""
    _carry_out(intents.abort(name))


@cli.group(cls=AliasedGroup, aliases={"ro": "rollout", "rollouts": "rollout"})
@kube_options
def retry() -> None:
    """Retry an aborted rollout."""


@retry.command("rollout")
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
def retry_rollout(name: str) -> None:
    """Clear the abort of rollout NAME so its update starts again."""
    _carry_out(intents.retry(name))


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
def pause(name: str) -> None:
    """Pause rollout NAME (spec.paused)."""
    _carry_out(intents.pause(name))


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
def resume(name: str) -> None:
    """Unpause rollout NAME: clear its pause conditions and spec.paused, without skipping a step."""
    settings = current()
    _carry_out(intents.resume(sources.get_rollout(settings.kube, settings.namespace, name)))


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.option("-i", "--in", "delay", default=None, help="Restart after this long, e.g. 30s or 5m.")
def restart(name: str, delay: str | None) -> None:
    """Replace every pod of rollout NAME, now or after a delay."""
    settings = current()
    try:
        seconds = durations.parse(delay) if delay else 0.0
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--in") from error
    _carry_out(intents.restart(name, now=settings.now(), delay_seconds=seconds, delay_text=delay or "0s"))


@cli.command()
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.option("--to-revision", type=int, default=0, help="The revision to go back to (default: the previous one).")
def undo(name: str, to_revision: int) -> None:
    """Roll the pod template of NAME back to an earlier revision."""
    settings = current()
    rollout = sources.get_rollout(settings.kube, settings.namespace, name)
    selector = ",".join(sources.selector_terms((rollout.get("spec") or {}).get("selector") or {}))
    replicasets, _ = settings.kube.list(resources.REPLICASETS, settings.namespace, label_selector=selector or None)
    _carry_out(intents.undo(rollout, replicasets, to_revision=to_revision))


@cli.group("set")
@kube_options
def set_() -> None:
    """Change a rollout's spec."""


@set_.command("image")
@kube_options
@click.argument("name", shell_complete=completion.rollout_names)
@click.argument("container_image", metavar="CONTAINER=IMAGE")
def set_image(name: str, container_image: str) -> None:
    """Set the image of a container of rollout NAME (`*=IMAGE`: every container)."""
    container, separator, image = container_image.partition("=")
    if not separator or not container or not image or "=" in image:
        raise click.UsageError("expected CONTAINER=IMAGE, e.g. app=nginx:1.27 or *=nginx:1.27")
    settings = current()
    kube, namespace = settings.kube, settings.namespace

    def fresh_intent() -> intents.Intent:
        rollout = sources.get_rollout(kube, namespace, name)
        ref = intents.workload_ref(rollout)
        target = rollout if ref is None else kube.get(resources.DEPLOYMENTS, namespace, ref.name)
        return intents.set_image(target, container, image)

    click.echo(send_fresh(kube, namespace, fresh_intent).message)


@cli.group(
    cls=AliasedGroup,
    aliases={"ar": "analysisrun", "analysisruns": "analysisrun", "exp": "experiment", "experiments": "experiment"},
    lazy={"experiment": "plugin.experiments:terminate_experiment_command"},
)
@kube_options
def terminate() -> None:
    """Terminate an analysis run or an experiment."""


@terminate.command("analysisrun")
@kube_options
@click.argument("name")
def terminate_analysis_run(name: str) -> None:
    """Stop AnalysisRun NAME."""
    _carry_out(intents.terminate_analysis_run(name))


def _carry_out(intent: intents.Intent) -> None:
    settings = current()
    send(settings.kube, settings.namespace, intent)
    click.echo(intent.message)


# ---- entry point ---------------------------------------------------------------------------------------------

BOOLEAN_WORDS = {"true": True, "1": True, "t": True, "false": False, "0": False, "f": False}


def normalize_args(args: Sequence[str]) -> list[str]:
    """Accept kubectl-style `--watch=false` / `-w=true` for the boolean `--watch/--no-watch` flags."""
    normalized = []
    for arg in args:
        flag, equals, value = arg.partition("=")
        if equals and flag in ("-w", "--watch") and value.lower() in BOOLEAN_WORDS:
            normalized.append("--watch" if BOOLEAN_WORDS[value.lower()] else "--no-watch")
        else:
            normalized.append(arg)
    return normalized


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point of `kubectl-rollouts`."""
    # Background watches log their retries; a NullHandler keeps them off the screen the view is drawn on.
    logging.getLogger("rollouts").addHandler(logging.NullHandler())
    args = normalize_args(sys.argv[1:] if argv is None else argv)
    cli.main(args=args, prog_name=PROG_NAME, complete_var=completion.COMPLETE_VAR)
