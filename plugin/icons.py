"""The status icons Argo Rollouts' CLI puts before a status word, per kind of object. Pure."""

from __future__ import annotations

WAITING = "◷"
PROGRESSING = "◌"
WARNING = "⚠"
UNKNOWN = "?"
OK = "✔"
BAD = "✖"
PAUSED = "॥"
NEUTRAL = "•"


def rollout_icon(phase: str) -> str:
    return {
        "Progressing": PROGRESSING,
        "Error": WARNING,
        "InvalidSpec": WARNING,
        "Paused": PAUSED,
        "Healthy": OK,
        "Degraded": BAD,
        "Unknown": UNKNOWN,
        "ScaledDown": NEUTRAL,
    }.get(phase, " ")


def replicaset_icon(health: str) -> str:
    return {"Progressing": PROGRESSING, "Healthy": OK, "ReplicaFailure": BAD, "ScaledDown": NEUTRAL}.get(health, " ")


def analysis_icon(phase: str) -> str:
    return {
        "Successful": OK,
        "Inconclusive": UNKNOWN,
        "Failed": BAD,
        "Error": WARNING,
        "Running": PROGRESSING,
        "Pending": WAITING,
    }.get(phase, " ")


def pod_icon(status: str) -> str:
    if status.startswith("Init:"):
        return PROGRESSING
    if status.startswith(("Signal:", "ExitCode:")):
        return BAD
    if status.endswith("Error") or status.startswith("Err"):
        return WARNING
    return {
        "Pending": PROGRESSING,
        "Terminating": PROGRESSING,
        "ContainerCreating": PROGRESSING,
        "Running": OK,
        "Completed": OK,
        "Failed": BAD,
        "InvalidImageName": BAD,
        "CrashLoopBackOff": BAD,
        "ImagePullBackOff": WARNING,
        "RegistryUnavailable": WARNING,
        "Unknown": UNKNOWN,
    }.get(status, " ")
