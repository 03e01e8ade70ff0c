"""A statistical canary judge in Kayenta's manner: compare the canary's series with a baseline's, metric by metric.

Pure: no I/O, no clock. `config.parse` reads the settings, `classify.judge` gives the verdict; the metric provider
that queries Prometheus is `analysis.providers.judge`.
"""

from analysis.judge.classify import Judgement, MetricOutcome, classify, judge
from analysis.judge.config import JudgeConfig, JudgeConfigError, MetricConfig, parse

__all__ = [
    "JudgeConfig",
    "JudgeConfigError",
    "Judgement",
    "MetricConfig",
    "MetricOutcome",
    "classify",
    "judge",
    "parse",
]
