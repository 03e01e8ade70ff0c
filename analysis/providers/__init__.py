"""Metric providers: where an AnalysisRun's measurements come from (prometheus, web, job).

Providers take a metric's provider settings as the wire-format dict (args already substituted) and return
`Measurement`s; the caller evaluates success/failure conditions and keeps the clock.
"""

from analysis.providers.base import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    NO_DATA,
    RUNNING,
    SUCCESSFUL,
    FakeProvider,
    MeasureContext,
    Measurement,
    Phase,
    Provider,
    ProviderError,
    describe_no_data,
    format_float,
)
from analysis.providers.job import JobProvider
from analysis.providers.prometheus import PrometheusProvider
from analysis.providers.registry import SUPPORTED, Providers, UnsupportedProvider, kind_of
from analysis.providers.web import WebProvider

__all__ = [
    "ERROR",
    "FAILED",
    "INCONCLUSIVE",
    "NO_DATA",
    "RUNNING",
    "SUCCESSFUL",
    "SUPPORTED",
    "FakeProvider",
    "JobProvider",
    "MeasureContext",
    "Measurement",
    "Phase",
    "PrometheusProvider",
    "Provider",
    "ProviderError",
    "Providers",
    "UnsupportedProvider",
    "WebProvider",
    "describe_no_data",
    "format_float",
    "kind_of",
]
