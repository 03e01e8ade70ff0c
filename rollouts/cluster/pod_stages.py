"""kwok Stages that play pods the way a kubelet would, as far as a cluster without containers can tell.

kwok's own pod stages make every pod Ready at once and every Job pod succeed at once. Rollout tests (ours and
Argo's e2e suite) also need pods that take time to become Ready, pods that never do, and analysis Jobs that
succeed or fail as their command says. These stages read that from the pod spec:

* readiness: a container is Ready `postStart` sleep + `readinessProbe.initialDelaySeconds` after the pod started
  (Argo's E2E_POD_DELAY works through postStart/preStop `sleep N` hooks); with neither, at once, as before; a pod
  with readiness gates is Ready only once every gate's condition is True (someone else sets those);
* images that cannot be pulled (their reference contains `does-not-exist` or `nonexistent`) keep the pod Pending
  in ImagePullBackOff; executables that do not exist (a `command` whose file name starts with `bad-`, or which
  contains `does-not-exist`/`nonexistent`) crash-loop, never Ready;
* Job pods finish after the `sleep N` of their command (s, m, h, d suffixes) with the code of its last `exit N`
  (Succeeded for 0, else Failed);
* a deleted running pod goes away after its `preStop` sleep, within its grace period.

Each rule has one home: a Go template (what a stage writes) or a jq expression (when it fires, how long it
waits). Delays are absolute times computed from the pod's own timestamps, so an update that re-queues a pod in
kwok never restarts its clock.
"""

from __future__ import annotations

from typing import Any

import yaml

UNPULLABLE_IMAGE = "does-not-exist|nonexistent"
MISSING_EXECUTABLE = "(^|/)bad-|does-not-exist|nonexistent"

# Seconds a shell command line sleeps (`sleep 5`, `sleep 30s`, `sleep 365d`), summed; 0 without a sleep.
_JQ_SLEEP = (
    'def sleep_seconds: [scan("(?:^|[ ;&|(])sleep +([0-9]+)([smhd]?)")'
    ' | (.[0] | tonumber) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[.[1]]] | add // 0; '
)
_JQ_HOOK_SECONDS = '(.lifecycle.{hook}.exec.command // [] | join(" ") | sleep_seconds)'
_JQ_READY_AT = (
    _JQ_SLEEP + "(.status.startTime | fromdate)"
    f" + ([.spec.containers[] | {_JQ_HOOK_SECONDS.format(hook='postStart')}"
    " + (.readinessProbe.initialDelaySeconds // 0)] | max) | todate"
)
_JQ_JOB_DONE_AT = (
    _JQ_SLEEP + "(.status.startTime | fromdate)"
    ' + ([.spec.containers[] | (.command // []) + (.args // []) | join(" ") | sleep_seconds] | max) | todate'
)
_JQ_GONE_AT = (
    _JQ_SLEEP + "(.metadata.deletionGracePeriodSeconds // 0) as $grace"
    " | (.metadata.deletionTimestamp | fromdate) - $grace"
    f' + (if .status.phase == "Running" then [[.spec.containers[] | {_JQ_HOOK_SECONDS.format(hook="preStop")}]'
    " | max, $grace] | min else 0 end) | todate"
)

_NETWORK = """
{{ with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
"""

_INIT_CONTAINERS = """
initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  {{ if eq ( or .restartPolicy "" ) "Always" }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
  {{ else }}
  state:
    terminated:
      exitCode: 0
      finishedAt: {{ $now | Quote }}
      reason: Completed
      startedAt: {{ $now | Quote }}
  {{ end }}
{{ end }}
"""

_START = (
    """
{{ $now := Now }}
{{ $phase := "Running" }}
{{ $ready := "True" }}
containerStatuses:
{{ range .spec.containers }}
{{ $executable := "" }}{{ with .command }}{{ $executable = index . 0 }}{{ end }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  restartCount: 0
  {{ if regexMatch "UNPULLABLE_IMAGE" .image }}
  {{ $phase = "Pending" }}{{ $ready = "False" }}
  ready: false
  started: false
  state:
    waiting:
      reason: ImagePullBackOff
      message: {{ printf "Back-off pulling image %q" .image | Quote }}
  {{ else if regexMatch "MISSING_EXECUTABLE" $executable }}
  {{ $ready = "False" }}
  ready: false
  started: false
  lastState:
    terminated:
      exitCode: 128
      reason: StartError
      message: {{ printf "exec: %q: no such file or directory" $executable | Quote }}
      startedAt: "1970-01-01T00:00:00Z"
      finishedAt: {{ $now | Quote }}
  state:
    waiting:
      reason: CrashLoopBackOff
      message: {{ printf "back-off 10s restarting failed container=%s" .name | Quote }}
  {{ else }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
  {{ $probeDelay := toString ( dig "readinessProbe" "initialDelaySeconds" 0 . ) }}
  {{ if or ( dig "lifecycle" "postStart" "" . ) ( ne $probeDelay "0" ) }}
  {{ $ready = "False" }}
  ready: false
  {{ else }}
  ready: true
  {{ end }}
  {{ end }}
{{ end }}
{{ if .spec.readinessGates }}{{ $ready = "False" }}{{ end }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: {{ $ready | Quote }}
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: {{ $ready | Quote }}
  type: ContainersReady
phase: {{ $phase }}
startTime: {{ $now | Quote }}
""".replace("UNPULLABLE_IMAGE", UNPULLABLE_IMAGE).replace("MISSING_EXECUTABLE", MISSING_EXECUTABLE)
    + _INIT_CONTAINERS
    + _NETWORK
)

_READY = """
{{ $now := Now }}
{{ $started := .status.startTime }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  started: true
  state:
    running:
      startedAt: {{ $started | Quote }}
{{ end }}
"""

_COMPLETE = """
{{ $now := Now }}
{{ $started := .status.startTime }}
{{ $phase := "Succeeded" }}
containerStatuses:
{{ range .spec.containers }}
{{ $script := join " " ( concat ( default list .command ) ( default list .args ) ) }}
{{ $code := regexFindAll "exit +[0-9]+" $script -1 | last | default "exit 0" | regexFind "[0-9]+" | atoi }}
{{ if ne $code 0 }}{{ $phase = "Failed" }}{{ end }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: {{ $code }}
      reason: {{ if eq $code 0 }}Completed{{ else }}Error{{ end }}
      startedAt: {{ $started | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: PodCompleted
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: PodCompleted
  type: ContainersReady
phase: {{ $phase }}
"""


def _expression(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


_ALIVE = _expression(".metadata.deletionTimestamp", "DoesNotExist")
_NOT_READY = _expression('.status.conditions.[] | select( .type == "Ready" ) | .status', "NotIn", "True")
_READY_NOW = _expression('.status.conditions.[] | select( .type == "Ready" ) | .status', "In", "True")
# Readiness gates (Argo's e2e fixtures set `argoproj.io/e2e-readiness` themselves) hold Ready until all are True.
_GATES_OPEN = _expression(
    '[.spec.readinessGates[]?.conditionType] - [.status.conditions[]? | select(.status == "True") | .type] | length',
    "In",
    "0",
)
_JOB_POD = _expression(".metadata.ownerReferences.[].kind", "In", "Job")


def _stage(name: str, expressions: list[dict[str, Any]], *, at: str | None = None, **next_: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
        "selector": {"matchExpressions": expressions},
        "next": next_,
    }
    if at is not None:
        spec["delay"] = {"durationFrom": {"jq": {"expression": at}}}
    return {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage", "metadata": {"name": name}, "spec": spec}


POD_STAGES = [
    _stage(
        "pod-start",
        [
            _ALIVE,
            _expression(".status.phase", "In", "Pending"),
            _expression(".status.containerStatuses", "DoesNotExist"),
        ],
        statusTemplate=_START.strip(),
    ),
    _stage(
        "pod-ready",
        [
            _ALIVE,
            _expression(".status.phase", "In", "Running"),
            _NOT_READY,
            _expression(".status.containerStatuses.[].state.waiting", "DoesNotExist"),
            _GATES_OPEN,
        ],
        at=_JQ_READY_AT,
        statusTemplate=_READY.strip(),
    ),
    _stage(
        "job-pod-complete",
        [_ALIVE, _expression(".status.phase", "In", "Running"), _READY_NOW, _JOB_POD],
        at=_JQ_JOB_DONE_AT,
        statusTemplate=_COMPLETE.strip(),
    ),
    _stage("pod-delete", [_expression(".metadata.deletionTimestamp", "Exists")], at=_JQ_GONE_AT, delete=True),
]


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the templates) as literal blocks, so the written config reads like kwok's own."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _string)


def kwok_config(toolchain_stages: str) -> str:
    """kwok's own stages for everything but pods (node initialisation and heartbeats), then these."""
    stages = [
        stage
        for stage in yaml.safe_load_all(toolchain_stages)
        if stage and stage["spec"]["resourceRef"]["kind"] != "Pod"
    ]
    return yaml.dump_all([*stages, *POD_STAGES], Dumper=_Dumper, sort_keys=False, width=1000)
