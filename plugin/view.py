"""What `get rollout` and `list rollouts` show, as plain data: a Rollout and the objects it owns → `RolloutView`.

Pure: raw API dicts and `now` in, frozen dataclasses out; no I/O, no clock, no formatting beyond the words and
icons Argo Rollouts' CLI shows (colours and column layout are `render`'s job). Mirrors Argo's CLI:

* the phase and message from `phases.rollout_phase` (the controller's, once it has caught up);
* revisions (from the `rollout.argoproj.io/revision` annotation) newest first, each with its ReplicaSets (and
  their pods), Experiments and AnalysisRuns; ReplicaSets are tagged stable/canary or active/preview (ping/pong);
* step `i/n`, the set weight (desired) and the actual weight (observed) for canaries;
* images of the ReplicaSets that have pods, with the tags of the ReplicaSets running them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from plugin import durations, icons, phases, raw
from plugin.pods import PodView, pod_view, replicaset_health
from plugin.raw import Obj
from rollouts.api.labels import EXPERIMENT_TEMPLATE_ANNOTATION, HASH_LABEL, JOB_NAME_KEY, SCALE_DOWN_DEADLINE_ANNOTATION


@dataclass(frozen=True)
class ReplicaSetView:
    name: str
    revision: int
    status: str
    icon: str
    age: str
    tags: tuple[str, ...]
    """In Argo's order: `stable`, then one of `canary`/`active`/`preview`, then `ping`/`pong`."""
    scale_down_delay: str | None
    """`passed` or the time left before an old ReplicaSet is scaled down; None when not scheduled."""
    replicas: int
    available: int
    images: tuple[str, ...]
    experiment_template: str
    pods: tuple[PodView, ...]


@dataclass(frozen=True)
class JobView:
    name: str
    status: str
    icon: str
    age: str


@dataclass(frozen=True)
class AnalysisRunView:
    name: str
    revision: int
    status: str
    icon: str
    age: str
    successful: int
    failed: int
    inconclusive: int
    error: int
    jobs: tuple[JobView, ...]


@dataclass(frozen=True)
class ExperimentView:
    name: str
    revision: int
    status: str
    icon: str
    age: str
    replicasets: tuple[ReplicaSetView, ...]
    analysis_runs: tuple[AnalysisRunView, ...]


@dataclass(frozen=True)
class RevisionView:
    number: int
    replicasets: tuple[ReplicaSetView, ...]
    experiments: tuple[ExperimentView, ...]
    analysis_runs: tuple[AnalysisRunView, ...]


@dataclass(frozen=True)
class ImageView:
    image: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class RolloutView:
    name: str
    namespace: str
    status: str
    icon: str
    message: str
    strategy: str
    """`Canary`, `BlueGreen`, or empty when the spec names neither."""
    step: str
    set_weight: str
    actual_weight: str
    images: tuple[ImageView, ...]
    desired: int
    current: int
    updated: int
    ready: int
    available: int
    age: str
    revisions: tuple[RevisionView, ...]

    @property
    def done(self) -> bool:
        """Healthy or Degraded: `--until-done` and `status` stop here."""
        return self.status in phases.DONE_PHASES


@dataclass(frozen=True)
class RolloutRow:
    """One line of `list rollouts`."""

    namespace: str
    name: str
    strategy: str
    status: str
    step: str
    set_weight: str
    ready: str
    desired: int
    up_to_date: int
    available: int


# ---- the whole view --------------------------------------------------------------------------------------------


def rollout_view(
    *,
    rollout: Obj,
    replicasets: Iterable[Obj] = (),
    pods: Iterable[Obj] = (),
    analysis_runs: Iterable[Obj] = (),
    experiments: Iterable[Obj] = (),
    now: datetime | None,
) -> RolloutView:
    """Everything `get rollout` shows. Objects not owned by the Rollout (or its Experiments) are ignored.

    `now` dates the ages; None leaves them empty (to compare two views regardless of the passing time).
    """
    all_rs, all_pods, all_runs = list(replicasets), list(pods), list(analysis_runs)
    uid = raw.meta(rollout).get("uid")
    owned_rs = _replicaset_views(uid, rollout, all_rs, all_pods, now)
    owned_exps = _experiment_views(uid, experiments, all_rs, all_runs, all_pods, now)
    owned_runs = _analysis_run_views(uid, all_runs, now)
    spec, status = raw.spec(rollout), raw.status(rollout)
    phase, message = phases.rollout_phase(rollout)
    strategy, step, set_weight, actual_weight = "", "", "", ""
    canary = raw.canary(rollout)
    if canary is not None:
        strategy = "Canary"
        step = phases.step_text(rollout)
        set_weight = str(phases.current_set_weight(rollout))
        actual_weight = phases.actual_weight(rollout, canary_available=_canary_available(owned_rs))
    elif raw.blue_green(rollout) is not None:
        strategy = "BlueGreen"
    return RolloutView(
        name=str(raw.meta(rollout).get("name") or ""),
        namespace=str(raw.meta(rollout).get("namespace") or ""),
        status=phase,
        icon=icons.rollout_icon(phase),
        message=message,
        strategy=strategy,
        step=step,
        set_weight=set_weight,
        actual_weight=actual_weight,
        images=_images(owned_rs, owned_exps),
        desired=raw.desired_replicas(spec),
        current=raw.as_int(status.get("replicas")),
        updated=raw.as_int(status.get("updatedReplicas")),
        ready=raw.as_int(status.get("readyReplicas")),
        available=raw.as_int(status.get("availableReplicas")),
        age=raw.age(rollout, now),
        revisions=_revisions(owned_rs, owned_exps, owned_runs),
    )


def rollout_row(rollout: Obj) -> RolloutRow:
    """The `list rollouts` line of one Rollout: strategy, phase, step, set weight and replica counts."""
    status = raw.status(rollout)
    strategy, step, set_weight = "unknown", "-", "-"
    if raw.canary(rollout) is not None:
        strategy = "Canary"
        step = phases.step_text(rollout) or "-"
        set_weight = str(phases.current_set_weight(rollout))
    elif raw.blue_green(rollout) is not None:
        strategy = "BlueGreen"
    return RolloutRow(
        namespace=str(raw.meta(rollout).get("namespace") or ""),
        name=str(raw.meta(rollout).get("name") or ""),
        strategy=strategy,
        status=phases.rollout_phase(rollout)[0],
        step=step,
        set_weight=set_weight,
        ready=f"{raw.as_int(status.get('readyReplicas'))}/{raw.as_int(status.get('replicas'))}",
        desired=raw.desired_replicas(raw.spec(rollout)),
        up_to_date=raw.as_int(status.get("updatedReplicas")),
        available=raw.as_int(status.get("availableReplicas")),
    )


# ---- replica sets and pods -------------------------------------------------------------------------------------


def _replicaset_views(
    owner_uid: str | None, rollout: Obj | None, replicasets: Sequence[Obj], pods: Sequence[Obj], now: datetime | None
) -> list[ReplicaSetView]:
    views = []
    for rs in replicasets:
        if not raw.owned_by(rs, owner_uid):
            continue
        annotations = raw.meta(rs).get("annotations") or {}
        status = raw.status(rs)
        health = replicaset_health(rs)
        rs_uid = raw.meta(rs).get("uid")
        views.append(
            ReplicaSetView(
                name=str(raw.meta(rs).get("name") or ""),
                revision=raw.revision(rs),
                status=health,
                icon=icons.replicaset_icon(health),
                age=raw.age(rs, now),
                tags=_replicaset_tags(rollout, rs) if rollout is not None else (),
                scale_down_delay=_scale_down_delay(annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION), now),
                replicas=raw.as_int(status.get("replicas")),
                available=raw.as_int(status.get("availableReplicas")),
                images=tuple(str(c.get("image") or "") for c in raw.pod_spec(rs).get("containers") or []),
                experiment_template=str(annotations.get(EXPERIMENT_TEMPLATE_ANNOTATION) or ""),
                pods=tuple(
                    pod_view(pod, now) for pod in raw.oldest_first([p for p in pods if raw.owned_by(p, rs_uid)])
                ),
            )
        )
    views.sort(key=lambda view: (-view.revision, view.name))
    return views


def _canary_available(replicasets: Sequence[ReplicaSetView]) -> int:
    return next((rs.available for rs in reversed(replicasets) if "canary" in rs.tags), 0)


def _replicaset_tags(rollout: Obj, rs: Obj) -> tuple[str, ...]:
    pod_hash = (raw.meta(rs).get("labels") or {}).get(HASH_LABEL) or ""
    status = raw.status(rollout)
    tags: list[str] = []
    canary = raw.canary(rollout)
    if canary is not None:
        ping_pong = bool(canary.get("pingPong"))
        stable_is_ping = (status.get("canary") or {}).get("stablePingPong") == "ping"
        if status.get("stableRS") == pod_hash:
            tags.append("stable")
            if ping_pong:
                tags.append("ping" if stable_is_ping else "pong")
        elif status.get("currentPodHash") == pod_hash:
            tags.append("canary")
            if ping_pong:
                tags.append("pong" if stable_is_ping else "ping")
    if raw.blue_green(rollout) is not None:
        selectors = status.get("blueGreen") or {}
        if status.get("stableRS") == pod_hash:
            tags.append("stable")
        if selectors.get("activeSelector") == pod_hash:
            tags.append("active")
        elif selectors.get("previewSelector") == pod_hash:
            tags.append("preview")
    order = ("stable", "canary", "active", "preview", "ping", "pong")
    return tuple(sorted(tags, key=order.index))


def _scale_down_delay(deadline: str | None, now: datetime | None) -> str | None:
    if not deadline:
        return None
    when = raw.parse_time(deadline)
    if when is None or now is None:
        return ""
    if when < now:
        return "passed"
    return durations.human((when - now).total_seconds())


# ---- analysis runs and experiments -----------------------------------------------------------------------------


def _analysis_run_views(owner_uid: str | None, runs: Sequence[Obj], now: datetime | None) -> list[AnalysisRunView]:
    """The runs `owner_uid` owns: newest revision first; within one, oldest first (ties: name, descending)."""
    dated: list[tuple[AnalysisRunView, str]] = []
    for run in runs:
        if raw.owned_by(run, owner_uid):
            dated.append((analysis_run_view(run, now), str(raw.meta(run).get("creationTimestamp") or "")))
    dated.sort(key=lambda pair: pair[0].name, reverse=True)
    dated.sort(key=lambda pair: (-pair[0].revision, pair[1]))
    return [run_view for run_view, _created in dated]


def analysis_run_view(run: Obj, now: datetime | None) -> AnalysisRunView:
    """An AnalysisRun's phase, its measurement counts over all metrics, and the Jobs its job metrics ran."""
    status = raw.status(run)
    phase = str(status.get("phase") or "")
    counts = {"successful": 0, "failed": 0, "inconclusive": 0, "error": 0}
    jobs: list[JobView] = []
    for result in status.get("metricResults") or []:
        for key in counts:
            counts[key] += raw.as_int(result.get(key))
        for measurement in result.get("measurements") or []:
            job_name = (measurement.get("metadata") or {}).get(JOB_NAME_KEY)
            if job_name:
                measurement_phase = str(measurement.get("phase") or "")
                age = raw.age_since(measurement.get("startedAt"), now)
                jobs.append(JobView(str(job_name), measurement_phase, icons.analysis_icon(measurement_phase), age))
    return AnalysisRunView(
        name=str(raw.meta(run).get("name") or ""),
        revision=raw.revision(run),
        status=phase,
        icon=icons.analysis_icon(phase),
        age=raw.age(run, now),
        jobs=tuple(jobs),
        **counts,
    )


def _experiment_views(
    owner_uid: str | None,
    experiments: Iterable[Obj],
    replicasets: Sequence[Obj],
    runs: Sequence[Obj],
    pods: Sequence[Obj],
    now: datetime | None,
) -> list[ExperimentView]:
    views = [experiment_view(e, replicasets, runs, pods, now) for e in experiments if raw.owned_by(e, owner_uid)]
    views.sort(key=lambda view: -view.revision)
    return views


def experiment_view(
    experiment: Obj, replicasets: Sequence[Obj], runs: Sequence[Obj], pods: Sequence[Obj], now: datetime | None
) -> ExperimentView:
    """An Experiment with the ReplicaSets (and their pods) and AnalysisRuns it owns."""
    uid = raw.meta(experiment).get("uid")
    phase = str(raw.status(experiment).get("phase") or "")
    return ExperimentView(
        name=str(raw.meta(experiment).get("name") or ""),
        revision=raw.revision(experiment),
        status=phase,
        icon=icons.analysis_icon(phase),
        age=raw.age(experiment, now),
        replicasets=tuple(_replicaset_views(uid, None, replicasets, pods, now)),
        analysis_runs=tuple(_analysis_run_views(uid, runs, now)),
    )


def _revisions(
    replicasets: Sequence[ReplicaSetView], experiments: Sequence[ExperimentView], runs: Sequence[AnalysisRunView]
) -> tuple[RevisionView, ...]:
    numbers = sorted(
        {v.revision for v in replicasets} | {v.revision for v in experiments} | {v.revision for v in runs}, reverse=True
    )
    return tuple(
        RevisionView(
            number=number,
            replicasets=tuple(v for v in replicasets if v.revision == number),
            experiments=tuple(v for v in experiments if v.revision == number),
            analysis_runs=tuple(v for v in runs if v.revision == number),
        )
        for number in numbers
    )


IMAGE_TAG_ORDER = ("canary", "stable", "active", "preview", "ping", "pong")


def _images(replicasets: Sequence[ReplicaSetView], experiments: Sequence[ExperimentView]) -> tuple[ImageView, ...]:
    """Images of the ReplicaSets with pods, sorted. An image run by one ReplicaSet keeps that ReplicaSet's tags
    in Argo's order (canary, stable, active, preview, ping, pong); tags of an image run by several are sorted."""
    tags_by_image: dict[str, tuple[str, ...]] = {}

    def add(image: str, tags: tuple[str, ...]) -> None:
        known = tags_by_image.get(image)
        tags_by_image[image] = tags if known is None else tuple(sorted(set(known) | set(tags)))

    for rs in replicasets:
        if rs.replicas > 0:
            for image in rs.images:
                add(image, tuple(sorted(rs.tags, key=IMAGE_TAG_ORDER.index)))
    for experiment in experiments:
        for rs in experiment.replicasets:
            if rs.replicas > 0:
                for image in rs.images:
                    add(image, (f"Σ:{rs.experiment_template}",) if rs.experiment_template else ())
    return tuple(ImageView(image, tags) for image, tags in sorted(tags_by_image.items()))
