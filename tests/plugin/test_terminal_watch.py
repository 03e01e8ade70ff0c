"""`get rollout --watch --until-done` in a real terminal: tmux runs the plugin in a pane; the test changes objects
on the real cluster and reads the screen back with `capture-pane`.

Aspects: the page is drawn in place (never scrolled), in colour; a new ReplicaSet and its pod appear soon after
they are created; ages move on their own; once the rollout is Healthy the process exits by itself with status 0.
Excluded: the exact layout (test_render.py).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rollout_objects as objs
from cluster_objects import Places
from helpers import wait_until
from plugin_processes import PLUGIN_BIN

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources

pytestmark = pytest.mark.cluster

TMUX = shutil.which("tmux") or "/usr/bin/tmux"


class Pane:
    """One tmux session on a private server socket, with panes kept after their process exits."""

    def __init__(self, directory: Path) -> None:
        self.socket = directory / "tmux.sock"
        self.status_file = directory / "exit-status"
        self.config = directory / "tmux.conf"
        self.config.write_text("set -g remain-on-exit on\nset -g default-terminal xterm-256color\n")

    def tmux(self, *args: str) -> str:
        return subprocess.run([TMUX, "-S", str(self.socket), "-f", str(self.config), *args], check=True, capture_output=True, text=True).stdout

    def start(self, command: list[str]) -> None:
        # tmux does not always record a dead pane's exit status, so the pane's shell writes it down.
        shell_line = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.status_file))}"
        self.tmux("new-session", "-d", "-s", "watch", "-x", "200", "-y", "50", shell_line)

    def screen(self, *, colours: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []), "-t", "watch")

    def exit_status(self) -> int | None:
        """The plugin's exit status once it ended, else None."""
        written = self.status_file.read_text().strip() if self.status_file.exists() else ""
        return int(written) if written else None

    def close(self) -> None:
        subprocess.run([TMUX, "-S", str(self.socket), "kill-server"], capture_output=True)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    opened = Pane(tmp_path)
    yield opened
    opened.close()


def test_watch_in_a_terminal(pane: Pane, place: Places, cluster: LocalCluster) -> None:
    stored = place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    pane.start([str(PLUGIN_BIN), "--kubeconfig", str(cluster.kubeconfig), "get", "rollout", "demo", "--watch", "--until-done", "-n", place.namespace])
    wait_until(lambda: "⟳ demo" in pane.screen() and "॥ Paused" in pane.screen(), timeout=30, what="the first page")

    created = time.monotonic()
    canary = objs.replicaset(stored, objs.CANARY_HASH, 2, replicas=1, image=objs.IMAGE_YELLOW)
    place.owned(resources.REPLICASETS, canary, stored)
    wait_until(lambda: "⧉ demo-6d8c4b9f7c" in pane.screen(), timeout=10, interval=0.05, what="the new ReplicaSet on screen")
    shown_after = time.monotonic() - created
    assert shown_after < 1.0, f"a change must be drawn promptly (within 200 ms of arriving), took {shown_after:.2f}s"
    wait_until(lambda: "Pod" in pane.screen() and "✔ Running" in pane.screen(), timeout=30, what="the canary pod running")

    screen = pane.screen()
    assert screen.count("Name:") == 1 and screen.count("NAME ") == 1, "the page is redrawn in place, not appended"
    assert "Images:          argoproj/rollouts-demo:yellow (canary)" in screen
    assert "\x1b[" in pane.screen(colours=True), "a terminal gets colours (the ✔ icons, the canary tag)"

    def rollout_age() -> str:
        row = next(line for line in pane.screen().splitlines() if line.startswith("⟳ demo"))
        return row.split()[-1]

    first_age = rollout_age()
    wait_until(lambda: rollout_age() != first_age, timeout=5, interval=0.1, what="ages to move without any change")

    assert pane.exit_status() is None, "still Paused: the watch goes on"
    healthy = {
        **objs.canary_healthy()["rollout"]["status"],
        "message": None,
        "pauseConditions": None,
        "controllerPause": None,
        "observedGeneration": "1",
    }
    place.set_status("demo", healthy)
    wait_until(lambda: pane.exit_status() is not None, timeout=30, what="the plugin to exit by itself")
    assert pane.exit_status() == 0
    assert "Status:          ✔ Healthy" in pane.screen()
