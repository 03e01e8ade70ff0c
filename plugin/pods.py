"""A pod's STATUS, READY and restarts the way kubectl words them (init progress, waiting and terminated
reasons, Terminating, Unknown for lost nodes), and a ReplicaSet's health as Argo's CLI words it. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plugin import icons, raw
from plugin.raw import Obj


@dataclass(frozen=True)
class PodView:
    name: str
    status: str
    icon: str
    age: str
    ready: str
    """Ready containers over all containers, e.g. `1/1`."""
    restarts: int


def pod_view(pod: Obj, now: datetime | None) -> PodView:
    """A pod's STATUS the way kubectl prints it (init progress, waiting/terminated reasons, Terminating)."""
    spec, status = raw.spec(pod), raw.status(pod)
    init_reason, restarts = _init_reason(spec, status)
    ready = 0
    if init_reason is not None:
        reason = init_reason
    else:
        reason, ready, restarts = _container_reason(status, str(status.get("reason") or status.get("phase") or ""))
    if raw.meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return PodView(
        name=str(raw.meta(pod).get("name") or ""),
        status=reason,
        icon=icons.pod_icon(reason),
        age=raw.age(pod, now),
        ready=f"{ready}/{len(spec.get('containers') or [])}",
        restarts=restarts,
    )


def _init_reason(spec: Obj, status: Obj) -> tuple[str | None, int]:
    """`Init:…` while an init container has not finished (None once all have), and the init restarts so far."""
    restarts = 0
    init_containers = spec.get("initContainers") or []
    sidecars = {c.get("name"): c.get("restartPolicy") == "Always" for c in init_containers}
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        restarts += raw.as_int(container.get("restartCount"))
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and raw.as_int(terminated.get("exitCode")) == 0:
            continue
        if terminated is not None:
            if terminated.get("reason"):
                return f"Init:{terminated['reason']}", restarts
            if raw.as_int(terminated.get("signal")):
                return f"Init:Signal:{raw.as_int(terminated['signal'])}", restarts
            return f"Init:ExitCode:{raw.as_int(terminated.get('exitCode'))}", restarts
        if sidecars.get(container.get("name")) and container.get("started"):
            if container.get("ready"):
                continue
            return None, restarts  # a started sidecar that is not ready yet ends the init check, as in kubectl
        if waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            return f"Init:{waiting['reason']}", restarts
        return f"Init:{index}/{len(init_containers)}", restarts
    return None, restarts


def _container_reason(status: Obj, reason: str) -> tuple[str, int, int]:
    """(STATUS, ready containers, restarts) from the app containers, the last one's reason winning."""
    ready, restarts, running = 0, 0, False
    for container in reversed(status.get("containerStatuses") or []):
        restarts += raw.as_int(container.get("restartCount"))
        state = container.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting is not None and waiting.get("reason"):
            reason = str(waiting["reason"])
        elif terminated is not None and terminated.get("reason"):
            reason = str(terminated["reason"])
        elif terminated is not None:
            signal = raw.as_int(terminated.get("signal"))
            reason = f"Signal:{signal}" if signal else f"ExitCode:{raw.as_int(terminated.get('exitCode'))}"
        elif container.get("ready") and state.get("running") is not None:
            running = True
            ready += 1
    if reason == "Completed" and running:
        reason = "Running"
    return reason, ready, restarts


def replicaset_health(rs: Obj) -> str:
    """Progressing until the ReplicaSet controller caught up and every desired pod is available;
    ReplicaFailure when it says so; ScaledDown at zero replicas; else Healthy."""
    meta, spec, status = raw.meta(rs), raw.spec(rs), raw.status(rs)
    if raw.as_int(meta.get("generation")) > raw.as_int(status.get("observedGeneration")):
        return "Progressing"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            return "ReplicaFailure"
    desired = spec.get("replicas")
    if desired is not None and raw.as_int(status.get("availableReplicas")) < raw.as_int(desired):
        return "Progressing"
    if desired is not None and raw.as_int(desired) == 0:
        return "ScaledDown"
    return "Healthy"
