"""The command line itself: global flags before or after the subcommand, the kubeconfig context's namespace,
`kubectl rollouts …` through a real kubectl, version, shell completion, `--watch=false`, and `lint` (offline).

Excluded: what each command does to the API (test_commands.py) and shows (test_get_and_status.py).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import rollout_objects as objs
from click.testing import CliRunner, Result
from cluster_objects import Places
from plugin_processes import PLUGIN_BIN

import rollouts
from plugin import cli as cli_module
from plugin.cli import cli
from rollouts.cluster.local import LocalCluster

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO.parent / "shared" / "argo-manifests" / "examples"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLUGIN_BIN), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


# ---- flags and kubeconfig ----------------------------------------------------------------------------------------


@pytest.mark.cluster
@pytest.mark.parametrize(
    "order",
    [
        pytest.param(lambda k, ns: ["--kubeconfig", k, "-n", ns, "get", "rollout", "demo"], id="before"),
        pytest.param(lambda k, ns: ["get", "rollout", "demo", "--kubeconfig", k, "-n", ns], id="after"),
        pytest.param(lambda k, ns: ["--kubeconfig", k, "get", "--namespace", ns, "rollout", "demo"], id="between"),
        pytest.param(lambda k, ns: ["--kubeconfig", k, "-n", "elsewhere", "get", "rollout", "demo", f"--namespace={ns}"], id="last-wins"),
    ],
)
def test_global_flags_anywhere(place: Places, cluster: LocalCluster, order: Callable[[str, str], list[str]]) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    result = run(*order(str(cluster.kubeconfig), place.namespace))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Name:            demo\nNamespace:       {place.namespace}\n")


@pytest.mark.cluster
def test_namespace_and_context_from_kubeconfig(place: Places, cluster: LocalCluster, tmp_path: Path) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(cluster.kubeconfig.read_text())
    current = cluster.kubectl("config", "current-context", f"--kubeconfig={kubeconfig}").stdout.strip()
    assert run("--kubeconfig", str(kubeconfig), "list", "rollouts").stderr == "No resources found.\n", "no namespace in the context: default"
    cluster.kubectl("config", "set-context", current, f"--namespace={place.namespace}", f"--kubeconfig={kubeconfig}")
    assert run("--kubeconfig", str(kubeconfig), "list", "rollouts").stdout.splitlines()[1].split()[0] == "demo"
    cluster.kubectl("config", "set-context", current, "--namespace=default", f"--kubeconfig={kubeconfig}")
    user = cluster.kubectl("config", "view", "-o", "jsonpath={.contexts[0].context.user}", f"--kubeconfig={kubeconfig}").stdout
    name = cluster.kubectl("config", "view", "-o", "jsonpath={.contexts[0].context.cluster}", f"--kubeconfig={kubeconfig}").stdout
    cluster.kubectl(
        "config", "set-context", "shop", f"--cluster={name}", f"--user={user}", f"--namespace={place.namespace}", f"--kubeconfig={kubeconfig}"
    )
    shown = run("--kubeconfig", str(kubeconfig), "--context", "shop", "get", "ro", "demo")
    assert shown.returncode == 0, shown.stderr
    assert f"Namespace:       {place.namespace}" in shown.stdout


@pytest.mark.cluster
def test_through_kubectl(place: Places, cluster: LocalCluster) -> None:
    """kubectl finds `kubectl-rollouts` on PATH: `kubectl rollouts …` runs it with the remaining arguments."""
    place.rollout(objs.canary_healthy()["rollout"])
    state = cluster.state()
    assert state is not None
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig), "PATH": f"{PLUGIN_BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    kubectl = str(Path(state.bin_dir) / "kubectl")
    version = subprocess.run([kubectl, "rollouts", "version", "--short"], capture_output=True, text=True, env=env, timeout=60)
    assert version.stdout == f"kubectl-rollouts: v{rollouts.__version__}\n", version.stderr
    status = subprocess.run(
        [kubectl, "rollouts", "status", "demo", "-n", place.namespace, "--watch=false"], capture_output=True, text=True, env=env, timeout=60
    )
    assert (status.returncode, status.stdout) == (0, "Healthy\n")


@pytest.mark.cluster
def test_completion_of_rollout_names(place: Places, cluster: LocalCluster) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    place.rollout(objs.rollout("web", status={"phase": "Healthy"}))
    words = f"kubectl-rollouts --kubeconfig {cluster.kubeconfig} -n {place.namespace} promote d"
    result = run(env={"_KUBECTL_ROLLOUTS_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": "6"})
    assert result.stdout.splitlines() == ["plain,demo"]


# ---- offline commands --------------------------------------------------------------------------------------------


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version() -> None:
    lines = invoke("version").stdout.splitlines()
    assert lines[0] == f"kubectl-rollouts: v{rollouts.__version__}"
    assert [line.split(":")[0] for line in lines[1:]] == ["  PythonVersion", "  Implementation", "  Platform"]
    assert invoke("version", "--short").stdout == f"kubectl-rollouts: v{rollouts.__version__}\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    script = invoke("completion", shell).stdout
    assert "_KUBECTL_ROLLOUTS_COMPLETE" in script and "kubectl-rollouts" in script


def test_completion_rejects_unknown_shells() -> None:
    assert invoke("completion", "tcsh").exit_code == 2


@pytest.mark.parametrize(
    ("args", "normalized"),
    [
        pytest.param(["status", "x", "--watch=false"], ["status", "x", "--no-watch"], id="false"),
        pytest.param(["status", "x", "-w=true"], ["status", "x", "--watch"], id="short-true"),
        pytest.param(["status", "--watch", "x"], ["status", "--watch", "x"], id="plain-flag-untouched"),
        pytest.param(["set", "image", "x", "--watch=false=img"], ["set", "image", "x", "--watch=false=img"], id="not-a-boolean"),
    ],
)
def test_normalize_args(args: list[str], normalized: list[str]) -> None:
    assert cli_module.normalize_args(args) == normalized


def test_root_without_a_command_shows_usage() -> None:
    result = CliRunner().invoke(cli, [])
    assert "Usage:" in result.output
    assert result.exit_code in (0, 2)


# ---- lint --------------------------------------------------------------------------------------------------------

needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared Argo examples are not on this machine")


@needs_examples
@pytest.mark.parametrize(
    "name",
    [
        "rollout-canary.yaml",
        "rollout-bluegreen.yaml",
        "analysis-templates.yaml",
        "rollout-analysis-step.yaml",
        "workload-ref/workload-ref.yaml",
    ],
)
def test_lint_accepts_argo_examples(name: str) -> None:
    result = invoke("lint", "-f", str(EXAMPLES / name))
    assert (result.exit_code, result.stdout) == (0, "")


@needs_examples
def test_lint_accepts_weighted_experiment_templates() -> None:
    result = invoke("lint", "-f", str(EXAMPLES / "traffic-routing-experiment-step" / "istio-host-split-experiment-step.yaml"))
    assert (result.exit_code, result.stdout) == (0, "")


def test_lint_warns_about_unsupported_features_without_failing(tmp_path: Path) -> None:
    manifest = tmp_path / "rollout.yaml"
    manifest.write_text(UNSUPPORTED)
    result = invoke("lint", "-f", str(manifest))
    assert result.exit_code == 0
    assert result.stdout.startswith("warning: Rollout/threshold: spec.strategy.canary.replicaProgressThreshold: ")


UNSUPPORTED = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: threshold}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
  strategy:
    canary:
      replicaProgressThreshold: {type: Percent, value: 90}
      steps: [{setWeight: 10}]
"""


BAD = """\
apiVersion: v1
kind: Service
metadata: {name: fine-service-ignored}
spec: {ports: [{port: 80}]}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: broken}
spec:
  replicaz: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
  strategy:
    canary:
      steps:
      - setWeight: 120
      - pause: {duration: 10s, forever: true}
      - {}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: no-metrics}
spec: {}
"""


def test_lint_reports_every_problem_by_object(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = invoke("lint", "-f", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "Rollout/broken: spec.replicaz: unknown field",
        "Rollout/broken: spec.strategy.canary.steps[1].pause.forever: unknown field",
        "Rollout/broken: spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got 120",
        "Rollout/broken: spec.strategy.canary.steps[2]: a step must set one of setWeight, pause, analysis, experiment, "
        "setCanaryScale, setHeaderRoute, setMirrorRoute, and at most one of setWeight, pause, analysis, experiment",
        lines[4],
    ]
    assert lines[4].startswith("AnalysisTemplate/no-metrics: spec.metrics"), lines
    assert not any("fine-service-ignored" in line for line in lines)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("a: [unclosed", "invalid YAML", id="invalid-yaml"),
        pytest.param("- just\n- a list\n", "a manifest must be a mapping, got list", id="not-a-mapping"),
    ],
)
def test_lint_rejects_unreadable_manifests(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(content)
    result = invoke("lint", "-f", str(path))
    assert result.exit_code == 1
    assert message in result.stdout


def test_lint_missing_file(tmp_path: Path) -> None:
    result = invoke("lint", "-f", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot read {tmp_path / 'absent.yaml'}: ")
