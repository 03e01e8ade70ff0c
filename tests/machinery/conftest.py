"""Fixtures for the machinery tests: a fake clock and a stop event that is always set at teardown."""

import threading
from collections.abc import Iterator

import pytest

from rollouts.machinery import clock as clocks


@pytest.fixture
def clock() -> clocks.FakeClock:
    return clocks.FakeClock()


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()
