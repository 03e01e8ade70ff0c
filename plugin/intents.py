"""What each mutating command asks of the API, as data: the exact patches, their targets and order.

Pure: objects in, `Intent`s out; no I/O, no clock (`restart` is handed the time). The bodies are Argo Rollouts'
own, byte for byte in meaning, so the controller (ours or Argo's) sees the same requests whichever CLI sent them:

* promote: status first (on /status), then spec; `promote --full` asks for `status.promoteFull`;
* abort / retry: `status.abort` true / false on /status;
* pause: `spec.paused: true`; resume (ours; Argo has none): clear pause conditions, then unpause the spec;
* restart: `spec.restartAt` (RFC 3339, UTC, whole seconds);
* set image: the whole object with new images, sent as an update (PUT), to the workloadRef Deployment if any;
* undo: JSON patch replacing `/spec/template` with an older ReplicaSet's template (minus the hash label);
* terminate analysisrun: `spec.terminate: true`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from plugin import phases, raw
from rollouts.api.labels import HASH_LABEL, OVERRIDE_WINDOW_ANNOTATION, REVISION_ANNOTATION

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

ChangeKind = Literal["merge", "json", "replace"]


class IntentError(Exception):
    """The command cannot be carried out on this object (e.g. no such container or revision)."""


@dataclass(frozen=True)
class Target:
    """The object a change is sent to: its kind, name and, for status writes, the `status` subresource."""

    kind: str
    name: str
    subresource: str | None = None


@dataclass(frozen=True)
class Change:
    """One request: a merge patch, a JSON patch, or a full replacement (PUT) of the target."""

    target: Target
    kind: ChangeKind
    body: Any


@dataclass(frozen=True)
class Intent:
    """The requests a command makes, in order, and the line it prints once they succeed."""

    changes: tuple[Change, ...]
    message: str
    fallback: tuple[Change, ...] = field(default=())
    """Sent instead of every change from the first /status one on, when the status subresource answers 404
    (a Rollout CRD without a status subresource); Argo's CLI does the same."""


# ---- promote / abort / retry / pause / resume ----------------------------------------------------------------


def promote(rollout: Mapping[str, Any], *, full: bool = False) -> Intent:
    """Resume a paused rollout or skip the current step; `full` skips every remaining step, analysis and pause.

    Without `full`: the spec is unpaused if paused. The status patch then depends on why it is stopped: an
    inconclusive step analysis that paused the controller moves past that step; pause conditions are cleared;
    a canary with no pause condition (running analysis or experiment step) moves to the next step, capped at
    the number of steps. A blue-green rollout with no pause condition gets the spec unpause only.
    """
    name = _name(rollout)
    spec, status = raw.spec(rollout), raw.status(rollout)
    paused = bool(spec.get("paused"))
    unpause = {"spec": {"paused": False}}
    spec_body: dict[str, Any] | None = unpause if paused else None
    status_body: dict[str, Any] | None = None
    if full:
        if status.get("currentPodHash") != status.get("stableRS"):
            status_body = {"status": {"promoteFull": True}}
        unified: dict[str, Any] = {"spec": {"paused": False}, "status": {"promoteFull": True}}
        message = f"rollout '{name}' fully promoted"
    else:
        unified = {"spec": {"paused": False}, "status": {"pauseConditions": None}}
        pause_conditions = status.get("pauseConditions") or []
        next_step = _next_step_index(rollout)
        if _step_analysis_inconclusive(rollout) and pause_conditions and status.get("controllerPause"):
            if next_step is not None:
                status_body = {
                    "status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": next_step}
                }
        elif pause_conditions:
            status_body = {"status": {"pauseConditions": None}}
        elif raw.canary(rollout) is not None and next_step is not None:
            status_body = {"status": {"pauseConditions": None, "currentStepIndex": next_step}}
            unified = {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": next_step}}
        message = f"rollout '{name}' promoted"
    changes = []
    if status_body is not None:
        changes.append(Change(Target("Rollout", name, "status"), "merge", status_body))
    if spec_body is not None:
        changes.append(Change(Target("Rollout", name), "merge", spec_body))
    return Intent(tuple(changes), message, fallback=(Change(Target("Rollout", name), "merge", unified),))


def override_window(rollout: Mapping[str, Any]) -> Intent:
    """Let the traffic shift a promotion window holds go through once: an annotation naming it ("<pod hash>/<step
    index>", or "/promote" for blue-green) and the hold's start; the controller records the override in an event."""
    name, status = _name(rollout), raw.status(rollout)
    holds = [c for c in status.get("pauseConditions") or [] if c.get("reason") == "PromotionWindow"]
    if not holds:
        raise IntentError(f"rollout '{name}' is not held by a promotion window")
    if raw.canary(rollout) is None:
        gate = "promote"
    elif status.get("promoteFull"):
        gate = str(len(phases.canary_steps(rollout)))  # promote --full: held before the end of the steps
    else:
        gate = str(phases.step_index(rollout))
    value = f"{status.get('currentPodHash')}/{gate}@{holds[0].get('startTime') or ''}"  # this hold, not a later one
    body = {"metadata": {"annotations": {OVERRIDE_WINDOW_ANNOTATION: value}}}
    return Intent((Change(Target("Rollout", name), "merge", body),), f"rollout '{name}' promoted past its window")


def abort(name: str) -> Intent:
    """Stop the update and go back to the stable ReplicaSet (the controller keeps the aborted revision around)."""
    return _status_flag(name, {"status": {"abort": True}}, f"rollout '{name}' aborted")


def retry(name: str) -> Intent:
    """Clear an abort so the controller starts the update again."""
    return _status_flag(name, {"status": {"abort": False}}, f"rollout '{name}' retried")


def pause(name: str) -> Intent:
    """Pause the rollout by its spec (what `kubectl argo rollouts pause` does)."""
    return Intent((Change(Target("Rollout", name), "merge", {"spec": {"paused": True}}),), f"rollout '{name}' paused")


def resume(rollout: Mapping[str, Any]) -> Intent:
    """Undo a pause, whoever made it: clear pause conditions (status first), then unpause the spec.

    Unlike `promote` it never moves the step index, so a running analysis or experiment step is not skipped.
    """
    name = _name(rollout)
    changes = []
    if raw.status(rollout).get("pauseConditions"):
        changes.append(Change(Target("Rollout", name, "status"), "merge", {"status": {"pauseConditions": None}}))
    if raw.spec(rollout).get("paused"):
        changes.append(Change(Target("Rollout", name), "merge", {"spec": {"paused": False}}))
    unified = {"spec": {"paused": False}, "status": {"pauseConditions": None}}
    return Intent(
        tuple(changes), f"rollout '{name}' resumed", fallback=(Change(Target("Rollout", name), "merge", unified),)
    )


def _status_flag(name: str, body: dict[str, Any], message: str) -> Intent:
    return Intent(
        (Change(Target("Rollout", name, "status"), "merge", body),),
        message,
        fallback=(Change(Target("Rollout", name), "merge", body),),
    )


# ---- restart ---------------------------------------------------------------------------------------------------


def restart(name: str, *, now: datetime, delay_seconds: float = 0.0, delay_text: str = "0s") -> Intent:
    """Ask the controller to replace every pod at `now + delay` (UTC, whole seconds, like Go's RFC3339)."""
    at = (now.astimezone(UTC) + timedelta(seconds=delay_seconds)).replace(microsecond=0)
    body = {"spec": {"restartAt": at.strftime("%Y-%m-%dT%H:%M:%SZ")}}
    return Intent((Change(Target("Rollout", name), "merge", body),), f"rollout '{name}' restarts in {delay_text}")


# ---- set image -------------------------------------------------------------------------------------------------


def workload_ref(rollout: Mapping[str, Any]) -> Target | None:
    """The object that holds the pod template, when the Rollout borrows it (`spec.workloadRef`)."""
    ref = raw.spec(rollout).get("workloadRef")
    if not ref:
        return None
    name = ref.get("name")
    if not isinstance(name, str):
        raise IntentError(f"spec.workloadRef.name is not a string: {name!r}")
    return Target(str(ref.get("kind") or "Deployment"), name)


def set_image(obj: Mapping[str, Any], container: str, image: str) -> Intent:
    """Replace `obj` (a Rollout, or the Deployment it references) with `container`'s image set (`*`: every one).

    Init, regular and ephemeral containers are all searched. The full object goes back as an update, so a
    concurrent change makes it fail with a conflict rather than be overwritten.
    """
    updated = copy.deepcopy(dict(obj))
    pod_spec = ((updated.get("spec") or {}).get("template") or {}).get("spec") or {}
    found = False
    for list_name in CONTAINER_LISTS:
        for entry in pod_spec.get(list_name) or []:
            if container == "*" or entry.get("name") == container:
                entry["image"] = image
                found = True
    if not found:
        raise IntentError(f'unable to find container named "{container}"')
    kind = str(updated.get("kind") or "Rollout")
    name = _name(updated)
    return Intent((Change(Target(kind, name), "replace", updated),), f'{kind.lower()} "{name}" image updated')


# ---- undo ------------------------------------------------------------------------------------------------------


def undo(rollout: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]], *, to_revision: int = 0) -> Intent:
    """Roll the pod template back to the one of revision `to_revision` (0: the one before the newest).

    Only ReplicaSets the Rollout controls count. When the Rollout's template already equals that revision's
    (ignoring the hash label) nothing is sent. Otherwise `/spec/template` of the Rollout, or of the object in
    its workloadRef, is replaced by the ReplicaSet's template without the hash label.
    """
    name = _name(rollout)
    chosen = _revision_replicaset(rollout, replicasets, to_revision)
    template = copy.deepcopy((chosen.get("spec") or {}).get("template") or {})
    revision = _revision(chosen) or to_revision
    current = raw.spec(rollout).get("template")
    if current is not None and _derivative(_without_hash(current), _without_hash(template)):
        return Intent((), f"skipped rollback (current template already matches revision {revision})")
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    body = [{"op": "replace", "path": "/spec/template", "value": template}]
    ref = workload_ref(rollout)
    if ref is not None and ref.kind not in ("Deployment", "ReplicaSet", "PodTemplate"):
        raise IntentError(f"workload of type {ref.kind} is not supported")
    target = ref or Target("Rollout", name)
    return Intent((Change(target, "json", body),), f"rollout '{name}' undo")


def _revision_replicaset(
    rollout: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]], to_revision: int
) -> Mapping[str, Any]:
    uid = (rollout.get("metadata") or {}).get("uid")
    owned = [rs for rs in replicasets if _controlled_by(rs, uid)]
    numbered: list[tuple[int, Mapping[str, Any]]] = []
    for rs in owned:
        revision = _revision(rs, strict=True)
        if revision is not None:
            numbered.append((revision, rs))
    if to_revision > 0:
        for revision, rs in numbered:
            if revision == to_revision:
                return rs
        raise IntentError(f"unable to find specified revision {to_revision} in history")
    numbered.sort(key=lambda pair: pair[0], reverse=True)
    if len(numbered) < 2:
        raise IntentError(f'no revision found for rollout "{_name(rollout)}"')
    return numbered[1][1]


def _controlled_by(obj: Mapping[str, Any], uid: str | None) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(ref.get("controller") and ref.get("uid") == uid for ref in refs)


def _revision(obj: Mapping[str, Any], *, strict: bool = False) -> int | None:
    """The revision annotation; absent counts as 0, unparsable as None (strict) or 0."""
    raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        return None if strict else 0


def _without_hash(template: Any) -> Any:
    trimmed = copy.deepcopy(template)
    labels = ((trimmed or {}).get("metadata") or {}).get("labels") if isinstance(trimmed, dict) else None
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return trimmed


def _derivative(wanted: Any, actual: Any) -> bool:
    """Whether `actual` has everything `wanted` sets: unset/empty values in `wanted` match anything, so server
    defaults present only in `actual` do not count as differences (apimachinery's semantic DeepDerivative)."""
    if wanted is None:
        return True
    if isinstance(wanted, dict):
        if not wanted:
            return True
        if not isinstance(actual, dict) or len(wanted) > len(actual):
            return False
        return all(key in actual and _derivative(value, actual[key]) for key, value in wanted.items())
    if isinstance(wanted, list):
        if not wanted:
            return True
        return isinstance(actual, list) and len(wanted) == len(actual) and all(map(_derivative, wanted, actual))
    if isinstance(wanted, str) and wanted == "":
        return True
    return type(wanted) is type(actual) and wanted == actual


# ---- terminate -------------------------------------------------------------------------------------------------


def terminate_analysis_run(name: str) -> Intent:
    """Stop an AnalysisRun: the controller ends its measurements and marks it Successful (terminated)."""
    body = {"spec": {"terminate": True}}
    return Intent((Change(Target("AnalysisRun", name), "merge", body),), f"analysisRun '{name}' terminated")


# ---- reading the Rollout ---------------------------------------------------------------------------------------


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _next_step_index(rollout: Mapping[str, Any]) -> int | None:
    """The current canary step index plus one, capped at the number of steps; None without canary steps."""
    steps = phases.canary_steps(rollout)
    if not steps:
        return None
    index = phases.step_index(rollout)
    return index + 1 if index < len(steps) else index


def _step_analysis_inconclusive(rollout: Mapping[str, Any]) -> bool:
    if raw.canary(rollout) is None:
        return False
    run = (raw.status(rollout).get("canary") or {}).get("currentStepAnalysisRunStatus") or {}
    return run.get("status") == "Inconclusive"
