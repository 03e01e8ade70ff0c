"""Start the demo's own processes (Prometheus, the controller, the traffic simulator), record them, stop them.

Each process runs in its own process group, logs to `<dir>/logs/<name>.log`, and is recorded in
`<dir>/processes.json` with its whole command line as it started, so `stop_recorded` (`rollouts demo --down`, or
the next demo in the same directory) stops exactly these and never a recycled pid. Processes started with
`bound_to_parent` also get PR_SET_PDEATHSIG: the kernel kills them when the demo dies, however it dies.
Mirrors `rollouts.cluster.local`, which does the same for the control plane.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from rollouts.cluster import processes

RECORD_FILE = "processes.json"
STOP_TIMEOUT = 10.0
"""Seconds between SIGTERM and SIGKILL."""


class ProcessError(RuntimeError):
    """A demo process could not start or died; the message ends with the tail of its log."""


class Processes:
    """The processes one demo started in `directory`, in start order."""

    def __init__(self, directory: Path, *, bound_to_parent: bool) -> None:
        self.dir = directory
        self.bound_to_parent = bound_to_parent
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, name: str) -> Path:
        return self.dir / "logs" / f"{name}.log"

    def start(self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> None:
        """Start `argv` as `name` in a new session, logging to `log(name)`, and record it before returning."""
        for sub in ("logs", "pids"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        with open(self.log(name), "wb") as log:
            process = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                start_new_session=True,
                preexec_fn=processes.die_with_parent if self.bound_to_parent else None,
            )
        self._running[name] = process
        records = _load(self.dir)
        records[name] = {"pid": process.pid, "argv": list(argv)}
        _save(self.dir, records)
        (self.dir / "pids" / f"{name}.pid").write_text(f"{process.pid}\n")

    def check_alive(self) -> None:
        """Raise ProcessError naming the first process that exited, with the end of its log."""
        for name, process in self._running.items():
            if process.poll() is not None:
                raise ProcessError(
                    f"{name} exited with code {process.returncode}; the end of {self.log(name)}:\n{tail(self.log(name))}"
                )

    def stop(self) -> list[str]:
        """Stop every process recorded in the directory (ours included); the names of those that were running."""
        stopped = stop_recorded(self.dir)
        for process in self._running.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)  # reap, so no zombie outlives the demo
        self._running.clear()
        return stopped


def stop_recorded(directory: Path) -> list[str]:
    """SIGTERM each recorded process group still running its recorded command line (newest first), SIGKILL after
    `STOP_TIMEOUT`, and forget them all. Returns the names of the processes that were running."""
    records = _load(directory)
    alive = [
        (name, int(entry["pid"]))
        for name, entry in reversed(records.items())
        if _runs(int(entry["pid"]), entry["argv"])
    ]
    for _name, pid in alive:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for _name, pid in alive:
        processes.wait_gone(pid, deadline)
    if records:
        _save(directory, {})
    for pid_file in (directory / "pids").glob("*.pid"):
        pid_file.unlink(missing_ok=True)
    return [name for name, _pid in alive]


def recorded_pids(directory: Path) -> dict[str, int]:
    """The recorded processes that still run their recorded command line, by name."""
    return {
        name: int(entry["pid"]) for name, entry in _load(directory).items() if _runs(int(entry["pid"]), entry["argv"])
    }


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _load(directory: Path) -> dict[str, dict[str, Any]]:
    try:
        records = json.loads((directory / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def _save(directory: Path, records: Mapping[str, dict[str, Any]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / RECORD_FILE).write_text(json.dumps(records, indent=2) + "\n")


def _runs(pid: int, argv: Sequence[str]) -> bool:
    """True if `pid` is alive (not a zombie) and runs exactly `argv`: a recycled pid is left alone."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and cmdline.split(b"\0")[:-1] == [arg.encode() for arg in argv]
