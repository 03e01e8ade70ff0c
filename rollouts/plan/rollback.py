"""Rollback window (`spec.rollbackWindow.revisions: N`): going back to a recent revision is fast-tracked.

When the pod template changes back to a ReplicaSet that was created before the stable one, and fewer than N
ReplicaSets were created between the two, the Rollout goes straight back to it: no steps, no analysis, fully
promoted once it is available ("Rollback within window"), as Argo Rollouts does; a blue-green Rollout switches
without pausing. A template that matches no existing ReplicaSet is a new revision, never a rollback. Pure.
"""

from __future__ import annotations

from datetime import datetime

from rollouts.api.gotext import parse_time_or_none
from rollouts.api.labels import EXPERIMENT_NAME_ANNOTATION
from rollouts.plan.observed import Observed, ReplicaSet

PROMOTION_REASON = "Rollback within window"
SKIP_STEPS_MESSAGE = "Rollback to active ReplicaSets within RollbackWindow"


def within_window(observed: Observed, new: ReplicaSet, stable: ReplicaSet | None) -> bool:
    """Whether moving to ``new`` is a rollback within the Rollout's rollbackWindow."""
    window = observed.rollout.spec.rollback_window
    revisions = window.revisions if window is not None else None
    if not revisions or revisions <= 0 or stable is None or new.hash == stable.hash:
        return False
    new_created, stable_created = _created(new), _created(stable)
    if new_created is None or stable_created is None or not new_created < stable_created:
        return False  # not older than stable: a new revision, not a rollback
    between = [  # an Experiment's ReplicaSets are no revision of the Rollout: they do not count in the window
        rs
        for rs in observed.replica_sets
        if not rs.annotations.get(EXPERIMENT_NAME_ANNOTATION)
        and (created := _created(rs)) is not None
        and new_created < created < stable_created
    ]
    return len(between) < revisions


def _created(rs: ReplicaSet) -> datetime | None:
    return parse_time_or_none(rs.created)
