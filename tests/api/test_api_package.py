"""The rollouts.api package: its public names are pinned, and its modules stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rollouts import api

PACKAGE = Path(api.__file__).parent

PUBLIC = {
    "API_VERSION",
    "GROUP",
    "VERSION",
    "INVALID",
    "UNSUPPORTED",
    "KINDS",
    "PROVIDERS",
    "SUPPORTED_PROVIDERS",
    "TRAFFIC_ROUTERS",
    "SUPPORTED_TRAFFIC_ROUTERS",
    "STEP_KINDS",
    "validate",
    "parse",
    "parse_rollout",
    "parse_analysis_template",
    "parse_cluster_analysis_template",
    "parse_analysis_run",
    "parse_experiment",
    "FieldError",
    "IntOrString",
    "IntOrPercent",
    "int_value",
    "percent_value",
    "scaled_value",
    "parse_duration",
    "parse_time",
    "format_time",
    "parse_quantity",
    "defaults",
    "quantity",
    "selectors",
    "types",
    "KubeModel",
    "ObjectMeta",
    "Condition",
    "PodTemplateMetadata",
    "Rollout",
    "RolloutSpec",
    "RolloutStatus",
    "RolloutStrategy",
    "RolloutPhase",
    "ObjectRef",
    "BlueGreenStrategy",
    "BlueGreenStatus",
    "CanaryStrategy",
    "CanaryStatus",
    "CanaryStep",
    "RolloutPause",
    "RolloutExperimentStep",
    "RolloutExperimentTemplate",
    "SetCanaryScale",
    "SetHeaderRoute",
    "SetMirrorRoute",
    "RouteMatch",
    "StringMatch",
    "TrafficRouting",
    "IstioTrafficRouting",
    "IstioVirtualService",
    "IstioDestinationRule",
    "ManagedRoute",
    "TrafficWeights",
    "WeightDestination",
    "PauseCondition",
    "AntiAffinity",
    "RolloutAnalysis",
    "RolloutAnalysisBackground",
    "RolloutAnalysisRunStatus",
    "AnalysisTemplate",
    "ClusterAnalysisTemplate",
    "AnalysisTemplateSpec",
    "AnalysisTemplateRef",
    "AnalysisRun",
    "AnalysisRunSpec",
    "AnalysisRunStatus",
    "AnalysisRunMetadata",
    "AnalysisPhase",
    "Metric",
    "MetricProvider",
    "MetricResult",
    "Measurement",
    "RunSummary",
    "Argument",
    "ValueFrom",
    "FieldRef",
    "SecretKeyRef",
    "DryRun",
    "MeasurementRetention",
    "TTLStrategy",
    "PrometheusMetric",
    "PrometheusRangeQuery",
    "WebMetric",
    "WebMetricHeader",
    "JobMetric",
    "Authentication",
    "Experiment",
    "ExperimentSpec",
    "ExperimentStatus",
    "ExperimentTemplate",
    "ExperimentAnalysis",
    "ExperimentAnalysisRunStatus",
    "TemplateService",
    "TemplateStatus",
}


def test_public_names_are_pinned() -> None:
    assert set(api.__all__) == PUBLIC
    assert len(api.__all__) == len(PUBLIC)
    for name in api.__all__:
        assert hasattr(api, name), name


FORBIDDEN = (
    "kubernetes",
    "httpx",
    "requests",
    "urllib.request",
    "socket",
    "subprocess",
    "rollouts.kube",
    "rollouts.machinery",
    "rollouts.cluster",
    "rollouts.cli",
)


@pytest.mark.parametrize("module", sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")))
def test_modules_are_pure(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.startswith(FORBIDDEN)] == []
    assert ast.get_docstring(tree), f"{module} needs a docstring saying its one job"
    calls = {
        node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    writes = calls & {"write_text", "write_bytes", "mkdir", "open", "unlink"}
    assert not writes or module == "crdgen.py", f"{module} does I/O: {writes}"


@pytest.mark.parametrize("module", sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")))
def test_modules_and_functions_stay_small(module: str) -> None:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400, f"{module} is over 400 lines: split it by concern"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef) and node.end_lineno is not None and node.end_lineno - node.lineno >= 60
    ]
    assert long == [], f"{module} has functions over 60 lines: {long}"
