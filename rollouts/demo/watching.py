"""Follow the demo's rollout until it is done (Healthy or Degraded): the plugin's live view on a terminal, one
progress line per change elsewhere. I/O: reads a started `plugin.sources.RolloutFeed`, writes to `out`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from plugin import watch
from plugin.sources import RolloutFeed
from plugin.view import RolloutView
from rollouts.demo import progress


def done(view: RolloutView) -> bool:
    """Healthy or Degraded: the rollout needs a new revision (or a person) to move again."""
    return view.done


def follow(
    feed: RolloutFeed,
    *,
    generation: int,
    live: bool,
    color: bool,
    out: TextIO,
    timeout: float,
    settled: Callable[[RolloutView], bool] = done,
    split: Callable[[], str] | None = None,
) -> RolloutView | None:
    """Show the rollout until it is done and `settled` holds, or `timeout` seconds passed; return the last view
    (None: never seen). `split` gives the router's split, appended to progress lines (read at most once a second
    and on every change of the rollout; the live view shows the plugin's view alone).

    Waits first until the feed holds `generation` of the Rollout, so the view of the previous revision (done,
    and observed) is never taken for the outcome of the new one. `settled` lets a caller wait past a done phase
    it expects to pass (the default: done is settled).
    """
    deadline = time.monotonic() + timeout
    while _generation(feed) < generation:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        feed.wait_for_change(feed.version, min(1.0, left))
    if not live:
        return _progress_lines(feed, out=out, deadline=deadline, settled=settled, split=split)
    while True:
        left = max(0.1, deadline - time.monotonic())
        shown = watch.follow_rollout(feed, out=out, terminal=True, color=color, until_done=True, timeout_seconds=left)
        if shown is None or settled(shown) or time.monotonic() >= deadline:
            return shown
        feed.wait_for_change(feed.version, min(1.0, left))


def _progress_lines(
    feed: RolloutFeed,
    *,
    out: TextIO,
    deadline: float,
    settled: Callable[[RolloutView], bool],
    split: Callable[[], str] | None,
) -> RolloutView | None:
    started = time.monotonic()
    printed, current = None, None
    while True:
        seen = feed.version
        current = watch.view_of(feed.snapshot(), None) or current
        if current is not None:
            line = " · ".join(part for part in (progress.describe(current), split() if split else "") if part)
            if line != printed:
                out.write(f"  [{time.monotonic() - started:5.1f}s] {line}\n")
                out.flush()
                printed = line
            if current.done and settled(current):
                return current
        left = deadline - time.monotonic()
        if left <= 0:
            return current
        feed.wait_for_change(seen, min(1.0, left))


def _generation(feed: RolloutFeed) -> int:
    rollout = feed.snapshot().rollout or {}
    try:
        return int((rollout.get("metadata") or {}).get("generation") or 0)
    except (TypeError, ValueError):
        return 0
