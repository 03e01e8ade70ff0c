"""The plugin's start-up loads only what its commands need: every `kubectl rollouts ...` pays for its imports."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(statement: str, *modules: str) -> list[str]:
    probe = f"import sys; {statement}; print(','.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return [name for name in out.split(",") if name]


def test_the_plugin_starts_without_the_scheduler_of_promotion_windows() -> None:
    # apscheduler (with asyncio) cost about a tenth of a second of every command; only windows' parsing needs it.
    assert loaded_after("import plugin.cli", "apscheduler", "asyncio") == []


def test_the_plugin_starts_without_parsing_promotion_windows() -> None:
    # Only the override annotation's name is needed at start-up; the parser brings zoneinfo and yaml (~15 ms).
    assert loaded_after("import plugin.cli", "rollouts.api.windows", "zoneinfo") == []


def test_parsing_promotion_windows_loads_the_scheduler_when_it_is_needed() -> None:
    statement = (
        "from rollouts.api.windows import parse; from rollouts.api.labels import PROMOTION_WINDOWS_ANNOTATION as A; "
        "parse({A: '{allow: [{schedule: \"0 9 * * 1-5\", duration: 8h}]}'})"
    )
    assert loaded_after(statement, "apscheduler") == ["apscheduler"]


def test_commands_other_than_the_one_run_are_imported_when_used() -> None:
    # The Experiment, lint, version, completion and dashboard commands (and Go duration parsing) cost `get` ~8 ms.
    lazy = ("plugin.experiments", "plugin.offline", "plugin.lint", "plugin.dashboard.command", "rollouts.api.gotext")
    assert loaded_after("import plugin.cli", *lazy) == []
    assert loaded_after("from plugin.cli import cli, get; import click; get.get_command(click.Context(cli), 'exp')", *lazy) == [
        "plugin.experiments",
        "rollouts.api.gotext",
    ]
