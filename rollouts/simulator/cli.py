"""`rollouts simulate`: the command line of the traffic simulator. Parses options and calls `main.run_until_signalled`."""

from __future__ import annotations

import logging
import sys

import click

from rollouts.simulator import main as simulator_main
from rollouts.simulator import routes, traffic


def _parse_targets(
    _context: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[traffic.Target, ...]:
    targets = []
    for value in values:
        kind, _, name = value.partition("/")
        if kind not in routes.KINDS or not name:
            raise click.BadParameter(f"{value!r}: expected KIND/NAME with KIND one of {', '.join(routes.KINDS)}")
        targets.append(traffic.Target(kind, name))
    return tuple(targets)


@click.command()
@click.option(
    "--kubeconfig",
    envvar="KUBECONFIG",
    default=None,
    help="Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster).",
)
@click.option("--context", default=None, help="kubeconfig context to use.")
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace whose traffic to simulate.")
@click.option(
    "--virtual-service",
    "virtual_services",
    multiple=True,
    help="Send traffic through this VirtualService (repeatable).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    callback=_parse_targets,
    metavar="KIND/NAME",
    help=f"Send traffic through this router object (repeatable); KIND one of {', '.join(routes.KINDS)}.",
)
@click.option("--service", "services", multiple=True, help="Send traffic straight to this Service (repeatable).")
@click.option(
    "--rate",
    default=20.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Requests per second, per target.",
)
@click.option("--port", default=9101, show_default=True, type=click.IntRange(0, 65535), help="Port for /metrics.")
@click.option("--address", default="0.0.0.0", show_default=True, help="Address to serve /metrics on.")
@click.option("--seed", default=None, type=int, help="Seed for the random generator (same seed, same requests).")
@click.option(
    "--reporter",
    "reporters",
    multiple=True,
    type=click.Choice(["destination", "source"]),
    default=("destination",),
    show_default=True,
    help="Value of Istio's reporter label; repeat for both, as a real mesh reports.",
)
@click.option("--loglevel", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
def simulate(
    kubeconfig: str | None,
    context: str | None,
    namespace: str,
    virtual_services: tuple[str, ...],
    targets: tuple[traffic.Target, ...],
    services: tuple[str, ...],
    rate: float,
    port: int,
    address: str,
    seed: int | None,
    reporters: tuple[str, ...],
    loglevel: str,
) -> None:
    """Fake the requests a mesh would carry in a namespace, and export Istio's metrics for Prometheus.

    Without --virtual-service, --target or --service: every router object of the namespace (VirtualService,
    HTTPRoute, Ingress, TrafficSplit, TraefikService, ApisixRoute), and every Service none of them routes to. Versions behave by their image tag (errors-<N>, slow-<ms>, bad) or by the pod-template
    annotations simulator.rollouts.dev/error-rate and simulator.rollouts.dev/latency-ms.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(loglevel.upper())
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    options = simulator_main.Options(
        kubeconfig=kubeconfig,
        context=context,
        namespace=namespace,
        virtual_services=virtual_services,
        targets=targets,
        services=services,
        rate=rate,
        port=port,
        address=address,
        seed=seed,
        reporters=reporters,
    )
    sys.exit(simulator_main.run_until_signalled(options))
