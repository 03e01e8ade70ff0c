"""Run the installed `kubectl-rollouts` executable as a user would: its output collected on a thread, so tests
can poll it with a deadline while the process keeps running."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

PLUGIN_BIN = Path(sys.executable).with_name("kubectl-rollouts")


class Running:
    """A plugin process still running; `text` grows as it prints."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.text = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.text += line

    def wait(self, timeout: float = 30) -> int:
        """Its exit code, once it ended by itself within `timeout` seconds."""
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
