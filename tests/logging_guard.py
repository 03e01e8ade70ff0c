"""A test must leave logging as it found it: a level, handler or `propagate` flag changed on a logger and not put
back makes every later test in that process see different log records (a CI failure once depended on test order
for exactly this reason). `loggers_unchanged` is autouse in tests/conftest.py; caplog.set_level and monkeypatch
restore what they change before it looks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class LoggerState:
    level: int
    handlers: tuple[int, ...]
    propagate: bool
    disabled: bool

    def describe(self) -> str:
        handlers = f"{len(self.handlers)} handler(s)"
        return f"level={logging.getLevelName(self.level)} {handlers} propagate={self.propagate} disabled={self.disabled}"


UNTOUCHED = LoggerState(logging.NOTSET, (), True, False)
"""What a logger first created during the test looks like when nobody configured it."""


def _counts(handler: logging.Handler) -> bool:
    # A NullHandler changes nothing anyone sees (libraries add one on import); pytest attaches its own capturing
    # handlers to the root and to every non-propagating logger for each test phase.
    return not isinstance(handler, logging.NullHandler) and type(handler).__module__ != "_pytest.logging"


def _state(logger: logging.Logger) -> LoggerState:
    handlers = tuple(id(h) for h in logger.handlers if _counts(h))
    return LoggerState(logger.level, handlers, logger.propagate, logger.disabled)


def snapshot() -> dict[str, LoggerState]:
    """Every logger's configuration by name ("" is the root), plus logging.disable()'s level as "<disable>"."""
    states = {"": _state(logging.getLogger())}
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            states[name] = _state(logger)
    states["<disable>"] = LoggerState(logging.root.manager.disable, (), True, False)
    return states


def changes(before: dict[str, LoggerState], after: dict[str, LoggerState]) -> list[str]:
    """One line per logger whose configuration differs, naming the logger and both states."""
    lines = []
    for name in sorted(after):
        was, now = before.get(name, UNTOUCHED), after[name]
        if was != now:
            lines.append(f"logger {name or '<root>'!r}: was {was.describe()}, now {now.describe()}")
    return lines


@pytest.fixture(autouse=True)
def loggers_unchanged() -> Iterator[None]:
    """Fail the test (at teardown) if it leaves any logger configured differently from how it found it."""
    before = snapshot()
    yield
    changed = changes(before, snapshot())
    if changed:
        pytest.fail("the test changed logging and did not restore it (use caplog.set_level or monkeypatch):\n" + "\n".join(changed))
