"""The notification package's pure modules obey the project's layer rules (checked by tests/test_layers.py's probes)."""

from __future__ import annotations

from pathlib import Path

import pytest

import test_layers

PURE = [
    Path(test_layers.REPO / "rollouts" / "notify" / f"{name}.py")
    for name in ("gotemplate", "render", "config", "subscriptions", "triggers", "state", "messages", "deliveries")
]


@pytest.fixture(scope="module")
def loaded_by_notify_modules() -> dict[str, str]:
    return test_layers.io_loaded_by([test_layers.module_name(path) for path in PURE])


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_pure_notification_modules(path: Path, loaded_by_notify_modules: dict[str, str]) -> None:
    test_layers.test_pure_modules_do_no_io(path)
    test_layers.test_pure_modules_take_no_clock(path)
    test_layers.test_pure_modules_load_nothing_that_does_io(path, loaded_by_notify_modules)
