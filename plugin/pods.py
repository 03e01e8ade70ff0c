"""A pod's STATUS, READY and restarts the way kubectl words them (init progress, waiting and terminated
reasons, Terminating, Unknown for lost nodes). Pure."""

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
    reason = str(status.get("reason") or status.get("phase") or "")
    restarts = 0
    restart_always = {c.get("name"): c.get("restartPolicy") == "Always" for c in spec.get("initContainers") or []}
    init_total = len(spec.get("initContainers") or [])
    initializing = False
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        restarts += raw.as_int(container.get("restartCount"))
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and raw.as_int(terminated.get("exitCode")) == 0:
            continue
        if terminated is not None:
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif raw.as_int(terminated.get("signal")):
                reason = f"Init:Signal:{raw.as_int(terminated['signal'])}"
            else:
                reason = f"Init:ExitCode:{raw.as_int(terminated.get('exitCode'))}"
            initializing = True
        elif restart_always.get(container.get("name")) and container.get("started"):
            if container.get("ready"):
                continue
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
            initializing = True
        else:
            reason = f"Init:{index}/{init_total}"
            initializing = True
        break
    ready = 0
    if not initializing:
        restarts = 0
        running = False
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
