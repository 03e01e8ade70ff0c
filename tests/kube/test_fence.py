"""The leader's fence (open only within the renew deadline of the last renewal's start) and the client throttle."""

from __future__ import annotations

import time

import pytest

from rollouts.kube import errors
from rollouts.kube.client import Throttle
from rollouts.kube.leader import Fence


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("renewal_started", "now", "open_"),
    [
        pytest.param(None, 100.0, False, id="closed-until-the-first-renewal"),
        pytest.param(100.0, 100.0, True, id="just-renewed"),
        pytest.param(100.0, 109.9, True, id="within-the-deadline"),
        pytest.param(100.0, 110.0, False, id="at-the-deadline"),
        pytest.param(100.0, 160.0, False, id="woke-up-from-sigstop"),
        pytest.param(95.0, 104.0, True, id="counted-from-the-renewal-start"),
        pytest.param(95.0, 106.0, False, id="a-slow-answer-does-not-extend-it"),
    ],
)
def test_the_fence_opens_for_the_renew_deadline(renewal_started: float | None, now: float, open_: bool) -> None:
    clock = Monotonic()
    fence = Fence(renew_deadline=10.0, monotonic=clock)
    if renewal_started is not None:
        fence.renewed(renewal_started)
    clock.now = now
    assert fence.is_open() is open_
    if open_:
        fence.check()
    else:
        with pytest.raises(errors.NotLeader):
            fence.check()


def test_a_closed_fence_stays_closed() -> None:
    clock = Monotonic()
    fence = Fence(renew_deadline=10.0, monotonic=clock)
    fence.renewed(100.0)
    fence.close()
    assert not fence.is_open()


def test_an_older_renewal_never_shortens_the_fence() -> None:
    clock = Monotonic()
    fence = Fence(renew_deadline=10.0, monotonic=clock)
    fence.renewed(100.0)
    fence.renewed(90.0)
    clock.now = 105.0
    assert fence.is_open()


def test_the_throttle_lets_a_burst_through_then_paces() -> None:
    throttle = Throttle(qps=50, burst=5)
    started = time.monotonic()
    for _ in range(5):
        throttle.wait()
    burst = time.monotonic() - started
    for _ in range(10):
        throttle.wait()
    paced = time.monotonic() - started
    assert burst < 0.05
    assert 0.18 <= paced < 0.5, "10 more requests at 50/s take about 0.2s"


def test_qps_zero_is_unlimited() -> None:
    throttle = Throttle(qps=0, burst=1)
    started = time.monotonic()
    for _ in range(1000):
        throttle.wait()
    assert time.monotonic() - started < 0.1
