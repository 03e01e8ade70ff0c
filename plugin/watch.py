"""The live commands: `get rollout --watch`, `status` and `list rollouts --watch`. I/O: watches in, text out.

Each loop is fed by watches (`sources.RolloutFeed`, or a list+watch of Rollouts), never by re-listing:

* `follow_rollout`: on a terminal, redraws the page in place within 200 ms of a change and once a second (so
  ages move); elsewhere, prints a snapshot each time what it shows changes (ages aside). With `until_done` it
  returns once the rollout is Healthy or Degraded; a timeout ends it too;
* `follow_status`: prints `Phase[ - message]` each time it changes, until Healthy, Degraded or the timeout;
* `follow_list`: prints a rollout's row each time it changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from plugin import render, view
from plugin.sources import Query, QueryWatcher, Raw, RolloutFeed, Snapshot
from rollouts.kube.client import Kube
from rollouts.machinery.clock import RealClock
from rollouts.machinery.informer import Informer

REDRAW_DELAY = 0.2
"""A change is drawn at most this long after it arrived; changes in between are drawn together."""
TICK = 1.0
"""A terminal is redrawn at least this often, so ages move."""

HOME, CLEAR_SCREEN, CLEAR_LINE, CLEAR_BELOW = "\x1b[H", "\x1b[2J", "\x1b[K", "\x1b[J"

Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def view_of(snapshot: Snapshot, now: datetime | None) -> view.RolloutView | None:
    if snapshot.rollout is None:
        return None
    return view.rollout_view(
        rollout=snapshot.rollout,
        replicasets=snapshot.replicasets,
        pods=snapshot.pods,
        analysis_runs=snapshot.analysis_runs,
        experiments=snapshot.experiments,
        now=now,
    )


class _Screen:
    """Where pages go: redrawn in place on a terminal, appended as snapshots elsewhere."""

    def __init__(self, out: TextIO, *, terminal: bool, color: bool) -> None:
        self.out, self.terminal, self.color = out, terminal, color
        self._first = True
        self._last_content: list[str] | None = None

    def show(self, snapshot: Snapshot, now: datetime) -> view.RolloutView | None:
        current = view_of(snapshot, now)
        if current is None:
            return None  # the Rollout is gone: keep showing what was last drawn
        lines = render.rollout_lines(current, color=self.color)
        if self.terminal:
            start = HOME + CLEAR_SCREEN if self._first else HOME
            self.out.write(start + "".join(line + CLEAR_LINE + "\n" for line in lines) + CLEAR_BELOW)
        else:
            content = render.rollout_lines(view_of(snapshot, None) or current)
            if content == self._last_content:
                return current
            self._last_content = content
            self.out.write(("" if self._first else "\n") + "\n".join(lines) + "\n")
        self._first = False
        self.out.flush()
        return current


def follow_rollout(
    feed: RolloutFeed,
    *,
    out: TextIO,
    terminal: bool,
    color: bool,
    until_done: bool = False,
    timeout_seconds: float | None = None,
    now: Now = utc_now,
) -> view.RolloutView | None:
    """Show the rollout until it is done (`until_done`), the timeout passes, or Ctrl-C; return the last view.

    `feed` must be started. Returns the view last shown (None if the Rollout vanished before any was).
    """
    screen = _Screen(out, terminal=terminal, color=color)
    deadline = None if not timeout_seconds else time.monotonic() + timeout_seconds
    shown: view.RolloutView | None = None
    while True:
        seen = feed.version
        shown = screen.show(feed.snapshot(), now()) or shown
        drawn_at = time.monotonic()
        if until_done and shown is not None and shown.done:
            return shown
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return shown
            wait = TICK - (time.monotonic() - drawn_at) if terminal else TICK
            wait = max(0.0, wait if left is None else min(wait, left))
            if feed.wait_for_change(seen, wait) != seen:
                # Let a burst of changes (a ReplicaSet and its pods) arrive, then draw them together.
                time.sleep(max(0.0, drawn_at + REDRAW_DELAY - time.monotonic()))
                break
            if terminal and time.monotonic() - drawn_at >= TICK:
                break


def follow_status(feed: RolloutFeed, *, out: TextIO, timeout_seconds: float | None = None) -> view.RolloutView | None:
    """Print the status line each time it changes; return the last view once Healthy, Degraded or timed out."""
    deadline = None if not timeout_seconds else time.monotonic() + timeout_seconds
    printed, last = None, None
    while True:
        seen = feed.version
        current = view_of(feed.snapshot(), None)
        if current is not None:
            last = current
            line = render.status_line(current)
            if line != printed:
                out.write(line + "\n")
                out.flush()
                printed = line
            if current.done:
                return current
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return last
        feed.wait_for_change(seen, TICK if left is None else min(TICK, left))


def follow_list(
    kube: Kube,
    namespace: str | None,
    query: Query,
    *,
    out: TextIO,
    all_namespaces: bool,
    initial: list[Raw],
    stop: threading.Event,
    timeout_seconds: float | None = None,
) -> None:
    """After the table was printed from `initial`, print a rollout's row whenever it changes, until `stop` or the
    timeout. Rows are compared as shown, so status churn that changes nothing visible prints nothing."""
    shown = {_key(obj): view.rollout_row(obj) for obj in initial}
    lock = threading.Lock()

    def changed(obj: Raw) -> None:
        row = view.rollout_row(obj)
        with lock:
            if shown.get(_key(obj)) == row:
                return
            shown[_key(obj)] = row
            out.write(render.list_row_line(row, all_namespaces=all_namespaces) + "\n")
            out.flush()

    informer = Informer(QueryWatcher(kube, namespace, query), name="rollouts", clock=RealClock())
    informer.add_handler(on_add=changed, on_update=lambda _old, new: changed(new))
    informer.start(stop)
    stop.wait(timeout_seconds)
    stop.set()


def _key(obj: Raw) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")
