"""How a simulated version answers requests, read from its image tag and pod-template annotations.

Pure: no I/O, no clock, no logging. Randomness comes only from the `random.Random` the caller passes in, so a
seeded generator gives the same answers every time.

**The image tag convention.** The tag is split on ``-`` into words; two words take a number after them, and one
word stands alone. Every other word is just part of the version's name (``blue``, ``v2``, ``canary``):

* ``errors-<N>``: N percent of requests fail with HTTP 500 (0 to 100, decimals allowed: ``errors-2.5``);
* ``slow-<MS>``: the median (p50) latency is MS milliseconds;
* ``bad``: half of the requests fail (as ``errors-50``), unless an ``errors-<N>`` in the same tag says otherwise;
* ``tail-<N>``: the p99 latency is N percent above what the median alone gives (a longer tail, same median).

Words combine in any order. Without any of them a version is healthy: no errors and a 20 ms median latency.

    argoproj/rollouts-demo:blue              → errors 0 %,  p50   20 ms
    argoproj/rollouts-demo:yellow-errors-30  → errors 30 %, p50   20 ms
    argoproj/rollouts-demo:green-slow-800    → errors 0 %,  p50  800 ms
    argoproj/rollouts-demo:red-errors-10-slow-300 → errors 10 %, p50 300 ms
    argoproj/rollouts-demo:bad-red           → errors 50 %, p50   20 ms
    argoproj/rollouts-demo:blue-tail-30      → errors 0 %,  p50   20 ms, p99 30 % higher (about 52 ms, not 40)
    registry:5000/demo  (no tag: latest)     → errors 0 %,  p50   20 ms

A word that would take a number but is not followed by one (``no-errors``, ``slow-start``) is just a name. A
percentage above 100 (``errors-150``) is an error: the tag clearly meant to configure something.

**Annotations override the tag.** On the pod template (so they live on the ReplicaSet, and each version has
its own):

* ``simulator.rollouts.dev/error-rate: "0.3"``: the fraction of requests that fail, 0 to 1;
* ``simulator.rollouts.dev/latency-ms: "500"``: the median latency in milliseconds, 0 or more;
* ``simulator.rollouts.dev/latency-spread: "0.4"``: the sigma of the log-normal latency (see below), 0 to 3.

A value that does not parse raises `BehaviourError`, whose message names the annotation and the value.

**Latencies** are log-normal around the median: ``median × e^(σ·z)`` for a standard normal z, with σ = 0.3 unless
said otherwise, so the p90 is about 1.5 × and the p99 about 2 × the median. ``tail-<N>`` raises σ by
ln(1 + N/100) / 2.326, which moves the p99 up by N % and leaves the median. A median of 0 gives 0 ms every time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BAD_ERROR_RATE",
    "ERROR_RATE_ANNOTATION",
    "HEALTHY",
    "LATENCY_ANNOTATION",
    "LATENCY_SPREAD",
    "SPREAD_ANNOTATION",
    "Behaviour",
    "BehaviourError",
    "Response",
    "from_annotations",
    "from_tag",
    "from_template",
    "image_of",
    "respond",
    "tag_of",
]

ERROR_RATE_ANNOTATION = "simulator.rollouts.dev/error-rate"
LATENCY_ANNOTATION = "simulator.rollouts.dev/latency-ms"
SPREAD_ANNOTATION = "simulator.rollouts.dev/latency-spread"
BAD_ERROR_RATE = 0.5
LATENCY_SPREAD = 0.3
"""The sigma of the log-normal latency distribution (see the module docstring)."""
P99_Z = 2.3263478740408408
"""The standard normal's 99th percentile: a log-normal's p99 is median × e^(σ·P99_Z)."""


class BehaviourError(ValueError):
    """An image tag or annotation asks for a behaviour that cannot be; the message names what and where."""


@dataclass(frozen=True)
class Behaviour:
    """How one version answers: the share of requests that fail, the median latency and how widely it spreads."""

    error_rate: float
    """Fraction of requests answered with HTTP 500, from 0 to 1."""
    latency_ms: float
    """Median (p50) request duration in milliseconds."""
    spread: float = LATENCY_SPREAD
    """Sigma of the log-normal latency around the median."""


HEALTHY = Behaviour(error_rate=0.0, latency_ms=20.0)


@dataclass(frozen=True)
class Response:
    """One simulated answer."""

    code: int
    duration_ms: float


def tag_of(image: str) -> str:
    """The tag of an image reference; ``latest`` when it has none.

    Examples:
        tag_of("argoproj/rollouts-demo:blue") == "blue"
        tag_of("localhost:5000/demo:red-errors-10") == "red-errors-10"   (the port is not a tag)
        tag_of("demo:blue@sha256:abc…") == "blue"
        tag_of("localhost:5000/demo") == "latest"
    """
    name = image.split("@", 1)[0]
    last_part = name.rsplit("/", 1)[-1]
    return last_part.rsplit(":", 1)[1] if ":" in last_part else "latest"


def from_tag(tag: str) -> Behaviour:
    """Read a behaviour from an image tag by the convention in the module docstring."""
    words = tag.lower().split("-")
    error_percent: float | None = None
    latency_ms: float | None = None
    spread = LATENCY_SPREAD
    bad = False
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        if word == "bad":
            bad = True
        elif word == "errors" and _is_number(after):
            error_percent = float(after)
            if error_percent > 100:
                raise BehaviourError(f"image tag {tag!r}: errors-<N> wants a percentage from 0 to 100, got {after}")
        elif word == "slow" and _is_number(after):
            latency_ms = float(after)
        elif word == "tail" and _is_number(after):
            spread = LATENCY_SPREAD + math.log1p(float(after) / 100) / P99_Z
    if error_percent is not None:
        error_rate = error_percent / 100
    else:
        error_rate = BAD_ERROR_RATE if bad else HEALTHY.error_rate
    return Behaviour(
        error_rate=error_rate, latency_ms=HEALTHY.latency_ms if latency_ms is None else latency_ms, spread=spread
    )


def from_annotations(base: Behaviour, annotations: Mapping[str, Any] | None) -> Behaviour:
    """`base` with whatever the simulator annotations set; raises `BehaviourError` naming a bad annotation."""
    annotations = annotations or {}
    error_rate, latency_ms, spread = base.error_rate, base.latency_ms, base.spread
    if ERROR_RATE_ANNOTATION in annotations:
        error_rate = _annotation_number(
            annotations, ERROR_RATE_ANNOTATION, low=0.0, high=1.0, example="0.3", wants="a fraction from 0 to 1"
        )
    if LATENCY_ANNOTATION in annotations:
        latency_ms = _annotation_number(
            annotations, LATENCY_ANNOTATION, low=0.0, high=math.inf, example="500", wants="milliseconds, 0 or more"
        )
    if SPREAD_ANNOTATION in annotations:
        spread = _annotation_number(
            annotations, SPREAD_ANNOTATION, low=0.0, high=3.0, example="0.4", wants="a sigma from 0 to 3"
        )
    return Behaviour(error_rate=error_rate, latency_ms=latency_ms, spread=spread)


def image_of(template: Mapping[str, Any] | None) -> str:
    """The image of a pod template's first container; ``""`` when it has none."""
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    return str(containers[0].get("image") or "") if containers else ""


def from_template(template: Mapping[str, Any] | None) -> Behaviour:
    """The behaviour of a pod template: its first container's image tag, then its annotations on top."""
    annotations = ((template or {}).get("metadata") or {}).get("annotations")
    return from_annotations(from_tag(tag_of(image_of(template))), annotations)


def respond(behaviour: Behaviour, rng: random.Random) -> Response:
    """Draw one answer: 500 with probability `error_rate`, else 200; a log-normal duration around the median.

    Always draws exactly two numbers from `rng`, so one version's settings never shift another's draws.
    """
    failed = rng.random() < behaviour.error_rate
    z = rng.gauss(0.0, 1.0)
    return Response(code=500 if failed else 200, duration_ms=behaviour.latency_ms * math.exp(behaviour.spread * z))


def _is_number(word: str) -> bool:
    """Plain decimal digits with at most one point: ``30``, ``2.5`` (not ``1e3``, ``nan`` or ``inf``)."""
    digits = word.replace(".", "", 1)
    return digits.isdigit() and digits.isascii()


def _annotation_number(
    annotations: Mapping[str, Any], key: str, *, low: float, high: float, example: str, wants: str
) -> float:
    raw = annotations[key]
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise BehaviourError(f'annotation {key}: {raw!r} is not {wants} (e.g. "{example}")')
    return value
