"""The `rollouts` command: run the controller, manage the local cluster, generate CRDs, run the demo."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rollouts import __version__
from rollouts.api.types import parse_duration
from rollouts.cluster import build, local

if TYPE_CHECKING:
    from rollouts.controller.main import Options

DIR_HELP = "Cluster directory (default: $ROLLOUTS_CLUSTER_DIR, else ~/.local/state/rollouts/cluster)."


@click.group()
@click.version_option(package_name="rollouts")
def main() -> None:
    """Progressive delivery for Kubernetes: blue-green and canary Rollouts (argoproj.io/v1alpha1)."""


class Duration(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """Go's duration syntax as Argo's flags take it (`15s`, `1m30s`, `500ms`), or a number of seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            return float(value)  # our own spelling (and the defaults): seconds
        except (TypeError, ValueError):
            pass
        try:
            return parse_duration(str(value))
        except ValueError:
            self.fail(
                f"{value!r} is not a duration: expected e.g. 15s, 1m30s, 500ms, or seconds as a number", param, ctx
            )


BOOL: dict[str, Any] = {"type": click.BOOL, "is_flag": False, "flag_value": True}
"""A Go-style boolean flag: `--flag` alone means true, `--flag=false` turns it off."""

# Argo v1.10 flags that change nothing here: accepted so Argo's Deployments keep working, and named in one warning.
ARGO_UNUSED: dict[str, dict[str, Any]] = {
    **{f"--{name}-threads": {"type": int} for name in ("experiment", "service", "ingress", "ephemeral-metadata")},
    "--ephemeral-metadata-update-pod-retries": {"type": int},
    "--kloglevel": {"type": int},
    **{
        f"--{name}": {"type": str}
        for name in (
            "aws-target-group-binding-api-version",
            "alb-tag-key-resource-id",
            "istio-api-version",
            "ambassador-api-version",
            "traffic-split-api-version",
            "traefik-api-group",
            "traefik-api-version",
            "ingress-api-version",
            "appmesh-crd-version",
            "enable-pprof-address",
        )
    },
    "--alb-ingress-classes": {"multiple": True},
    "--nginx-ingress-classes": {"multiple": True},
    **{
        f"--{name}": BOOL
        for name in ("alb-verify-weight", "aws-verify-target-group", "self-service-notification-enabled")
    },
    # kubectl's client flags, which Argo's controller also takes (--kubeconfig, --context, --namespace are ours).
    **{
        f"--{name}": {"type": str}
        for name in (
            "cluster",
            "user",
            "server",
            "token",
            "as",
            "as-uid",
            "username",
            "password",
            "client-certificate",
            "client-key",
            "certificate-authority",
            "tls-server-name",
            "request-timeout",
        )
    },
    "--as-group": {"multiple": True},
    **{f"--{name}": BOOL for name in ("insecure-skip-tls-verify", "disable-compression")},
}
LOG_LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "fatal": "critical",
    "panic": "critical",
}


def _argo_unused(command: Callable[..., None]) -> Callable[..., None]:
    for flag, settings in reversed(ARGO_UNUSED.items()):
        command = click.option(flag, hidden=True, default=None, **settings)(command)
    return command


@main.command()
@click.option(
    "--kubeconfig",
    envvar="KUBECONFIG",
    default=None,
    help="Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster).",
)
@click.option("--context", default=None, help="kubeconfig context to use.")
@click.option("--namespace", "-n", default=None, help="Watch only this namespace.")
@click.option(
    "--namespaced", **BOOL, default=False, help="Watch only the kubeconfig context's (or the pod's) namespace."
)
@click.option(
    "--instance-id",
    default="",
    help="Only manage objects labelled argo-rollouts.argoproj.io/controller-instance-id=<id>.",
)
@click.option("--rollout-threads", default=10, show_default=True, help="Rollout reconcile workers.")
@click.option(
    "--analysis-threads",
    default=30,
    show_default=True,
    help="AnalysisRun reconcile workers (measurements wait on the network).",
)
@click.option(
    "--controllers",
    multiple=True,
    type=click.Choice(["analysis"]),
    help="Run only these controllers (Argo: only 'analysis').",
)
@click.option(
    "--rollout-resync",
    type=Duration(),
    default=900.0,
    show_default=True,
    help="Seconds between full resyncs of every Rollout.",
)
@click.option(
    "--leader-elect",
    **BOOL,
    default=True,
    show_default=True,
    help="Elect a leader on a Lease before acting (--leader-elect=false: off).",
)
@click.option("--no-leader-elect", is_flag=True, help="Same as --leader-elect=false.")
@click.option(
    "--leader-election-lease-duration",
    type=Duration(),
    default=15.0,
    show_default=True,
    help="How long a Lease is valid without renewal (15s, or seconds).",
)
@click.option(
    "--leader-election-renew-deadline",
    type=Duration(),
    default=10.0,
    show_default=True,
    help="How long a leader keeps trying to renew before it steps down.",
)
@click.option(
    "--leader-election-retry-period",
    type=Duration(),
    default=2.0,
    show_default=True,
    help="Time between election attempts.",
)
@click.option(
    "--leader-election-namespace",
    default=None,
    help="Namespace of the Lease (default: POD_NAMESPACE, the watched or the context namespace, else default).",
)
@click.option(
    "--qps",
    type=float,
    default=0.0,
    show_default=True,
    help="Requests per second to the API server (0: unlimited; Argo's default is 40).",
)
@click.option("--burst", type=int, default=80, show_default=True, help="Requests allowed above --qps in a burst.")
@click.option(
    "--metrics-port",
    "--metricsPort",
    "--metricsport",
    "metrics_port",
    default=8090,
    show_default=True,
    help="Port for /metrics (0: off).",
)
@click.option(
    "--healthz-port",
    "--healthzPort",
    "healthz_port",
    default=8080,
    show_default=True,
    help="Port for /healthz (0: off).",
)
@click.option(
    "--logformat", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True
)
@click.option(
    "--loglevel", type=click.Choice(list(LOG_LEVELS), case_sensitive=False), default="info", show_default=True
)
@click.option("--version", "print_version", is_flag=True, help="Print the version and exit.")
@_argo_unused
def controller(**params: Any) -> None:
    """Run the Rollout controller against a cluster. Takes Argo Rollouts' controller flags too."""
    if params["print_version"]:
        click.echo(__version__)
        return
    from rollouts.controller import main as controller_main

    sys.exit(controller_main.run(options_from(params)))


def options_from(params: dict[str, Any]) -> Options:
    """The controller's Options from parsed flags; the Argo flags that change nothing are listed in `ignored_flags`."""
    from rollouts.controller.main import Options  # here, not at the top: the controller is slow to import

    ignored = tuple(flag for flag in ARGO_UNUSED if params.get(_param_name(flag)) not in (None, ()))
    return Options(
        kubeconfig=params["kubeconfig"],
        context=params["context"],
        namespace=params["namespace"],
        namespaced=params["namespaced"],
        instance_id=params["instance_id"],
        rollout_threads=params["rollout_threads"],
        analysis_threads=params["analysis_threads"],
        only_analysis="analysis" in params["controllers"],
        resync_seconds=params["rollout_resync"],
        leader_elect=params["leader_elect"] and not params["no_leader_elect"],
        lease_duration=params["leader_election_lease_duration"],
        renew_deadline=params["leader_election_renew_deadline"],
        retry_period=params["leader_election_retry_period"],
        lease_namespace=params["leader_election_namespace"],
        qps=params["qps"],
        burst=params["burst"],
        metrics_port=params["metrics_port"],
        healthz_port=params["healthz_port"],
        log_format=params["logformat"].lower(),
        log_level=LOG_LEVELS[params["loglevel"].lower()],
        ignored_flags=ignored,
    )


def parse_controller_args(args: list[str]) -> Options:
    """Parse `rollouts controller` arguments without running anything (bad input raises click's usage errors)."""
    with controller.make_context("rollouts controller", list(args)) as ctx:
        return options_from(ctx.params)


def _param_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_").lower()


def controller_main() -> None:
    """Entry point of the `rollouts-controller` script: `rollouts controller` under its own name."""
    controller(prog_name="rollouts-controller")


@main.group()
def crds() -> None:
    """The CustomResourceDefinitions, generated from the API models in rollouts/api."""


@crds.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("crds"),
    show_default=True,
    help="Where to write them.",
)
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
