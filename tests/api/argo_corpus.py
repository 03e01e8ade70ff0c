"""Where Argo Rollouts' manifests are on this machine: next to the checkout (/work/main) or next to the directory
holding its worktree (/work/wt/NAME)."""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]

CORPUS = next(
    (base / "shared" / "argo-manifests" for base in _REPO.parents if (base / "shared" / "argo-manifests").is_dir()),
    _REPO.parent / "shared" / "argo-manifests",
)
