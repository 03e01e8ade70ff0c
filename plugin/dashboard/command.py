"""`kubectl rollouts dashboard` (local, bound to localhost) and `rollouts-dashboard` (in-cluster, behind a proxy).

The web stack is imported only when the command runs, so other plugin commands start as fast as before.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import click

from plugin.context import CliContext, current, kube_options

DEFAULT_PORT = 3100
"""Argo Rollouts' dashboard port, so bookmarks keep working."""


def _options(command: Any) -> Any:
    options = [
        click.option(
            "--address", default="127.0.0.1", show_default=True, help="Listen on this address (0.0.0.0 in a pod)."
        ),
        click.option(
            "-p",
            "--port",
            type=click.IntRange(0, 65535),
            default=DEFAULT_PORT,
            show_default=True,
            help="Listen on this port.",
        ),
        click.option(
            "--auth-header",
            default=None,
            help="Trust this header (e.g. X-Forwarded-User) as the signed-in user; only behind an authenticating proxy.",
        ),
        click.option(
            "--auth-groups-header",
            default="X-Forwarded-Groups",
            show_default=True,
            help="The proxy's groups header (comma-separated).",
        ),
        click.option("--secure-cookie", is_flag=True, help="Mark the session cookie Secure (when served over HTTPS)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def serve(
    cli: CliContext, address: str, port: int, auth_header: str | None, auth_groups_header: str, secure_cookie: bool
) -> None:
    """Fill the caches (every kind, all namespaces), then serve until interrupted."""
    import uvicorn

    from plugin.dashboard.auth import AuthConfig
    from plugin.dashboard.server import Dashboard, build_app
    from rollouts.kube import errors

    config = AuthConfig(user_header=auth_header, groups_header=auth_groups_header, secure_cookie=secure_cookie)
    stop = threading.Event()
    try:
        dashboard = Dashboard(cli.kube, config)
        dashboard.cache.start(stop)
    except errors.ApiError as error:
        stop.set()
        raise click.ClickException(f"cannot reach the cluster: {error.message}") from error
    except TimeoutError as error:
        stop.set()
        raise click.ClickException(f"{error}: are the CRDs installed, and may this identity list them?") from error
    mode = f"users named by the {auth_header} header" if auth_header else "sign-in with a bearer token"
    click.echo(f"rollouts dashboard on http://{address}:{port}/ ({mode})", err=True)
    try:
        uvicorn.run(build_app(dashboard), host=address, port=port, log_level="warning", timeout_graceful_shutdown=2)
    finally:
        stop.set()


@click.command("dashboard")
@kube_options
@_options
def dashboard(address: str, port: int, auth_header: str | None, auth_groups_header: str, secure_cookie: bool) -> None:
    """Serve a web UI: rollouts of every namespace you may see, their trees, and promote/abort/… buttons."""
    serve(current(), address, port, auth_header, auth_groups_header, secure_cookie)


@click.command("rollouts-dashboard")
@kube_options
@_options
@click.pass_context
def main(
    ctx: click.Context, address: str, port: int, auth_header: str | None, auth_groups_header: str, secure_cookie: bool
) -> None:
    """The dashboard as its own program, e.g. in a pod: `rollouts-dashboard --address 0.0.0.0 --auth-header X-Forwarded-User`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(ctx.ensure_object(CliContext), address, port, auth_header, auth_groups_header, secure_cookie)
