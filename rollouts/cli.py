"""The `rollouts` command: run the controller, manage the local cluster, generate CRDs, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rollouts.cluster import build, local

DIR_HELP = "Cluster directory (default: $ROLLOUTS_CLUSTER_DIR, else ~/.local/state/rollouts/cluster)."


@click.group()
@click.version_option(package_name="rollouts")
def main() -> None:
    """Progressive delivery for Kubernetes: blue-green and canary Rollouts (argoproj.io/v1alpha1)."""


@main.group()
def cluster() -> None:
    """A real local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok."""


def _progress(line: str) -> None:
    click.echo(line, err=True)


@cluster.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None, help=DIR_HELP)
def up(directory: Path | None) -> None:
    """Build (first time only) and start the cluster, then print the exports to use it."""
    local_cluster = local.LocalCluster(directory)
    try:
        local_cluster.up(progress=_progress)
    except (build.BuildError, local.ClusterError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(local_cluster.env())


@cluster.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None, help=DIR_HELP)
def down(directory: Path | None) -> None:
    """Stop every process `up` started."""
    stopped = local.LocalCluster(directory).down(progress=_progress)
    if not stopped:
        click.echo("no cluster processes were running", err=True)


@cluster.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None, help=DIR_HELP)
def env(directory: Path | None) -> None:
    """Print the exports for an existing cluster: eval "$(rollouts cluster env)"."""
    try:
        click.echo(local.LocalCluster(directory).env())
    except local.ClusterError as error:
        raise click.ClickException(str(error)) from error


@cluster.command("build")
def build_command() -> None:
    """Build the control-plane binaries into the cache (a no-op when cached) and print their directory."""
    try:
        toolchain = build.ensure_toolchain(progress=_progress)
    except build.BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(toolchain.bin_dir)


if __name__ == "__main__":
    sys.exit(main())
