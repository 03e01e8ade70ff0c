"""The dashboard's buttons: the plugin's own intents (`plugin.intents`), authorised, then sent by `plugin.send`.

Each change of an intent is checked with a SubjectAccessReview for the signed-in user first (patch, or update
for a full replacement, on the target's resource and subresource), so a refused action sends nothing and says
which permission is missing. Users who signed in with a token then send with that token, so the API server
checks them once more; behind an authenticating proxy the dashboard's own identity sends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from plugin import intents
from plugin.dashboard.access import Authoriser, User
from plugin.intents import Change, Intent
from plugin.send import RESOURCES_BY_KIND, send
from rollouts.kube import resources
from rollouts.kube.client import Kube

Obj = dict[str, Any]

BUILDERS: dict[str, Callable[[Obj, Sequence[Obj], datetime], Intent]] = {
    "promote": lambda rollout, _rs, _now: intents.promote(rollout),
    "promote-full": lambda rollout, _rs, _now: intents.promote(rollout, full=True),
    "abort": lambda rollout, _rs, _now: intents.abort(_name(rollout)),
    "retry": lambda rollout, _rs, _now: intents.retry(_name(rollout)),
    "pause": lambda rollout, _rs, _now: intents.pause(_name(rollout)),
    "resume": lambda rollout, _rs, _now: intents.resume(rollout),
    "restart": lambda rollout, _rs, now: intents.restart(_name(rollout), now=now),
    "undo": lambda rollout, replicasets, _now: intents.undo(rollout, replicasets),
}
"""Every action the dashboard offers, by the name its button posts."""


class Refused(Exception):
    """The user may not do this; the message names the missing permission."""


def user_kube(base: Kube, token: str) -> Kube:
    """A client that authenticates as the user's bearer token only (no client certificate of the dashboard's)."""
    connection = dataclasses.replace(
        base.connection, cert_file=None, key_file=None, auth_headers=lambda: {"Authorization": f"Bearer {token}"}
    )
    return Kube(connection, pool_size=2)


def missing_permission(authoriser: Authoriser, user: User, namespace: str, changes: Sequence[Change]) -> str:
    """The first permission `user` lacks for `changes`, as `verb resource[/subresource]`; "" when none."""
    for change in changes:
        resource = RESOURCES_BY_KIND[change.target.kind]
        verb = "update" if change.kind == "replace" else "patch"
        subresource = change.target.subresource or ""
        if not authoriser.allowed(user, verb, resource, namespace, subresource):
            return f"{verb} {resource.plural}{'/' + subresource if subresource else ''}"
    return ""


def perform(
    *,
    action: str,
    kube: Kube,
    authoriser: Authoriser,
    user: User,
    namespace: str,
    name: str,
    replicasets: Sequence[Obj],
    now: datetime,
) -> str:
    """Carry out `action` on one Rollout as `user`; return the line the CLI would print. Raises `Refused`,
    `intents.IntentError` and the API's errors."""
    build = BUILDERS.get(action)
    if build is None:
        raise intents.IntentError(f"unknown action {action!r}; expected one of {', '.join(BUILDERS)}")
    if not authoriser.allowed(user, "patch", resources.ROLLOUTS, namespace):
        raise Refused(f"{user.name} may not patch rollouts in namespace {namespace}")
    rollout = kube.get(resources.ROLLOUTS, namespace, name)
    intent = build(rollout, replicasets, now)
    missing = missing_permission(authoriser, user, namespace, intent.changes)
    if missing:
        raise Refused(f"{user.name} may not {missing} in namespace {namespace}")
    send(kube, namespace, intent)
    return intent.message


def _name(rollout: Obj) -> str:
    return str((rollout.get("metadata") or {}).get("name") or "")
