"""The example manifests the demo applies (and the others in examples/): valid, coherent, and documented.

We test these aspects:
* every argoproj.io object in examples/ passes `rollouts.api.validate` with no errors;
* the istio-canary-analysis Rollout's analysis steps name the ready-made AnalysisTemplates and give every argument
  they declare; its traffic routing names the example's VirtualService route, whose destinations are the
  example's stable and canary Services at 100/0 (host split: no DestinationRule);
* the templates' conditions, as the analysis controller judges them: a high success rate or a low latency
  passes, a low one fails, NaN (no requests in the window) passes, an empty result (no series) is an Error;
* the templates' PromQL, with arguments filled in, parses (promtool, from the prometheus package);
* examples/README.md names every example directory.

Not tested here: running them (test_demo_e2e.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from analysis import assess
from rollouts.api import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROMTOOL = Path("/usr/bin/promtool")
NAN = float("nan")


def documents(directory: Path) -> list[dict]:
    return [doc for path in sorted(directory.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(directory: Path, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents(directory) if doc["kind"] == kind}


ARGO_OBJECTS = [
    pytest.param(doc, id=f"{path.parent.name}/{path.name}:{doc['metadata']['name']}")
    for path in sorted(EXAMPLES.glob("*/*.yaml"))
    for doc in yaml.safe_load_all(path.read_text())
    if doc and str(doc.get("apiVersion", "")).startswith("argoproj.io/")
]


@pytest.mark.parametrize("obj", ARGO_OBJECTS)
def test_example_validates(obj: dict) -> None:
    assert [str(error) for error in validate(obj)] == []


TEMPLATES = by_kind(EXAMPLES / "analysis-templates", "AnalysisTemplate")
EXAMPLE = EXAMPLES / "istio-canary-analysis"
ROLLOUT = by_kind(EXAMPLE, "Rollout")["istio-canary-analysis"]


def test_analysis_steps_name_the_templates_and_give_their_arguments() -> None:
    steps = [step["analysis"] for step in ROLLOUT["spec"]["strategy"]["canary"]["steps"] if "analysis" in step]
    assert len(steps) == 2
    for analysis in steps:
        names = [ref["templateName"] for ref in analysis["templates"]]
        assert names == ["success-rate", "latency-p99"]
        given = {arg["name"] for arg in analysis["args"]}
        for name in names:
            wanted = {arg["name"] for arg in TEMPLATES[name]["spec"]["args"] if "value" not in arg}
            assert wanted <= given, f"{name} needs {wanted - given}"
        assert {"name": "service-name", "value": ROLLOUT["spec"]["strategy"]["canary"]["canaryService"]} in analysis[
            "args"
        ]


def test_traffic_routing_matches_the_virtual_service_and_services() -> None:
    canary = ROLLOUT["spec"]["strategy"]["canary"]
    services = by_kind(EXAMPLE, "Service")
    assert set(services) == {canary["stableService"], canary["canaryService"]}
    istio = canary["trafficRouting"]["istio"]
    assert "destinationRule" not in istio, "host split: the Services are the destinations"
    virtual_service = by_kind(EXAMPLE, "VirtualService")[istio["virtualService"]["name"]]
    routes = {http["name"]: http["route"] for http in virtual_service["spec"]["http"]}
    [route_name] = istio["virtualService"]["routes"]
    weights = {entry["destination"]["host"]: entry["weight"] for entry in routes[route_name]}
    assert weights == {canary["stableService"]: 100, canary["canaryService"]: 0}
    assert not by_kind(EXAMPLE, "DestinationRule")


@pytest.mark.parametrize(
    "template, result, phase",
    [
        pytest.param("success-rate", [1.0], "Successful", id="success-rate-all-good"),
        pytest.param("success-rate", [0.95], "Successful", id="success-rate-at-threshold"),
        pytest.param("success-rate", [0.6], "Failed", id="success-rate-40-percent-errors"),
        pytest.param("success-rate", [NAN], "Successful", id="success-rate-no-requests-in-window"),
        pytest.param("success-rate", [], "Error", id="success-rate-no-series"),
        pytest.param("latency-p99", [48.5], "Successful", id="latency-fast"),
        pytest.param("latency-p99", [800.0], "Failed", id="latency-slow"),
        pytest.param("latency-p99", [NAN], "Successful", id="latency-no-requests-in-window"),
        pytest.param("latency-p99", [], "Error", id="latency-no-series"),
    ],
)
def test_template_conditions(template: str, result: list[float], phase: str) -> None:
    [metric] = TEMPLATES[template]["spec"]["metrics"]
    verdict = assess.judge_measurement(
        result, success_condition=metric.get("successCondition"), failure_condition=metric.get("failureCondition")
    )
    assert verdict.phase == phase


def test_template_queries_parse(tmp_path: Path) -> None:
    assert PROMTOOL.is_file(), f"{PROMTOOL} is missing: install the Debian package prometheus (make test does this)"
    rules = []
    for name, template in TEMPLATES.items():
        for metric in template["spec"]["metrics"]:
            query = re.sub(
                r"\{\{\s*args\.([\w-]+)\s*\}\}",
                lambda match: f"demo-{match.group(1)}",
                metric["provider"]["prometheus"]["query"],
            )
            assert "{{" not in query
            rules.append({"record": f"demo:{name.replace('-', '_')}:{metric['name'].replace('-', '_')}", "expr": query})
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "templates", "rules": rules}]}))
    result = subprocess.run([str(PROMTOOL), "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_names_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    directories = sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir())
    assert [name for name in directories if f"`{name}/`" not in readme] == []


JUDGE_TEMPLATES = by_kind(EXAMPLES / "judge-templates", "AnalysisTemplate")


def test_the_judge_demo_runs_the_judge_template_in_every_analysis_step_with_its_arguments() -> None:
    from rollouts.demo import manifests

    judged = manifests.with_judge(ROLLOUT)
    steps = judged["spec"]["strategy"]["canary"]["steps"]
    analyses = [step["analysis"] for step in steps if "analysis" in step]
    assert len(analyses) == 2 and all(a["templates"] == [{"templateName": "judge-success-rate"}] for a in analyses)
    declared = {arg["name"] for arg in JUDGE_TEMPLATES["judge-success-rate"]["spec"]["args"]}
    assert all({arg["name"] for arg in a["args"]} == declared for a in analyses)
    assert [s for s in steps if "analysis" not in s] == [
        s for s in ROLLOUT["spec"]["strategy"]["canary"]["steps"] if "analysis" not in s
    ]
    assert (
        ROLLOUT["spec"]["strategy"]["canary"]["steps"][1]["analysis"]["templates"][0]["templateName"] == "success-rate"
    )
    assert [str(error) for error in validate(judged)] == []


@pytest.mark.parametrize("name", sorted(JUDGE_TEMPLATES))
def test_judge_templates_parse_as_judge_settings(name: str) -> None:
    from analysis import judge
    from rollouts.plan.runspec import args

    metric = args.substitute(
        JUDGE_TEMPLATES[name]["spec"]["metrics"][0], {"namespace": "ns", "baseline-hash": "aaa", "canary-hash": "bbb"}
    )
    settings = judge.parse(metric["provider"]["plugin"]["rollouts/judge"])
    assert all(
        'destination_version="aaa"' in m.baseline_query and 'destination_version="bbb"' in m.canary_query
        for m in settings.metrics
    )
    assert (settings.lookback_seconds, settings.step_seconds, settings.pass_score, settings.marginal_score) == (
        60.0,
        5.0,
        90.0,
        75.0,
    )
