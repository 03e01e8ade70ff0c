"""Who the CLI talks to: kubeconfig, context and namespace, and the `Kube` client made from them.

The three flags `--kubeconfig`, `--context` and `-n/--namespace` are accepted before or after the subcommand
(`kube_options` puts them on the group and on every command; the later one wins). The namespace defaults to the
kubeconfig context's, else `default`. Tests inject a ready `Kube` (and a clock) by passing their own
`CliContext` as click's `obj`. The client is created on first use, so offline commands never load kubeconfig.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rollouts.kube.client import Kube

F = TypeVar("F", bound=Callable[..., Any])


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CliContext:
    """The connection settings of one invocation, and the client built from them."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace_flag: str | None = None
    kube_client: Kube | None = None
    """Set by tests; otherwise built from the kubeconfig on first use."""
    now: Callable[[], datetime] = field(default=_utc_now)

    @property
    def kube(self) -> Kube:
        if self.kube_client is None:
            from rollouts.kube.client import Kube  # deferred: offline commands never pay for the client import

            self.kube_client = Kube.from_kubeconfig(self.kubeconfig, self.context)
        return self.kube_client

    @property
    def namespace(self) -> str:
        """`-n`, else the kubeconfig context's namespace, else `default`."""
        if self.namespace_flag:
            return self.namespace_flag
        return self.kube.connection.namespace or "default"


def _setter(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            setattr(ctx.ensure_object(CliContext), attribute, value)

    return store


def kube_options(command: F) -> F:
    """Add `--kubeconfig`, `--context` and `-n/--namespace` to a group or command; values land in `CliContext`."""
    options = [
        click.option(
            "--kubeconfig", callback=_setter("kubeconfig"), expose_value=False, help="Path to the kubeconfig file."
        ),
        click.option(
            "--context", callback=_setter("context"), expose_value=False, help="The kubeconfig context to use."
        ),
        click.option(
            "-n",
            "--namespace",
            callback=_setter("namespace_flag"),
            expose_value=False,
            help="Namespace (default: the context's, else default).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def current(ctx: click.Context | None = None) -> CliContext:
    """The `CliContext` of the running command."""
    return (ctx or click.get_current_context()).ensure_object(CliContext)
