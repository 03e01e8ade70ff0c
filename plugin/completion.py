"""Shell completion: the script `completion bash|zsh|fish` prints, and Rollout names for NAME arguments.

The script is click's own; at completion time the shell runs `kubectl-rollouts` with
`_KUBECTL_ROLLOUTS_COMPLETE` set, and `rollout_names` lists the Rollouts of the namespace given so far.
"""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem, get_completion_class

PROG_NAME = "kubectl-rollouts"
COMPLETE_VAR = "_KUBECTL_ROLLOUTS_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def script(cli: click.Command, shell: str) -> str:
    """The completion script to source in `shell`."""
    completion_class = get_completion_class(shell)
    if completion_class is None:
        raise click.UsageError(f"unsupported shell {shell!r}; choose one of {', '.join(SHELLS)}")
    return completion_class(cli, {}, PROG_NAME, COMPLETE_VAR).source()


def rollout_names(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Names of the Rollouts in the chosen namespace that start with what was typed; nothing if the API is away."""
    from plugin.context import current
    from rollouts.kube import resources

    try:
        settings = current(ctx)
        items, _ = settings.kube.list(resources.ROLLOUTS, settings.namespace)
    except Exception:  # completion must never print a traceback into the user's shell
        return []
    names = sorted(str((item.get("metadata") or {}).get("name") or "") for item in items)
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]
