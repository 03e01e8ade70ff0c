"""Size limits for what an AnalysisRun's status records, so that no measurement can push the status write past the
API's request limit (etcd refuses requests over 1.5 MiB by default) and wedge the run.

Conditions are judged on the whole value before anything is clipped; only what is stored is bounded. A clipped
text ends with a marker that says how much was dropped. Counters are never trimmed, only stored measurements,
oldest first, and every metric keeps its latest one.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import json

from rollouts.api import Measurement, MetricResult

VALUE_LIMIT = 4096
"""Characters of a measurement's value that are stored."""
MESSAGE_LIMIT = 1024
"""Characters of a measurement's message that are stored."""
METADATA_LIMIT = 4096
"""Characters of each metadata value that are stored (metadata keys are clipped to 256)."""
STATUS_LIMIT = 512 * 1024
"""Bytes of JSON that the run's metricResults may take in all."""


def clip(text: str, limit: int) -> str:
    """`text`, or as much of it as fits in `limit` characters together with a marker saying how much was dropped."""
    if len(text) <= limit:
        return text
    keep = limit
    while keep > 0:
        marker = f"…[{len(text) - keep} more characters truncated]"
        if keep + len(marker) <= limit:
            return text[:keep] + marker
        keep = limit - len(marker)
    return text[:limit]


def bounded(measurement: Measurement) -> Measurement:
    """The measurement as it may be stored: value, message and metadata clipped."""
    update: dict[str, object] = {}
    if measurement.value is not None and len(measurement.value) > VALUE_LIMIT:
        update["value"] = clip(measurement.value, VALUE_LIMIT)
    if measurement.message is not None and len(measurement.message) > MESSAGE_LIMIT:
        update["message"] = clip(measurement.message, MESSAGE_LIMIT)
    metadata = measurement.metadata or {}
    if any(len(key) > 256 or len(value) > METADATA_LIMIT for key, value in metadata.items()):
        update["metadata"] = {clip(key, 256): clip(value, METADATA_LIMIT) for key, value in metadata.items()}
    return measurement.model_copy(update=update) if update else measurement


def fit(results: dict[str, MetricResult], budget: int = STATUS_LIMIT) -> dict[str, int]:
    """Drop the oldest stored measurements, from the metric that stores the most, until the results fit `budget`.

    Changes `results` in place; returns metric name → measurements kept, for the metrics that lost some (their
    providers garbage-collect what the dropped measurements refer to, such as Jobs).
    """
    sizes = {name: [_size(m) for m in result.measurements or []] for name, result in results.items()}
    total = _size([result.to_dict() for result in results.values()])
    dropped = dict.fromkeys(results, 0)
    while total > budget:
        name = max(sizes, key=lambda candidate: len(sizes[candidate]))
        if len(sizes[name]) <= 1:
            break  # every metric is down to its latest measurement, each already clipped
        total -= sizes[name].pop(0) + 1
        dropped[name] += 1
    kept: dict[str, int] = {}
    for name, count in dropped.items():
        if count:
            measurements = results[name].measurements or []
            results[name] = results[name].model_copy(update={"measurements": measurements[count:]})
            kept[name] = len(measurements) - count
    return kept


def _size(value: Measurement | object) -> int:
    body = value.to_dict() if isinstance(value, Measurement) else value
    return len(json.dumps(body, separators=(",", ":")))
