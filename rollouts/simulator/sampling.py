"""How many requests a traffic split receives and which version serves each: seeded, so runs repeat.

Pure: no I/O, no clock; `elapsed` and the random generator are passed in.
"""

from __future__ import annotations

import bisect
import math
import random

from rollouts.simulator import behaviour
from rollouts.simulator.traffic import RequestSample, Split


def requests_due(*, rate_per_second: float, elapsed_before: float, elapsed_now: float) -> int:
    """How many requests fall in (elapsed_before, elapsed_now] seconds at a steady rate since second 0.

    Counting from a fixed start means ticks of any length never drift: at 15 req/s, ticks of 0.1 s alternate
    1 and 2 requests, and any 10 s hold exactly 150.

    Examples:
        requests_due(rate_per_second=20, elapsed_before=0.0, elapsed_now=0.1) == 2
        requests_due(rate_per_second=15, elapsed_before=0.0, elapsed_now=0.1) == 1
        requests_due(rate_per_second=15, elapsed_before=0.1, elapsed_now=0.2) == 2
    """
    return max(0, _requests_by(rate_per_second, elapsed_now) - _requests_by(rate_per_second, elapsed_before))


def sample_requests(split: Split, *, count: int, rng: random.Random) -> list[RequestSample]:
    """`count` requests: each picks a destination by share, then answers by that destination's behaviour."""
    destinations = split.destinations
    if not destinations or count <= 0:
        return []
    bounds: list[float] = []
    running = 0.0
    for destination in destinations:
        running += destination.share
        bounds.append(running)
    samples = []
    for _ in range(count):
        pick = min(bisect.bisect_right(bounds, rng.random() * running), len(destinations) - 1)
        destination = destinations[pick]
        response = behaviour.respond(destination.behaviour, rng)
        samples.append(RequestSample(destination, response.code, response.duration_ms))
    return samples


def simulate(split: Split, *, rate_per_second: float, seconds: float, rng: random.Random) -> list[RequestSample]:
    """The requests of `seconds` at `rate_per_second` through `split`: ``rate × seconds`` of them (rounded down)."""
    count = requests_due(rate_per_second=rate_per_second, elapsed_before=0.0, elapsed_now=seconds)
    return sample_requests(split, count=count, rng=rng)


def _requests_by(rate_per_second: float, elapsed: float) -> int:
    # The epsilon absorbs float error, so 0.29 s at 100 req/s is 29 requests and not 28.
    return math.floor(rate_per_second * elapsed + 1e-9)
