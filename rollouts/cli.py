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


@main.command()
@click.option("--kubeconfig", envvar="KUBECONFIG", default=None, help="Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster).")
@click.option("--context", default=None, help="kubeconfig context to use.")
@click.option("--namespace", default=None, help="Watch only this namespace.")
@click.option("--namespaced", is_flag=True, help="Watch only the kubeconfig context's (or the pod's) namespace.")
@click.option("--instance-id", default="", help="Only manage objects labelled argo-rollouts.argoproj.io/controller-instance-id=<id>.")
@click.option("--rollout-threads", default=10, show_default=True, help="Rollout reconcile workers.")
@click.option("--analysis-threads", default=30, show_default=True, help="AnalysisRun reconcile workers (measurements wait on the network).")
@click.option("--leader-elect/--no-leader-elect", default=True, show_default=True, help="Elect a leader on a Lease before acting.")
@click.option("--leader-election-lease-duration", default=15.0, show_default=True, help="Seconds a Lease is valid without renewal.")
@click.option("--leader-election-renew-deadline", default=10.0, show_default=True, help="Seconds a leader keeps trying to renew.")
@click.option("--leader-election-retry-period", default=2.0, show_default=True, help="Seconds between election attempts.")
@click.option("--leader-election-namespace", default=None, help="Namespace of the Lease (default: POD_NAMESPACE, the watched or the context namespace, else default).")
@click.option("--metrics-port", "--metricsPort", default=8090, show_default=True, help="Port for /metrics (0: off).")
@click.option("--healthz-port", "--healthzPort", default=8080, show_default=True, help="Port for /healthz (0: off).")
@click.option("--logformat", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--loglevel", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
def controller(
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    namespaced: bool,
    instance_id: str,
    rollout_threads: int,
    analysis_threads: int,
    leader_elect: bool,
    leader_election_lease_duration: float,
    leader_election_renew_deadline: float,
    leader_election_retry_period: float,
    leader_election_namespace: str | None,
    metrics_port: int,
    healthz_port: int,
    logformat: str,
    loglevel: str,
) -> None:
    """Run the Rollout controller against a cluster."""
    from rollouts.controller import main as controller_main

    options = controller_main.Options(
        kubeconfig=kubeconfig, context=context, namespace=namespace, namespaced=namespaced, instance_id=instance_id,
        rollout_threads=rollout_threads, analysis_threads=analysis_threads, leader_elect=leader_elect, lease_duration=leader_election_lease_duration,
        renew_deadline=leader_election_renew_deadline, retry_period=leader_election_retry_period,
        lease_namespace=leader_election_namespace, metrics_port=metrics_port, healthz_port=healthz_port,
        log_format=logformat, log_level=loglevel,
    )  # fmt: skip
    sys.exit(controller_main.run(options))


def controller_main() -> None:
    """Entry point of the `rollouts-controller` script: `rollouts controller` under its own name."""
    controller(prog_name="rollouts-controller")


@main.group()
def crds() -> None:
    """The CustomResourceDefinitions, generated from the API models in rollouts/api."""


@crds.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("crds"), show_default=True, help="Where to write them.")
def generate(directory: Path) -> None:
    """Write crds/*.yaml from the models: the only step needed after a model changes."""
    from rollouts.api import crdgen

    for path in crdgen.generate(directory):
        click.echo(path)


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


def _add_simulator() -> None:
    from rollouts.simulator.cli import simulate

    main.add_command(simulate)


_add_simulator()


def _add_demo() -> None:
    from rollouts.demo.cli import demo

    main.add_command(demo)


_add_demo()


if __name__ == "__main__":
    sys.exit(main())
