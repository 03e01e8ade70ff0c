"""A Rollout that takes its pod template from a Deployment (`spec.workloadRef`), as Argo Rollouts does. Pure.

`resolve` gives the Rollout the Deployment's pod template (and its selector, unless the Rollout has its own), so the
rest of the planner sees an ordinary Rollout and the pod-template hash is Argo's for the same template. The resolved
template is never written back: `spec.template` stays empty in the cluster.

`settle` adds what a workloadRef Rollout needs after the strategy has decided: the
`rollout.argoproj.io/workload-generation` annotation and `status.workloadObservedGeneration` follow the Deployment's
generation, and the Deployment is scaled down by `scaleDown`:
- `never` (Argo's default): the Deployment is left alone;
- `onsuccess`: to 0 once the first revision is Healthy;
- `progressively`: by one pod for each ready pod of the first revision, and to 0 once it is Healthy, so the two
  together never have fewer ready pods than the Rollout asks for.
Like Argo, only the first revision (the migration) scales the Deployment: later updates leave it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rollouts.api import Rollout, RolloutStatus
from rollouts.api.labels import WORKLOAD_GENERATION_ANNOTATION
from rollouts.api.rollout.status import RolloutPhase
from rollouts.api.validation import check_workload_template
from rollouts.plan.actions import AnnotateRollout, Plan, ScaleDeployment

if TYPE_CHECKING:
    from rollouts.plan.observed import Observed

NEVER, ON_SUCCESS, PROGRESSIVELY = "never", "onsuccess", "progressively"


@dataclass(frozen=True)
class Workload:
    """The Deployment a Rollout's `spec.workloadRef` names, as read."""

    name: str
    generation: int
    replicas: int
    """spec.replicas (Kubernetes' default 1)."""
    template: Mapping[str, Any]
    selector: Mapping[str, Any] | None
    scale_down: str = NEVER

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], *, scale_down: str = NEVER) -> Workload:
        metadata, spec = raw.get("metadata") or {}, raw.get("spec") or {}
        return cls(
            name=str(metadata.get("name", "")),
            generation=int(metadata.get("generation") or 0),
            replicas=int(1 if spec.get("replicas") is None else spec["replicas"]),
            template=spec.get("template") or {},
            selector=spec.get("selector"),
            scale_down=scale_down,
        )


@dataclass(frozen=True)
class Resolved:
    """A Rollout with its workload's template in place, the workload, and why it cannot be used (if so)."""

    rollout: Rollout
    workload: Workload | None = None
    problems: tuple[str, ...] = ()


def resolve(rollout: Rollout, deployment: Mapping[str, Any] | None) -> Resolved:
    """The Rollout as the planner sees it: with the Deployment's template (and selector, unless its own is set).
    A Rollout without workloadRef comes back unchanged; a missing Deployment is a problem naming the field."""
    ref = rollout.spec.workload_ref
    if ref is None:
        return Resolved(rollout)
    if deployment is None:
        return Resolved(rollout, problems=(f'spec.workloadRef.name: Deployment "{ref.name}" not found',))
    workload = Workload.from_raw(deployment, scale_down=ref.effective_scale_down)
    selector = rollout.spec.selector if rollout.spec.selector is not None else workload.selector
    spec = rollout.spec.model_copy(update={"template": dict(workload.template), "selector": selector})
    resolved = rollout.model_copy(update={"spec": spec})
    problems = tuple(
        f'spec.workloadRef.name: Deployment "{ref.name}" {problem}' for problem in check_workload_template(resolved)
    )
    return Resolved(resolved, workload, problems)


def resolved_raw(observed: Observed) -> dict[str, Any]:
    """The Rollout as read, with the Deployment's template and selector in its spec (what Argo's fieldRef
    arguments see); a plain copy of it without workloadRef."""
    raw = dict(observed.raw)
    if observed.workload is not None:
        spec = observed.rollout.spec
        raw["spec"] = {**(raw.get("spec") or {}), "template": spec.template, "selector": spec.selector}
    return raw


def settle(observed: Observed, plan: Plan) -> Plan:
    """The plan with the workload's bookkeeping and scale-down added (unchanged without workloadRef)."""
    if observed.rollout.spec.workload_ref is None:
        return replace(plan, status=plan.status.model_copy(update={"workload_observed_generation": None}))
    workload = observed.workload
    if workload is None:
        return plan  # no Deployment (yet): keep what was observed last
    generation = str(workload.generation)
    actions = list(plan.actions)
    annotations = observed.raw["metadata"].get("annotations") or {}
    if annotations.get(WORKLOAD_GENERATION_ANNOTATION) != generation:
        actions.insert(0, AnnotateRollout({WORKLOAD_GENERATION_ANNOTATION: generation}))
    status = plan.status.model_copy(update={"workload_observed_generation": generation})
    if (replicas := scale_down_to(observed, workload, status)) is not None and replicas != workload.replicas:
        actions.append(ScaleDeployment(workload.name, replicas, workload.replicas))
    return replace(plan, actions=tuple(actions), status=status)


def scale_down_to(observed: Observed, workload: Workload, status: RolloutStatus) -> int | None:
    """What the Deployment should be scaled to now, or None to leave it alone (`status` is the one being
    written)."""
    if workload.scale_down not in (ON_SUCCESS, PROGRESSIVELY):
        return None
    new = observed.replica_set_by_hash(status.current_pod_hash)
    if new is None or new.revision != 1:
        return None  # only the migration (the first revision) moves pods off the Deployment
    if status.phase == RolloutPhase.HEALTHY.value:
        return 0
    if workload.scale_down == ON_SUCCESS or new.ready == 0:
        return None
    # Each ready pod of the Rollout replaces one of the Deployment's; never scale the Deployment up.
    return min(workload.replicas, max(0, observed.rollout.spec.effective_replicas - new.ready))
