"""The pure modules of the plugin stay pure: importing them pulls in no API client and no terminal library.

Checked in a fresh interpreter, so what other tests imported does not hide a stray import.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "plugin.intents",
    "plugin.view",
    "plugin.render",
    "plugin.phases",
    "plugin.pods",
    "plugin.icons",
    "plugin.raw",
    "plugin.durations",
    "plugin.lint",
]
FORBIDDEN = ["kubernetes", "urllib3", "rollouts.kube.client", "rollouts.machinery", "rich"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module: str) -> None:
    probe = f"import sys, {module}; print(','.join(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"
