"""The commands that need no cluster: `lint`, `version` and `completion`."""

from __future__ import annotations

import platform
import sys

import click

import rollouts
from plugin import completion, lint
from plugin.context import kube_options


@click.command("lint")
@kube_options
@click.option(
    "-f",
    "--filename",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Manifest file (YAML, may hold many documents).",
)
def lint_command(path: str) -> None:
    """Validate the Argo objects in a file, offline. Exit 1 on any error."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from error
    findings = lint.lint_text(text, source=path)
    for finding in findings:
        click.echo(str(finding))
    if any(finding.error for finding in findings):
        sys.exit(1)


@click.command()
@kube_options
@click.option("--short", is_flag=True, help="Print the version number only.")
def version(short: bool) -> None:
    """Print the plugin's version."""
    click.echo(f"kubectl-rollouts: v{rollouts.__version__}")
    if not short:
        click.echo(f"  PythonVersion: {platform.python_version()}")
        click.echo(f"  Implementation: {platform.python_implementation()}")
        click.echo(f"  Platform: {sys.platform}/{platform.machine()}")


@click.command("completion")
@kube_options
@click.argument("shell", type=click.Choice(completion.SHELLS))
def completion_command(shell: str) -> None:
    """Print the completion script for bash, zsh or fish.

    Load it with `source <(kubectl-rollouts completion bash)`; Rollout names complete too.
    """
    root = click.get_current_context().find_root().command
    assert isinstance(root, click.Group)
    click.echo(completion.script(root, shell))
